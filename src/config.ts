import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseUsername } from './domain/account.js';
import { parseDuration } from './duration.js';

/**
 * Configuration is read once, here, from flags and the environment (flags
 * win), validated, and frozen. A bad value stops start-up with a message
 * naming the variable. Every port not given is derived from PORT, so a
 * second deployment runs beside the first with only PORT and DATA_DIR
 * changed:
 *
 *   web            PORT, PORT+1 (cluster)      auth gRPC    PORT+10
 *   social gRPC    PORT+11                     etcd client  PORT+20..22
 *   etcd peer      PORT+30..32                 admin (/metrics): auth PORT+40, social PORT+41,
 *                                              web/all PORT+42 (cluster: PORT+42+i for web i)
 */
export const roles = ['web', 'auth', 'social', 'all', 'cluster'] as const;
export type Role = (typeof roles)[number];

export interface RateLimitSetting {
  max: number;
  windowSeconds: number;
}

export interface Config {
  role: Role;
  /** Interface the web listener binds to (and the services', unless rpcHost says otherwise). */
  host: string;
  /** Interface the gRPC services bind to (HOST, but loopback for `all`); anything but loopback requires rpcTls. */
  rpcHost: string;
  /** The web port (the first web instance's, for `cluster`). */
  port: number;
  dataDir: string;
  store: 'embedded' | 'etcd';
  etcdEndpoints: string[];
  /** Deadline of each etcd call. */
  etcdTimeoutMs: number;
  /**
   * etcd only (0 on the embedded store): every write waits this long after
   * etcd confirmed it before it is acknowledged (commit-wait), and a read
   * that need not be linearizable may use a quorum read that started up to
   * this long before it (services/social/revision-reader.ts). 0: every
   * read waits for a quorum read that starts after it. Every auth and
   * social process of a deployment must use the same value.
   */
  readIndexAgeMs: number;
  /** PEM files for TLS to etcd with a client certificate (whose Common Name is the etcd user); absent for plain http. */
  etcdTls?: { ca: string; cert: string; key: string };
  /**
   * PEM files of this process's gRPC identity: the deployment's CA, its
   * certificate and key. Services then demand a certificate from that CA
   * of every caller (mutual TLS), and clients present theirs. Absent for
   * plaintext, which only loopback allows.
   */
  rpcTls?: { ca: string; cert: string; key: string };
  authPort: number;
  socialPort: number;
  /** Where the web role finds each service: one or more host:port. */
  authAddresses: string[];
  socialAddresses: string[];
  /** Deadline of each gRPC call from the web tier. */
  grpcDeadlineMs: number;
  /** `cluster` only: how many web instances, and etcd's ports. */
  webInstances: number;
  etcdClientPorts: number[];
  etcdPeerPorts: number[];
  sessionTtlSeconds: number;
  sessionIdleSeconds: number;
  /** Attempt limits of the auth service, shared by all instances; absent when off. */
  rateLimits: {
    signUpPerIp?: RateLimitSetting;
    logInPerIp?: RateLimitSetting;
    /** Failed logins at one account from one address. */
    logInPerAccountAddress?: RateLimitSetting;
    /** Failed logins at one account from every address; far higher than the pair's. */
    logInPerAccount?: RateLimitSetting;
  };
  /** Password hashes at once, and the longest wait in line before one is refused; absent means the service's defaults. */
  passwordHashing: { concurrency?: number; maxWaitMs?: number };
  /** How long a client has to send a whole request (headers and body); a stalled one is cut with 408. */
  requestTimeoutMs: number;
  /** Open client connections in all, per web process; absent means 3/4 of the open-file limit (never more than that). */
  maxConnections?: number;
  /** Open client connections from one address (an IPv6 /64); trusted proxies are exempt. */
  maxConnectionsPerAddress: number;
  /** Proxies whose X-Forwarded-For the web tier believes (addresses or CIDRs); none by default. */
  trustedProxies: string[];
  secureCookies: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How long a draining process waits for in-flight requests before closing anyway. */
  shutdownGraceMs: number;
  /** `cluster` only: how often the supervisor defragments the etcd members, one at a time; undefined when off. */
  defragEveryMs: number | undefined;
  /** Where this process's admin listener (Prometheus `/metrics`) binds: loopback unless told otherwise. */
  adminHost: string;
  /** Its port; the default depends on the role (see the table above), 0 picks a free one. */
  adminPort: number;
  /** With a token, the web tier's public listener also serves `/metrics` to `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Usernames who may see the status page (/admin); none by default. */
  admins: string[];
  /** etcd's backend quota as the members were started with it, shown on the status page beside their size. */
  etcdQuotaBytes: number;
  /** Scheduled backups into DATA_DIR/backups by `all` and `cluster`: every `everyMs`, keeping the newest `keep`; off when absent. */
  backups?: { everyMs: number; keep: number };
  /** `web`: how often it reports itself to the status service for /admin; its record lives three times this. */
  statusReportEveryMs: number;
  /**
   * social, all: where the social service saves its view to restart from
   * (services/social/view-snapshot.ts), and how often a changed view is
   * saved besides on shutdown; absent when snapshots are off.
   */
  viewSnapshots?: { dir: string; everyMs: number | undefined };
}

/** Each option: its flag, its environment variable, and a description for --help. */
const options = {
  host: { env: 'HOST', help: 'address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)' },
  'rpc-host': { env: 'CHORUS_RPC_HOST', help: "gRPC services' address (default HOST; loopback for all); not loopback needs --rpc-ca" },
  port: { env: 'PORT', help: 'web port (default 8080); other ports derive from it' },
  'data-dir': { env: 'DATA_DIR', help: 'where data lives (default ./data)' },
  store: { env: 'CHORUS_STORE', help: 'embedded | etcd (default: embedded for all, etcd otherwise)' },
  'etcd-endpoints': { env: 'CHORUS_ETCD_ENDPOINTS', help: 'comma-separated etcd client URLs' },
  'etcd-timeout-ms': { env: 'CHORUS_ETCD_TIMEOUT_MS', help: 'deadline of each etcd call (default 2000)' },
  'read-index-age-ms': {
    env: 'CHORUS_READ_INDEX_AGE_MS',
    help: 'etcd: writes wait this long after commit, reads may share a quorum read this old, 0 to 1000 (default 10; same on every auth and social)',
  },
  'etcd-ca': { env: 'CHORUS_ETCD_CA', help: "CA certificate (PEM) that signed the etcd members' certificates" },
  'etcd-cert': { env: 'CHORUS_ETCD_CERT', help: 'client certificate (PEM) for etcd; its Common Name is the etcd user' },
  'etcd-key': { env: 'CHORUS_ETCD_KEY', help: 'private key (PEM) of --etcd-cert' },
  'rpc-ca': { env: 'CHORUS_RPC_CA', help: 'CA certificate (PEM) every gRPC service and caller must be signed by (mutual TLS)' },
  'rpc-cert': { env: 'CHORUS_RPC_CERT', help: "this process's gRPC certificate (PEM); a service's names chorus-auth/-social" },
  'rpc-key': { env: 'CHORUS_RPC_KEY', help: 'private key (PEM) of --rpc-cert' },
  'auth-port': { env: 'CHORUS_AUTH_PORT', help: 'auth gRPC port (default PORT+10)' },
  'social-port': { env: 'CHORUS_SOCIAL_PORT', help: 'social gRPC port (default PORT+11)' },
  'auth-addr': { env: 'CHORUS_AUTH_ADDR', help: 'auth service host:port list for the web role' },
  'social-addr': { env: 'CHORUS_SOCIAL_ADDR', help: 'social service host:port list for the web role' },
  'grpc-deadline-ms': { env: 'CHORUS_GRPC_DEADLINE_MS', help: 'deadline of each gRPC call (default 5000)' },
  'web-instances': { env: 'CHORUS_WEB_INSTANCES', help: 'cluster: number of web instances (default 2)' },
  'etcd-client-ports': { env: 'CHORUS_ETCD_CLIENT_PORTS', help: 'cluster: three etcd client ports (default PORT+20..22)' },
  'etcd-peer-ports': { env: 'CHORUS_ETCD_PEER_PORTS', help: 'cluster: three etcd peer ports (default PORT+30..32)' },
  'session-ttl-seconds': { env: 'CHORUS_SESSION_TTL_SECONDS', help: 'session lifetime (default 30 days)' },
  'session-idle-seconds': { env: 'CHORUS_SESSION_IDLE_SECONDS', help: 'a session unused this long ends (default 14 days)' },
  'rate-limits': { env: 'CHORUS_RATE_LIMITS', help: 'on | off: attempt limits (default on; benchmarks turn them off)' },
  'rate-login-per-ip': { env: 'CHORUS_RATE_LOGIN_PER_IP', help: 'logins per client address: N/seconds (default 25/300)' },
  'rate-login-per-account-address': {
    env: 'CHORUS_RATE_LOGIN_PER_ACCOUNT_ADDRESS',
    help: 'failed logins at one account from one address: N/seconds (default 10/900)',
  },
  'rate-login-per-account': {
    env: 'CHORUS_RATE_LOGIN_PER_ACCOUNT',
    help: 'failed logins at one account from all addresses, delayed on the way: N/seconds (default 100/3600)',
  },
  'rate-signup-per-ip': { env: 'CHORUS_RATE_SIGNUP_PER_IP', help: 'sign-ups per client address: N/seconds (default 5/1800)' },
  'password-hash-concurrency': {
    env: 'CHORUS_PASSWORD_HASH_CONCURRENCY',
    help: 'password hashes at once, below UV_THREADPOOL_SIZE (default: 1 on 2 cores, else 2)',
  },
  'password-hash-max-wait-ms': {
    env: 'CHORUS_PASSWORD_HASH_MAX_WAIT_MS',
    help: 'a sign-up or log-in that would wait longer for hashing gets 429 (default 2000)',
  },
  'request-timeout-ms': {
    env: 'CHORUS_REQUEST_TIMEOUT_MS',
    help: 'time to send a whole request; a stalled body is cut with 408 (default 30000)',
  },
  'max-connections': {
    env: 'CHORUS_MAX_CONNECTIONS',
    help: 'open client connections per web process (default and ceiling: 3/4 of the open-file limit)',
  },
  'max-connections-per-address': {
    env: 'CHORUS_MAX_CONNECTIONS_PER_ADDRESS',
    help: 'open client connections from one address or IPv6 /64; trusted proxies exempt (default 128)',
  },
  'trusted-proxies': { env: 'CHORUS_TRUSTED_PROXIES', help: 'comma-separated proxy addresses/CIDRs whose X-Forwarded-For is believed' },
  'secure-cookies': { env: 'CHORUS_SECURE_COOKIES', help: 'true when served over HTTPS (default false)' },
  'log-level': { env: 'CHORUS_LOG_LEVEL', help: 'fatal|error|warn|info|debug|trace|silent (default info)' },
  'shutdown-grace-ms': { env: 'CHORUS_SHUTDOWN_GRACE_MS', help: 'drain time on SIGTERM (default 10000)' },
  'defrag-every': { env: 'CHORUS_DEFRAG_EVERY', help: 'cluster: defragment etcd members, one at a time, this often (default 24h; off)' },
  'admin-host': { env: 'CHORUS_ADMIN_HOST', help: "admin listener's address, serving /metrics (default 127.0.0.1)" },
  'admin-port': {
    env: 'CHORUS_ADMIN_PORT',
    help: 'admin listener port (default auth PORT+40, social PORT+41, web and all PORT+42)',
  },
  'metrics-token': {
    env: 'CHORUS_METRICS_TOKEN',
    help: 'bearer token that opens /metrics on the public web port too (at least 32 characters; default: admin listener only)',
  },
  admins: { env: 'CHORUS_ADMINS', help: 'comma-separated usernames who may see the status page /admin (default none)' },
  'etcd-quota-bytes': {
    env: 'CHORUS_ETCD_QUOTA_BYTES',
    help: "etcd members' --quota-backend-bytes, shown on /admin (default 2147483648, as npm run cluster sets it)",
  },
  'backup-every': {
    env: 'CHORUS_BACKUP_EVERY',
    help: 'back up into DATA_DIR/backups this often, like 30m, 6h or 1d (all, cluster; default off)',
  },
  'backup-keep': { env: 'CHORUS_BACKUP_KEEP', help: 'scheduled backups kept, the newest (default 14)' },
  'status-report-every': {
    env: 'CHORUS_STATUS_REPORT_EVERY',
    help: 'web: report this instance to the status service for /admin this often, 1s to 60s (default 5s)',
  },
  'view-snapshot-dir': {
    env: 'CHORUS_VIEW_SNAPSHOT_DIR',
    help: 'social, all: where the social view is saved to restart from, or off (default DATA_DIR/social-snapshot; one per instance)',
  },
  'view-snapshot-every': {
    env: 'CHORUS_VIEW_SNAPSHOT_EVERY',
    help: 'social, all: save a changed view this often, like 10m, or off for on shutdown only (default 10m)',
  },
} as const;

type OptionName = keyof typeof options;

/** Measured in docs/performance.md, "Issue 13: reads with a read index of bounded age". */
const DEFAULT_READ_INDEX_AGE_MS = 10;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function usage(): string {
  const lines = Object.entries(options).map(([flag, { env, help }]) => `  --${flag.padEnd(20)} ${env.padEnd(26)} ${help}`);
  return [
    'usage: chorus <role> [flags]',
    `roles: ${roles.join(', ')}`,
    '  web      the stateless HTTP server (pages and /api/v1)',
    '  auth     the auth gRPC service;  social  the social gRPC service',
    '  all      every role in one process (embedded store by default)',
    '  cluster  3 etcd members, the services and web instances on this machine',
    'flags (or environment variables):',
    ...lines,
  ].join('\n');
}

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: Object.fromEntries(Object.keys(options).map((name) => [name, { type: 'string' as const }])),
  });
  const raw = (name: OptionName): string | undefined => {
    const flag = values[name];
    if (typeof flag === 'string') return flag;
    const value = env[options[name].env];
    return value === undefined || value === '' ? undefined : value;
  };
  const label = (name: OptionName) => `--${name} / ${options[name].env}`;
  const int = (name: OptionName, fallback: number, min: number, max: number): number => {
    const value = raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new ConfigError(`${label(name)} must be a whole number from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
  const portList = (name: OptionName, fallback: number[]): number[] => {
    const value = raw(name);
    if (value === undefined) return fallback;
    const ports = value.split(',').map((p) => Number(p.trim()));
    if (ports.length !== fallback.length || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
      throw new ConfigError(`${label(name)} must be ${fallback.length} comma-separated ports, got "${value}"`);
    }
    return ports;
  };
  /** A schedule: a duration such as 6h, or `off`. */
  const every = (name: OptionName, fallback: string): number | undefined => {
    const value = raw(name) ?? fallback;
    if (value === 'off') return undefined;
    const ms = parseDuration(value);
    if (ms === undefined) throw new ConfigError(`${label(name)} must be a duration like 30m, 6h or 1d, or off, got "${value}"`);
    return ms;
  };
  const oneOf = <T extends string>(name: OptionName, allowed: readonly T[], fallback: T): T => {
    const value = raw(name) ?? fallback;
    if (!allowed.includes(value as T)) {
      throw new ConfigError(`${label(name)} must be one of ${allowed.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
  const addresses = (name: OptionName, fallback: string): string[] => {
    const list = (raw(name) ?? fallback)
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    for (const address of list) {
      if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(address)) {
        throw new ConfigError(`${label(name)} must be host:port[,host:port...], got "${address}"`);
      }
    }
    return list;
  };

  const backups = (): Config['backups'] => {
    const every = raw('backup-every');
    const keep = int('backup-keep', 14, 1, 10_000);
    if (every === undefined) {
      if (raw('backup-keep') !== undefined) throw new ConfigError(`${label('backup-keep')} needs ${label('backup-every')}`);
      return undefined;
    }
    const match = /^(\d{1,6})(s|m|h|d)$/.exec(every);
    const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
    const everyMs = match ? Number(match[1]) * unitMs[match[2] as keyof typeof unitMs] : 0;
    // Down to 1s (for trying it out and for tests): turns never overlap, as the next is counted from the end of the last.
    if (everyMs < 1_000 || everyMs > 30 * 86_400_000) {
      throw new ConfigError(`${label('backup-every')} must be a duration from 1s to 30d like 30m, 6h or 1d, got "${every}"`);
    }
    return { everyMs, keep };
  };

  const statusReportEvery = (): number => {
    const value = raw('status-report-every') ?? '5s';
    const ms = parseDuration(value);
    if (ms === undefined || ms < 1000 || ms > 60_000) {
      throw new ConfigError(`${label('status-report-every')} must be a duration from 1s to 60s, got "${value}"`);
    }
    return ms;
  };
  const viewSnapshots = (dataDir: string): Config['viewSnapshots'] => {
    const dir = raw('view-snapshot-dir');
    const everyMs = every('view-snapshot-every', '10m');
    if (everyMs !== undefined && everyMs < 10_000) {
      throw new ConfigError(`${label('view-snapshot-every')} must be at least 10s, or off, got "${raw('view-snapshot-every')}"`);
    }
    if (dir === 'off') return undefined;
    const resolved = path.resolve(dir ?? path.join(dataDir, 'social-snapshot'));
    if (existsSync(resolved) && !statSync(resolved).isDirectory()) {
      throw new ConfigError(`${label('view-snapshot-dir')} must be a directory (or a path to create one at), got the file "${resolved}"`);
    }
    return { dir: resolved, everyMs };
  };

  if (positionals.length !== 1 || !roles.includes(positionals[0] as Role)) {
    throw new ConfigError(`expected exactly one role (${roles.join(', ')}), got "${positionals.join(' ')}"`);
  }
  const role = positionals[0] as Role;
  const port = int('port', 8080, 0, 65535);
  // Port 0 (tests) means "pick free ports", so nothing may be derived from it.
  const derived = (offset: number) => (port === 0 ? 0 : port + offset);
  if (port !== 0 && port + 57 > 65535) throw new ConfigError(`${label('port')} leaves no room for derived ports (max 65478)`);
  const checkHost = (name: OptionName, value: string) => {
    if (
      isIP(value) === 0 &&
      !/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(value)
    ) {
      throw new ConfigError(`${label(name)} must be an IP address (like 0.0.0.0 or ::) or a host name, got "${value}"`);
    }
  };
  const host = raw('host') ?? '127.0.0.1';
  checkHost('host', host);
  const authPort = int('auth-port', derived(10), 0, 65535);
  const socialPort = int('social-port', derived(11), 0, 65535);
  const clientPorts = [20, 21, 22].map(derived);
  const etcdEndpoints = (raw('etcd-endpoints') ?? clientPorts.map((p) => `http://127.0.0.1:${p}`).join(','))
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const endpoint of etcdEndpoints) {
    if (!/^https?:\/\/[^/\s]+$/.test(endpoint)) {
      throw new ConfigError(`${label('etcd-endpoints')} must be URLs like http://127.0.0.1:2379, got "${endpoint}"`);
    }
  }
  /** A CA, certificate and key given together (or not at all), each an existing file. */
  const pemFiles = (names: [OptionName, OptionName, OptionName]) => {
    const [ca, cert, key] = names.map(raw);
    const given = [ca, cert, key].filter((file) => file !== undefined).length;
    if (given !== 0 && given !== 3) {
      throw new ConfigError(`${label(names[0])}, ${label(names[1])} and ${label(names[2])} go together: give all three or none`);
    }
    for (const name of names) {
      const file = raw(name);
      if (file !== undefined && !existsSync(file)) throw new ConfigError(`${label(name)}: no such file "${file}"`);
    }
    return given === 3 ? { ca: ca!, cert: cert!, key: key! } : undefined;
  };
  const etcdTls = pemFiles(['etcd-ca', 'etcd-cert', 'etcd-key']);
  if (etcdTls && etcdEndpoints.some((e) => e.startsWith('http:'))) {
    throw new ConfigError(`${label('etcd-endpoints')} must be https:// URLs when etcd certificates are given`);
  }
  const secure = raw('secure-cookies') ?? 'false';
  if (secure !== 'true' && secure !== 'false') {
    throw new ConfigError(`${label('secure-cookies')} must be true or false, got "${secure}"`);
  }
  const rate = (name: OptionName, fallback: string): RateLimitSetting => {
    const value = raw(name) ?? fallback;
    const match = /^(\d{1,9})\/(\d{1,9})$/.exec(value);
    if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
      throw new ConfigError(`${label(name)} must be attempts/seconds like 25/300, got "${value}"`);
    }
    return { max: Number(match[1]), windowSeconds: Number(match[2]) };
  };
  const limitsOn = oneOf('rate-limits', ['on', 'off'] as const, 'on') === 'on';
  const trustedProxies = (raw('trusted-proxies') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const proxy of trustedProxies) {
    if (!/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(proxy)) {
      throw new ConfigError(`${label('trusted-proxies')} must be IP addresses or CIDRs, got "${proxy}"`);
    }
  }
  const rpcTls = pemFiles(['rpc-ca', 'rpc-cert', 'rpc-key']);
  const admins = (raw('admins') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => {
      try {
        return parseUsername(name);
      } catch {
        throw new ConfigError(`${label('admins')} must be comma-separated usernames (a-z, 0-9, _), got "${name}"`);
      }
    });
  // `all` calls its services in process: their ports are for grpcurl and
  // local web instances, so they stay on loopback when the web listens wider.
  const rpcHost = raw('rpc-host') ?? (role === 'all' && !isLoopback(host) ? '127.0.0.1' : host);
  checkHost('rpc-host', rpcHost);
  const servesRpc = role === 'auth' || role === 'social' || role === 'all';
  if (servesRpc && !rpcTls && !isLoopback(rpcHost)) {
    throw new ConfigError(
      `the gRPC services would listen on ${rpcHost} (${label(raw('rpc-host') === undefined ? 'host' : 'rpc-host')}) without TLS, ` +
        `open to anyone who reaches it: give ${label('rpc-ca')}, ${label('rpc-cert')} and ${label('rpc-key')} (mutual TLS), ` +
        'or listen on a loopback address',
    );
  }
  // Where this machine's own services are reached when listening on every interface.
  const local = rpcHost === '0.0.0.0' || rpcHost === '::' ? '127.0.0.1' : isIP(rpcHost) === 6 ? `[${rpcHost}]` : rpcHost;
  const authAddresses = addresses('auth-addr', `${local}:${authPort}`);
  const socialAddresses = addresses('social-addr', `${local}:${socialPort}`);
  if (role === 'web' && !rpcTls) {
    // Only addresses, not names, can be told apart from loopback here; a service at a name without TLS fails its first call.
    const hostOf = (address: string) => address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
    const remote = [...authAddresses, ...socialAddresses].find((a) => isIP(hostOf(a)) !== 0 && !isLoopback(hostOf(a)));
    if (remote) {
      throw new ConfigError(
        `the service at ${remote} is not on loopback, so it demands mutual TLS: give ${label('rpc-ca')}, ${label('rpc-cert')} and ${label('rpc-key')}`,
      );
    }
  }

  const adminHost = raw('admin-host') ?? '127.0.0.1';
  checkHost('admin-host', adminHost);
  const adminOffset = role === 'auth' ? 40 : role === 'social' ? 41 : 42;
  const metricsToken = raw('metrics-token');
  if (metricsToken !== undefined && !/^[\x21-\x7e]{32,512}$/.test(metricsToken)) {
    throw new ConfigError(`${label('metrics-token')} must be 32 to 512 printable characters without spaces (e.g. openssl rand -hex 32)`);
  }

  const dataDir = path.resolve(raw('data-dir') ?? './data');
  const store = oneOf('store', ['embedded', 'etcd'] as const, role === 'all' ? 'embedded' : 'etcd');
  // Checked on either store; the embedded one is one process, whose every read already sees every write.
  const readIndexAgeMs = int('read-index-age-ms', DEFAULT_READ_INDEX_AGE_MS, 0, 1000);
  return Object.freeze({
    role,
    host,
    rpcHost,
    port,
    dataDir,
    store,
    etcdEndpoints,
    etcdTimeoutMs: int('etcd-timeout-ms', 2000, 100, 60_000),
    readIndexAgeMs: store === 'etcd' ? readIndexAgeMs : 0,
    etcdTls,
    rpcTls,
    authPort,
    socialPort,
    authAddresses,
    socialAddresses,
    grpcDeadlineMs: int('grpc-deadline-ms', 5000, 100, 120_000),
    webInstances: int('web-instances', 2, 1, 16),
    etcdClientPorts: portList('etcd-client-ports', clientPorts),
    etcdPeerPorts: portList('etcd-peer-ports', [30, 31, 32].map(derived)),
    sessionTtlSeconds: int('session-ttl-seconds', 30 * 24 * 3600, 60, 365 * 24 * 3600),
    sessionIdleSeconds: int('session-idle-seconds', 14 * 24 * 3600, 60, 365 * 24 * 3600),
    rateLimits: limitsOn
      ? {
          signUpPerIp: rate('rate-signup-per-ip', '5/1800'),
          logInPerIp: rate('rate-login-per-ip', '25/300'),
          logInPerAccountAddress: rate('rate-login-per-account-address', '10/900'),
          logInPerAccount: rate('rate-login-per-account', '100/3600'),
        }
      : {},
    passwordHashing: {
      concurrency: raw('password-hash-concurrency') === undefined ? undefined : int('password-hash-concurrency', 1, 1, 64),
      maxWaitMs: raw('password-hash-max-wait-ms') === undefined ? undefined : int('password-hash-max-wait-ms', 2000, 0, 60_000),
    },
    requestTimeoutMs: int('request-timeout-ms', 30_000, 100, 600_000),
    maxConnections: raw('max-connections') === undefined ? undefined : int('max-connections', 1, 1, 1_000_000),
    maxConnectionsPerAddress: int('max-connections-per-address', 128, 1, 1_000_000),
    trustedProxies,
    secureCookies: secure === 'true',
    logLevel: oneOf('log-level', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    shutdownGraceMs: int('shutdown-grace-ms', 10_000, 0, 600_000),
    defragEveryMs: every('defrag-every', '24h'),
    adminHost,
    adminPort: int('admin-port', derived(adminOffset), 0, 65535),
    metricsToken,
    admins: [...new Set(admins)],
    etcdQuotaBytes: int('etcd-quota-bytes', 2 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
    backups: backups(),
    statusReportEveryMs: statusReportEvery(),
    viewSnapshots: viewSnapshots(dataDir),
  });
}

/** Whether only this machine can reach `host`: 127.0.0.0/8, ::1 or localhost. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}
