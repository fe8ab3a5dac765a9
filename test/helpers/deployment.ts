import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../../src/cluster/etcd-cluster.js';
import { waitForPort } from '../../src/cluster/ports.js';
import { startTestEtcd, type TestEtcd } from './etcd.js';

const mainScript = fileURLToPath(new URL('../../src/cmd/main.js', import.meta.url));

export interface ChorusProcess {
  role: string;
  port: number;
  child: ChildProcess;
}

/**
 * The replicated deployment in separate processes, as `chorus cluster`
 * builds it: a real 3-member etcd cluster, one auth and one social service,
 * and several web instances, all on loopback with free ports. Logs go to a
 * file per process in a temporary directory.
 */
export interface Deployment {
  etcd: TestEtcd;
  webUrls: string[];
  processes: ChorusProcess[];
  logDir: string;
  stop(): Promise<void>;
}

export async function startDeployment(options: { webInstances?: number } = {}): Promise<Deployment> {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-deploy-'));
  const etcd = await startTestEtcd();
  const processes: ChorusProcess[] = [];
  const env = {
    CHORUS_STORE: 'etcd',
    CHORUS_ETCD_ENDPOINTS: etcd.endpoints.join(','),
    CHORUS_LOG_LEVEL: 'warn',
    CHORUS_SHUTDOWN_GRACE_MS: '2000',
    // Every test client is 127.0.0.1: per-address limits would throttle the suite
    // itself, so they are raised; the per-account login limit stays low to be tested.
    CHORUS_RATE_SIGNUP_PER_IP: '100000/1800',
    CHORUS_RATE_LOGIN_PER_IP: '100000/300',
    CHORUS_RATE_LOGIN_PER_ACCOUNT: '5/300',
  };
  const start = (role: string, port: number, extra: Record<string, string>) => {
    const log = createWriteStream(path.join(logDir, `${role}-${port}.log`));
    const child = spawn(process.execPath, [mainScript, role], {
      env: { ...process.env, ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    processes.push({ role, port, child });
  };
  try {
    const authPort = await findFreePort();
    const socialPort = await findFreePort();
    const services = { CHORUS_AUTH_PORT: String(authPort), CHORUS_SOCIAL_PORT: String(socialPort) };
    start('auth', authPort, services);
    start('social', socialPort, services);
    await Promise.all([waitForPort(authPort), waitForPort(socialPort)]);
    const webPorts: number[] = [];
    for (let i = 0; i < (options.webInstances ?? 2); i++) {
      const port = await findFreePort();
      webPorts.push(port);
      start('web', port, { ...services, PORT: String(port) });
    }
    await Promise.all(webPorts.map((port) => waitForPort(port)));
    return {
      etcd,
      webUrls: webPorts.map((port) => `http://127.0.0.1:${port}`),
      processes,
      logDir,
      stop: async () => {
        await Promise.all(processes.map(({ child }) => stopProcess(child)));
        await etcd.cleanup();
        rmSync(logDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(processes.map(({ child }) => stopProcess(child)));
    await etcd.cleanup();
    throw new Error(`deployment failed to start; logs in ${logDir}`, { cause: error });
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

