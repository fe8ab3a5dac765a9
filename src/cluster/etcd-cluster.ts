/**
 * Starts and supervises a local etcd cluster as child processes: what the
 * tests and `chorus cluster` run on one machine. Every member listens on
 * loopback (or `host`) on its own ports, with its own data directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ClusterCertificates } from './certificates.js';
import { findFreePorts } from './ports.js';
import { requestJson, type ClientTls } from './request-json.js';

export { findFreePort, findFreePorts } from './ports.js';

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
  /** Restarts a stopped member on the same data directory and ports; it rejoins the cluster. */
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

const NOT_FOUND_MESSAGE =
  'etcd not found on PATH: install it with "apt-get install etcd-server" (Debian) or put the etcd binary on PATH';

/** Children still running, killed if this process exits without stopping them, so no etcd outlives its supervisor. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}

/**
 * Starts a new cluster (or restarts one whose data directories exist) and
 * resolves once it is healthy. Throws an Error whose message says how to
 * install etcd when the binary cannot be found.
 */
export async function startEtcdCluster(options: EtcdClusterOptions): Promise<EtcdCluster> {
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
  const tls = options.tls && { ca: readFileSync(options.tls.ca), cert: readFileSync(options.tls.root.cert), key: readFileSync(options.tls.root.key) };
  installExitHook();
  const members = specs.map(
    (spec) =>
      new LocalMember(spec.name, spec.clientUrl, spec.peerUrl, spec.dataDir, binary, common, log, tls),
  );
  const cluster = new LocalCluster(members);
  try {
    await Promise.all(members.map((m) => m.launch('new')));
    await cluster.waitHealthy(15_000);
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
      const statuses = await Promise.all(
        this.members.filter((m) => m.running).map(async (m) => ({ member: m, status: await m.status() })),
      );
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
      if (running.length === 0) throw new Error('no etcd member is running');
      const healthy = await Promise.all(running.map((m) => m.healthy()));
      if (healthy.every(Boolean)) return;
      if (Date.now() >= deadline) {
        const sick = running.filter((_, i) => !healthy[i]).map((m) => m.name);
        throw new Error(`etcd members not healthy after ${timeoutMs} ms: ${sick.join(', ')}`);
      }
      await sleep(50);
    }
  }

  async stop(options: { signal?: NodeJS.Signals } = {}): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop(options.signal ?? 'SIGTERM')));
  }
}

class LocalMember implements EtcdMember {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

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
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    // With an existing data dir etcd ignores the initial-cluster flags and rejoins from its WAL.
    await this.launch('existing');
  }

  async launch(state: 'new' | 'existing'): Promise<void> {
    if (this.child) return;
    mkdirSync(this.dataDir, { recursive: true });
    const args = [
      '--name',
      this.name,
      '--data-dir',
      this.dataDir,
      '--listen-client-urls',
      this.clientUrl,
      '--advertise-client-urls',
      this.clientUrl,
      '--listen-peer-urls',
      this.peerUrl,
      '--initial-advertise-peer-urls',
      this.peerUrl,
      '--initial-cluster-state',
      state,
      ...this.common,
    ];
    const child = spawn(this.binary, args, { detached: true, stdio: ['ignore', this.log ? 'pipe' : 'ignore', this.log ? 'pipe' : 'ignore'] });
    const log = this.log;
    if (log) {
      for (const stream of [child.stdout, child.stderr]) {
        if (stream) createInterface({ input: stream }).on('line', (line) => log(`${this.name}: ${line}`));
      }
    }
    this.child = child;
    liveChildren.add(child);
    this.exited = new Promise<void>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        liveChildren.delete(child);
        if (this.child === child) this.child = undefined;
        log?.(`${this.name}: exited (${signal ?? `code ${code}`})`);
        resolve();
      };
      child.once('exit', done);
      child.once('error', (error) => {
        log?.(`${this.name}: ${error.message}`);
        done(null, null);
      });
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    await this.exited;
  }

  /** Stops with `signal`, escalating to SIGKILL if a graceful stop hangs. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
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
