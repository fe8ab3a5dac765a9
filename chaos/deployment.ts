/**
 * The deployment the chaos scenarios break: a 3-member etcd cluster, two
 * auth and two social instances and two web instances, on loopback in a
 * work directory, every web instance wired to every service instance. Each
 * Chorus process keeps its port across restarts, as a machine would. etcd
 * and gRPC speak plaintext, which loopback allows; the integration tests
 * cover the mutual TLS of `chorus cluster`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitServing } from '../bench/health.js';
import { spawnLogged } from '../bench/processes.js';
import { type EtcdCluster, startEtcdCluster } from '../src/local-etcd/etcd-cluster.js';
import { findFreePorts } from '../src/supervisor/ports.js';
import { httpReady, type SupervisedProcess } from '../src/supervisor/supervised-process.js';
import { EtcdIsolation } from './partition.js';

const mainScript = fileURLToPath(new URL('../src/cmd/main.js', import.meta.url));
const SERVICE_NAMES = { auth: 'chorus.auth.v1.AuthService', social: 'chorus.social.v1.SocialService' } as const;
const READY_TIMEOUT_MS = 60_000;

/** 'all' is the embedded deployment: every role in one process on SQLite. */
export type Role = 'auth' | 'social' | 'web' | 'all';

/** One Chorus process that can be killed, stopped and started again on its port. */
export class ChorusInstance {
  #child: SupervisedProcess | undefined;
  #starts = 0;

  constructor(
    readonly name: string,
    readonly role: Role,
    readonly port: number,
    readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
  ) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Spawns the process and resolves once it serves: health SERVING for a service, /readyz 200 for web. */
  async start(): Promise<void> {
    const portVar = { auth: 'CHORUS_AUTH_PORT', social: 'CHORUS_SOCIAL_PORT', web: 'PORT', all: 'PORT' }[this.role];
    const child = spawnLogged(`${this.name}-${++this.#starts}`, process.execPath, [mainScript, this.role], {
      env: { ...this.env, [portVar]: String(this.port) },
      logDir: this.logDir,
    });
    this.#child = child;
    if (this.role === 'web' || this.role === 'all')
      await child.waitReady(httpReady(`${this.url}/readyz`), { timeoutMs: READY_TIMEOUT_MS, what: '/readyz' });
    else await waitServing(`127.0.0.1:${this.port}`, [SERVICE_NAMES[this.role]], READY_TIMEOUT_MS, () => child.crashed);
  }

  /** SIGKILL (or another signal that ends it) and wait for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.#child?.kill(signal);
  }

  /** SIGTERM: the process drains and exits by itself (SIGKILL only if it hangs past the grace). */
  async stop(graceMs = 20_000): Promise<void> {
    await this.#child?.stop({ graceMs });
  }

  signal(signal: NodeJS.Signals): void {
    this.#child?.signal(signal);
  }

  /** Why it died on its own, if it did. */
  get crashed(): string | undefined {
    return this.#child?.crashed;
  }
}

export class ChaosDeployment {
  private constructor(
    readonly etcd: EtcdCluster,
    readonly auth: ChorusInstance[],
    readonly social: ChorusInstance[],
    readonly web: ChorusInstance[],
    /** Present when etcd-1 could be put in a network namespace of its own, so it can be partitioned. */
    readonly isolation: EtcdIsolation | undefined,
  ) {}

  get instances(): ChorusInstance[] {
    return [...this.web, ...this.auth, ...this.social];
  }

  static async start(workDir: string, logDir: string, log: (line: string) => void): Promise<ChaosDeployment> {
    let isolation: EtcdIsolation | undefined;
    try {
      isolation = await EtcdIsolation.open(path.join(workDir, 'netns'));
    } catch (error) {
      log(`no network partition on this machine: ${(error as Error).message.split('\n')[0]}`);
    }
    let etcd: EtcdCluster;
    try {
      etcd = await startEtcdCluster({
        dataDir: path.join(workDir, 'etcd'),
        ...(isolation && { clientPorts: isolation.clientPorts, peerPorts: isolation.peerPorts, etcdBinary: isolation.etcdBinary }),
      });
    } catch (error) {
      isolation?.close();
      throw error;
    }
    const [a1, a2, s1, s2, w1, w2] = await findFreePorts(6);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // Admin listeners (/metrics) on free ports: fixed defaults would collide between processes.
      CHORUS_ADMIN_PORT: '0',
      CHORUS_STORE: 'etcd',
      CHORUS_ETCD_ENDPOINTS: etcd.endpoints.join(','),
      CHORUS_AUTH_ADDR: `127.0.0.1:${a1},127.0.0.1:${a2}`,
      CHORUS_SOCIAL_ADDR: `127.0.0.1:${s1},127.0.0.1:${s2}`,
      CHORUS_RATE_LIMITS: 'off',
      // Every load-generator connection comes from 127.0.0.1: the per-address cap is for real clients.
      CHORUS_MAX_CONNECTIONS_PER_ADDRESS: '100000',
      CHORUS_LOG_LEVEL: 'warn',
      CHORUS_SHUTDOWN_GRACE_MS: '5000',
      DATA_DIR: path.join(workDir, 'data'),
    };
    const make = (name: string, role: Role, port: number) => new ChorusInstance(name, role, port, env, logDir);
    const deployment = new ChaosDeployment(
      etcd,
      [make('auth1', 'auth', a1!), make('auth2', 'auth', a2!)],
      [make('social1', 'social', s1!), make('social2', 'social', s2!)],
      [make('web1', 'web', w1!), make('web2', 'web', w2!)],
      isolation,
    );
    try {
      await Promise.all([...deployment.auth, ...deployment.social].map((i) => i.start()));
      await Promise.all(deployment.web.map((i) => i.start()));
    } catch (error) {
      await deployment.stop();
      throw error;
    }
    return deployment;
  }

  /** Web first, then the services, then etcd (SIGKILL: the data is throwaway). */
  async stop(): Promise<void> {
    await Promise.all(this.web.map((i) => i.stop(5000)));
    await Promise.all([...this.auth, ...this.social].map((i) => i.stop(5000)));
    await this.etcd.stop({ signal: 'SIGKILL' });
    this.isolation?.close();
  }
}
