/**
 * The deployments under test, on loopback with free ports: the replicated
 * one (3 etcd members, auth, social and web as separate processes, wired by
 * environment as test/helpers/deployment.ts does) and the embedded one (the
 * `all` role on SQLite). Processes are started through the CLI, as an
 * operator would. etcd and gRPC speak plaintext, which loopback allows:
 * the figures are the services' own, without TLS (`chorus cluster`
 * and the integration tests run both with mutual TLS).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EtcdCluster, startEtcdCluster } from '../src/local-etcd/etcd-cluster.js';
import { findFreePort } from '../src/supervisor/ports.js';
import { type SupervisedProcess, tcpReady } from '../src/supervisor/supervised-process.js';
import { waitServing } from './health.js';
import { rssMiB, spawnLogged } from './processes.js';

const mainScript = fileURLToPath(new URL('../src/cmd/main.js', import.meta.url));
const SOCIAL_SERVICE = 'chorus.social.v1.SocialService';
/** Generous: with a read model the social service may load its whole view before it listens. */
const START_TIMEOUT_MS = 180_000;

export interface DeployOptions {
  workDir: string;
  logDir: string;
  webInstances: number;
  /** When set, chorus processes run with --cpu-prof into this directory. */
  profileDir?: string;
  /** Another build's dist/src/cmd/main.js, to compare builds on the same data (bench/timeline-probe.ts). */
  mainScript?: string;
}

/** Process name and pid, for RSS sampling. */
export interface Measured {
  name: string;
  pid: number | undefined;
}

export function sampleRss(processes: Measured[]): Record<string, number | undefined> {
  return Object.fromEntries(processes.map((p) => [p.name, rssMiB(p.pid)]));
}

function chorusEnv(options: DeployOptions, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Admin listeners (/metrics) on free ports: fixed defaults would collide between processes.
    CHORUS_ADMIN_PORT: '0',
    CHORUS_LOG_LEVEL: 'warn',
    CHORUS_RATE_LIMITS: 'off',
    // Every load-generator connection comes from 127.0.0.1: the per-address cap is for real clients.
    CHORUS_MAX_CONNECTIONS_PER_ADDRESS: '100000',
    CHORUS_SHUTDOWN_GRACE_MS: '2000',
    DATA_DIR: path.join(options.workDir, 'data'),
    // The cold starts measured here list the store, as after a bulk load; a restart from the
    // view's snapshot is bench/restart.ts's measurement.
    CHORUS_VIEW_SNAPSHOT_DIR: 'off',
    ...extra,
  };
  return env;
}

function spawnRole(name: string, role: string, env: NodeJS.ProcessEnv, options: DeployOptions): SupervisedProcess {
  // Node refuses --cpu-prof in NODE_OPTIONS, so it goes on the command line.
  const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const child = spawnLogged(name, process.execPath, [...profile, options.mainScript ?? mainScript, role], { env, logDir: options.logDir });
  if (options.profileDir) {
    // Profiles are named by pid only; this says which process each one was.
    mkdirSync(options.profileDir, { recursive: true });
    appendFileSync(path.join(options.profileDir, 'processes.txt'), `${child.pid} ${name}\n`);
  }
  return child;
}

export async function startEtcd(workDir: string): Promise<EtcdCluster> {
  return startEtcdCluster({ dataDir: path.join(workDir, 'etcd') });
}

export class ClusterDeployment {
  private socialStarts = 1;

  private constructor(
    readonly etcd: EtcdCluster,
    private readonly options: DeployOptions,
    private readonly env: NodeJS.ProcessEnv,
    readonly socialPort: number,
    readonly auth: SupervisedProcess,
    public social: SupervisedProcess,
    readonly webs: SupervisedProcess[],
    readonly webPorts: number[],
  ) {}

  /** Starts auth and social, waits until they listen, then the web instances. */
  static async start(etcd: EtcdCluster, options: DeployOptions): Promise<ClusterDeployment> {
    const authPort = await findFreePort();
    const socialPort = await findFreePort();
    const env = chorusEnv(options, {
      CHORUS_STORE: 'etcd',
      CHORUS_ETCD_ENDPOINTS: etcd.endpoints.join(','),
      CHORUS_AUTH_PORT: String(authPort),
      CHORUS_SOCIAL_PORT: String(socialPort),
    });
    const auth = spawnRole('auth', 'auth', env, options);
    const social = spawnRole('social', 'social', env, options);
    await Promise.all([
      auth.waitReady(tcpReady(authPort), { timeoutMs: START_TIMEOUT_MS, what: `port ${authPort}` }),
      social.waitReady(tcpReady(socialPort), { timeoutMs: START_TIMEOUT_MS, what: `port ${socialPort}` }),
    ]);
    await waitServing(`127.0.0.1:${socialPort}`, [SOCIAL_SERVICE], START_TIMEOUT_MS, () => social.crashed);
    const webs: SupervisedProcess[] = [];
    const webPorts: number[] = [];
    for (let i = 0; i < options.webInstances; i++) {
      const port = await findFreePort();
      webPorts.push(port);
      webs.push(spawnRole(`web${i + 1}`, 'web', { ...env, PORT: String(port) }, options));
    }
    await Promise.all(
      webs.map((web, i) => web.waitReady(tcpReady(webPorts[i]!), { timeoutMs: START_TIMEOUT_MS, what: `port ${webPorts[i]}` })),
    );
    return new ClusterDeployment(etcd, options, env, socialPort, auth, social, webs, webPorts);
  }

  processes(): Measured[] {
    return [
      ...this.etcd.members.map((m) => ({ name: m.name, pid: m.pid })),
      { name: 'auth', pid: this.auth.pid },
      { name: 'social', pid: this.social.pid },
      ...this.webs.map((w) => ({ name: w.name, pid: w.pid })),
    ];
  }

  assertRunning(): void {
    for (const child of [this.auth, this.social, ...this.webs]) child.assertRunning();
  }

  /** Stops the social service, e.g. so a bulk load does not also stream through its watch. */
  async stopSocial(): Promise<void> {
    await this.social.stop();
  }

  /**
   * Starts the social service (stopped before) on the loaded store and
   * returns the milliseconds from spawn until its health check says SERVING:
   * the view's cold start.
   */
  async startSocial(): Promise<number> {
    const started = performance.now();
    this.social = spawnRole(`social-${++this.socialStarts}`, 'social', this.env, this.options);
    const social = this.social;
    await waitServing(`127.0.0.1:${this.socialPort}`, [SOCIAL_SERVICE], START_TIMEOUT_MS, () => social.crashed);
    return performance.now() - started;
  }

  /** Web first (no new requests), then the services; etcd is the caller's. */
  async stop(): Promise<void> {
    await Promise.all(this.webs.map((w) => w.stop()));
    await Promise.all([this.auth.stop(), this.social.stop()]);
  }
}

export class EmbeddedDeployment {
  private constructor(
    readonly all: SupervisedProcess,
    readonly webPort: number,
  ) {}

  /** The `all` role on the SQLite file under `dataDir` (loaded beforehand: the file is locked by one process). */
  static async start(dataDir: string, options: DeployOptions): Promise<EmbeddedDeployment> {
    const [webPort, authPort, socialPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
    const env = chorusEnv(options, {
      CHORUS_STORE: 'embedded',
      DATA_DIR: dataDir,
      PORT: String(webPort),
      CHORUS_AUTH_PORT: String(authPort),
      CHORUS_SOCIAL_PORT: String(socialPort),
    });
    const all = spawnRole('all', 'all', env, options);
    await all.waitReady(tcpReady(webPort), { timeoutMs: START_TIMEOUT_MS, what: `port ${webPort}` });
    return new EmbeddedDeployment(all, webPort);
  }

  processes(): Measured[] {
    return [{ name: 'all', pid: this.all.pid }];
  }

  assertRunning(): void {
    this.all.assertRunning();
  }

  async stop(): Promise<void> {
    await this.all.stop();
  }
}
