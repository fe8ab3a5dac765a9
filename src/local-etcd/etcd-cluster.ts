/**
 * Starts and supervises a local etcd cluster as child processes: what the
 * tests and `chorus cluster` run on one machine. Every member listens on
 * loopback (or `host`) on its own ports, with its own data directory.
 */
import { randomUUID } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePorts } from '../supervisor/ports.js';
import { type SupervisedProcess, spawnSupervised } from '../supervisor/supervised-process.js';
import type { ClusterCertificates } from './certificates.js';
import { readmitMember } from './member-replacement.js';
import { type ClientTls, requestJson } from './request-json.js';

export interface EtcdClusterOptions {
  /** Parent directory; each member keeps its data in `<dataDir>/<member name>`. */
  dataDir: string;
  /** Number of members; 3 by default (tolerates the loss of one). */
  members?: number;
  /** Address every member listens on; 127.0.0.1 by default. */
  host?: string;
  /** One client port per member; when absent, the ports recorded in dataDir by an earlier start, else free ones. */
  clientPorts?: number[];
  /** One peer port per member; when absent, the ports recorded in dataDir by an earlier start, else free ones. */
  peerPorts?: number[];
  /** etcd's backend quota, set explicitly so the limit is known: 2 GiB by default. */
  quotaBackendBytes?: number;
  /** 'revision' (default) keeps the last N revisions; 'periodic' keeps a duration such as '1h'. */
  autoCompactionMode?: 'revision' | 'periodic';
  /** Retention for auto-compaction; '1000' revisions by default. */
  autoCompactionRetention?: string;
  /** Path of the etcd binary; `etcd` on PATH by default. */
  etcdBinary?: string;
  /** Receives the members' log lines, prefixed with the member name; discarded when absent. */
  log?: (line: string) => void;
  /**
   * Serve clients and peers over TLS and require a client certificate,
   * whose Common Name is the etcd user (see certificates.ts); the
   * supervisor's own checks use the `root` identity.
   */
  tls?: ClusterCertificates;
}

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  /** The running process id, or undefined while stopped. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Sends `signal` (SIGKILL by default) and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Restarts a stopped member on the same data directory and ports; it rejoins the cluster in the background (`waitHealthy` waits for that). */
  start(): Promise<void>;
}

export interface EtcdCluster {
  /** Client URLs of every member, for EtcdKV.connect. */
  readonly endpoints: string[];
  readonly members: EtcdMember[];
  /** The current Raft leader, as the members report it; waits out an election (up to 10 s). */
  leader(): Promise<EtcdMember>;
  /** Resolves when every running member reports healthy (it has a leader); rejects after timeoutMs. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /**
   * Stops every member in parallel and resolves when each process has
   * exited. SIGTERM by default (a graceful stop takes etcd ~8 s); tests with
   * throwaway data may pass SIGKILL.
   */
  stop(options?: { signal?: NodeJS.Signals }): Promise<void>;
}

const NOT_FOUND_MESSAGE = 'etcd not found on PATH: install it with "apt-get install etcd-server" (Debian) or put the etcd binary on PATH';

/**
 * Starts a new cluster (or restarts one whose data directories exist) and
 * resolves once it is healthy. Throws an Error whose message says how to
 * install etcd when the binary cannot be found.
 */
export async function startEtcdCluster(options: EtcdClusterOptions): Promise<EtcdCluster> {
  // Free ports are found before etcd binds them, and another process (a test running beside this
  // one) may take one in between: a new cluster on ports of our choosing starts again on others.
  const choosesPorts = !options.clientPorts && !options.peerPorts && !existsSync(join(options.dataDir, 'cluster.json'));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (!choosesPorts || attempt >= 3 || !/address already in use/.test((error as Error).message)) throw error;
      // Only what the failed start made: the directory may hold more (chorus cluster keeps its certificates there).
      rmSync(join(options.dataDir, 'cluster.json'), { force: true });
      for (let i = 1; i <= (options.members ?? 3); i++) rmSync(join(options.dataDir, `etcd-${i}`), { recursive: true, force: true });
    }
  }
}

async function startOnce(options: EtcdClusterOptions): Promise<EtcdCluster> {
  const binary = options.etcdBinary ?? findOnPath('etcd');
  if (!binary) throw new Error(NOT_FOUND_MESSAGE);
  const count = options.members ?? 3;
  const host = options.host ?? '127.0.0.1';
  // Members remember their peers' URLs, so a cluster restarted on the same
  // data dir must keep its ports: the first start records them.
  const layoutFile = join(options.dataDir, 'cluster.json');
  const previous = readLayout(layoutFile);
  if (previous && previous.members !== count) {
    throw new Error(`${options.dataDir} holds a ${previous.members}-member cluster, not ${count}`);
  }
  const clientPorts = options.clientPorts ?? previous?.clientPorts ?? (await findFreePorts(count, host));
  const peerPorts = options.peerPorts ?? previous?.peerPorts ?? (await findFreePorts(count, host));
  if (clientPorts.length !== count || peerPorts.length !== count) {
    throw new Error(`expected ${count} client and peer ports`);
  }
  mkdirSync(options.dataDir, { recursive: true });
  const layout: Layout = { members: count, clientPorts, peerPorts, token: previous?.token ?? `chorus-${randomUUID()}` };
  writeFileSync(layoutFile, `${JSON.stringify(layout, null, 2)}\n`);
  const log = options.log;
  const scheme = options.tls ? 'https' : 'http';
  const specs = clientPorts.map((clientPort, i) => ({
    name: `etcd-${i + 1}`,
    clientUrl: `${scheme}://${host}:${clientPort}`,
    peerUrl: `${scheme}://${host}:${peerPorts[i]}`,
    dataDir: join(options.dataDir, `etcd-${i + 1}`),
  }));
  const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
  // A unique token keeps two clusters on one machine from ever joining each other.
  const token = layout.token;
  const common = [
    '--initial-cluster',
    initialCluster,
    '--initial-cluster-token',
    token,
    '--auto-compaction-mode',
    options.autoCompactionMode ?? 'revision',
    '--auto-compaction-retention',
    options.autoCompactionRetention ?? '1000',
    '--quota-backend-bytes',
    String(options.quotaBackendBytes ?? 2 * 1024 ** 3),
    '--logger',
    'zap',
    '--log-outputs',
    'stderr',
    '--log-level',
    'warn',
    ...(options.tls ? tlsFlags(options.tls) : []),
  ];
  const tls = options.tls && {
    ca: readFileSync(options.tls.ca),
    cert: readFileSync(options.tls.root.cert),
    key: readFileSync(options.tls.root.key),
  };
  const members = specs.map((spec) => new LocalMember(spec.name, spec.clientUrl, spec.peerUrl, spec.dataDir, binary, common, log, tls));
  const cluster = new LocalCluster(members);
  // A member of a cluster that has run before, whose data directory is gone (a lost disk), must join as a new member.
  const lost = previous ? members.filter((m) => !existsSync(join(m.dataDir, 'member'))) : [];
  if (lost.length > 0 && lost.length * 2 >= count) {
    throw new Error(
      `${lost.map((m) => m.name).join(', ')} of ${options.dataDir} have no data: a majority is lost, so restore from a backup (docs/operations/recovery.md)`,
    );
  }
  try {
    for (const member of members) if (!lost.includes(member)) member.launch('new');
    // Members restarted on existing data (a restore, a large store) rebuild their index before they answer.
    await cluster.waitHealthy(previous ? 180_000 : 15_000);
    for (const member of lost) {
      log?.(`${member.name}: its data directory is empty; replacing it (member remove, member add, start as a new member)`);
      const survivors = members.filter((m) => m.running).map((m) => m.clientUrl);
      await readmitMember(survivors, tls, { name: member.name, peerUrl: member.peerUrl });
      member.launch('existing');
      await cluster.waitHealthy(180_000);
    }
    // waitHealthy looks only at running members: two healthy ones out of three would pass it.
    const dead = members.filter((m) => !m.running);
    if (dead.length > 0) throw new Error(`etcd members exited during start-up:\n${dead.map((m) => m.describe()).join('\n')}`);
  } catch (error) {
    await cluster.stop({ signal: 'SIGKILL' });
    throw error;
  }
  return cluster;
}

class LocalCluster implements EtcdCluster {
  readonly endpoints: string[];

  constructor(readonly members: LocalMember[]) {
    this.endpoints = members.map((m) => m.clientUrl);
  }

  async leader(): Promise<EtcdMember> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const statuses = await Promise.all(this.members.filter((m) => m.running).map(async (m) => ({ member: m, status: await m.status() })));
      const byId = new Map(statuses.filter((s) => s.status).map((s) => [s.status!.memberId, s.member]));
      for (const { status } of statuses) {
        const leader = status && status.leaderId !== '0' ? byId.get(status.leaderId) : undefined;
        if (leader) return leader;
      }
      await sleep(100);
    }
    throw new Error('the etcd cluster has no leader');
  }

  async waitHealthy(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const running = this.members.filter((m) => m.running);
      if (running.length === 0) {
        // A failed spawn settles its exit a tick later; wait for it so the message says why.
        await Promise.all(this.members.map((m) => m.exited));
        throw new Error(`no etcd member is running:\n${this.members.map((m) => m.describe()).join('\n')}`);
      }
      const healthy = await Promise.all(running.map((m) => m.healthy()));
      if (healthy.every(Boolean)) return;
      if (Date.now() >= deadline) {
        const sick = running.filter((_, i) => !healthy[i]);
        throw new Error(
          `etcd members not healthy after ${timeoutMs} ms: ${sick.map((m) => m.name).join(', ')}\n${sick.map((m) => m.describe()).join('\n')}`,
        );
      }
      await sleep(50);
    }
  }

  async stop(options: { signal?: NodeJS.Signals } = {}): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop(options.signal ?? 'SIGTERM')));
  }
}

class LocalMember implements EtcdMember {
  private process: SupervisedProcess | undefined;

  constructor(
    readonly name: string,
    readonly clientUrl: string,
    readonly peerUrl: string,
    readonly dataDir: string,
    private readonly binary: string,
    private readonly common: string[],
    private readonly log: ((line: string) => void) | undefined,
    private readonly tls: ClientTls | undefined,
  ) {}

  get pid(): number | undefined {
    return this.running ? this.process?.pid : undefined;
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  async start(): Promise<void> {
    // With an existing data dir etcd ignores the initial-cluster flags and rejoins from its WAL.
    this.launch('existing');
  }

  launch(state: 'new' | 'existing'): void {
    if (this.running) return;
    // Owner-only, as etcd asks (it warns about anything wider): the members hold every account's data.
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    this.process = spawnSupervised({
      name: this.name,
      command: this.binary,
      args: [
        ...['--name', this.name, '--data-dir', this.dataDir],
        ...['--listen-client-urls', this.clientUrl, '--advertise-client-urls', this.clientUrl],
        ...['--listen-peer-urls', this.peerUrl, '--initial-advertise-peer-urls', this.peerUrl],
        ...['--initial-cluster-state', state],
        ...this.common,
      ],
      log: this.log,
      prefix: `${this.name}: `,
      // Ctrl-C in a terminal running `chorus cluster` must reach only the supervisor, which stops etcd last.
      detached: true,
    });
  }

  /** Resolves once its process has exited (at once if it never started). */
  get exited(): Promise<unknown> {
    return this.process?.exited ?? Promise.resolve();
  }

  /** Its name, and its exit and last lines of output if it has exited, for error messages. */
  describe(): string {
    const exit = this.process?.exit;
    const how = exit && (exit.error?.message ?? exit.signal ?? `code ${exit.code}`);
    return `${this.name}${how ? ` (${how})` : ''}:\n${this.process?.tail() ?? '(never started)'}`;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.process?.kill(signal);
  }

  /** Stops with `signal`, escalating to SIGKILL if a graceful stop hangs. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    await this.process?.stop({ signal, graceMs: 20_000 });
  }

  async healthy(): Promise<boolean> {
    try {
      const body = (await requestJson(`${this.clientUrl}/health`, { tls: this.tls, timeoutMs: 1000 })) as { health?: string };
      return body.health === 'true';
    } catch {
      return false;
    }
  }

  /** This member's id and the leader id it knows, through etcd's JSON gateway; undefined if it does not answer. */
  async status(): Promise<{ memberId: string; leaderId: string } | undefined> {
    try {
      const body = (await requestJson(`${this.clientUrl}/v3/maintenance/status`, {
        body: '{}',
        tls: this.tls,
        timeoutMs: 1000,
      })) as { header?: { member_id?: string }; leader?: string };
      if (!body.header?.member_id) return undefined;
      return { memberId: body.header.member_id, leaderId: body.leader ?? '0' };
    } catch {
      return undefined;
    }
  }
}

function tlsFlags(tls: ClusterCertificates): string[] {
  const { ca, member } = tls;
  return [
    ...['--cert-file', member.cert, '--key-file', member.key, '--trusted-ca-file', ca, '--client-cert-auth'],
    ...['--peer-cert-file', member.cert, '--peer-key-file', member.key, '--peer-trusted-ca-file', ca, '--peer-client-cert-auth'],
  ];
}

interface Layout {
  members: number;
  clientPorts: number[];
  peerPorts: number[];
  token: string;
}

function readLayout(file: string): Layout | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as Layout;
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}
