import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRpcCertificates, type RpcCertificates } from '../../src/local-tls/rpc-certificates.js';
import { findFreePort } from '../../src/supervisor/ports.js';
import { httpReady, type SupervisedProcess, spawnSupervised, tcpReady } from '../../src/supervisor/supervised-process.js';
import { startTestEtcd, type TestEtcd } from './etcd.js';

const mainScript = fileURLToPath(new URL('../../src/cmd/main.js', import.meta.url));

export interface ChorusProcess {
  role: string;
  port: number;
  child: SupervisedProcess;
}

/**
 * The replicated deployment in separate processes, as `chorus cluster`
 * builds it: a real 3-member etcd cluster, one auth and one social service,
 * and several web instances, all on loopback with free ports, the services
 * demanding mutual TLS with certificates made as the cluster makes them.
 * Logs go to a file per process in a temporary directory, kept when
 * start-up fails.
 */
export interface Deployment {
  etcd: TestEtcd;
  webUrls: string[];
  processes: ChorusProcess[];
  /** The services' loopback addresses, and the certificates of this deployment. */
  authAddress: string;
  socialAddress: string;
  rpc: RpcCertificates;
  logDir: string;
  stop(): Promise<void>;
}

export async function startDeployment(options: { webInstances?: number; env?: Record<string, string> } = {}): Promise<Deployment> {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-deploy-'));
  const rpc = await makeRpcCertificates(path.join(logDir, 'rpc-tls'));
  const etcd = await startTestEtcd();
  const processes: ChorusProcess[] = [];
  const identity = (files: { cert: string; key: string }) => ({ CHORUS_RPC_CERT: files.cert, CHORUS_RPC_KEY: files.key });
  const env = {
    ...process.env,
    CHORUS_STORE: 'etcd',
    // Admin listeners (/metrics) on free ports: fixed defaults would collide between processes.
    CHORUS_ADMIN_PORT: '0',
    CHORUS_ETCD_ENDPOINTS: etcd.endpoints.join(','),
    CHORUS_LOG_LEVEL: 'warn',
    CHORUS_SHUTDOWN_GRACE_MS: '2000',
    CHORUS_RPC_CA: rpc.ca,
    // Every test client is 127.0.0.1: per-address limits would throttle the suite
    // itself, so they are raised; the per-account login limit stays low to be tested.
    CHORUS_RATE_SIGNUP_PER_IP: '100000/1800',
    CHORUS_RATE_LOGIN_PER_IP: '100000/300',
    CHORUS_RATE_LOGIN_PER_ACCOUNT: '5/300',
    ...options.env,
  };
  const start = (role: string, port: number, extra: Record<string, string>): SupervisedProcess => {
    const name = `${role}-${port}`;
    const child = spawnSupervised({
      name,
      command: process.execPath,
      args: [mainScript, role],
      env: { ...env, ...extra },
      logFile: path.join(logDir, `${name}.log`),
    });
    processes.push({ role, port, child });
    return child;
  };
  const stopAll = () => Promise.all(processes.map(({ child }) => child.stop({ graceMs: 5000 })));
  try {
    const authPort = await findFreePort();
    const socialPort = await findFreePort();
    const services = { CHORUS_AUTH_PORT: String(authPort), CHORUS_SOCIAL_PORT: String(socialPort) };
    const auth = start('auth', authPort, { ...services, ...identity(rpc.auth) });
    const social = start('social', socialPort, { ...services, ...identity(rpc.social) });
    await Promise.all([auth.waitReady(tcpReady(authPort)), social.waitReady(tcpReady(socialPort))]);
    const webPorts: number[] = [];
    const webs: SupervisedProcess[] = [];
    for (let i = 0; i < (options.webInstances ?? 2); i++) {
      const port = await findFreePort();
      webPorts.push(port);
      webs.push(start('web', port, { ...services, ...identity(rpc.web), PORT: String(port) }));
    }
    await Promise.all(webs.map((web, i) => web.waitReady(httpReady(`http://127.0.0.1:${webPorts[i]}/readyz`), { what: '/readyz' })));
    return {
      etcd,
      webUrls: webPorts.map((port) => `http://127.0.0.1:${port}`),
      processes,
      authAddress: `127.0.0.1:${authPort}`,
      socialAddress: `127.0.0.1:${socialPort}`,
      rpc,
      logDir,
      stop: async () => {
        await stopAll();
        await etcd.cleanup();
        rmSync(logDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    await etcd.cleanup();
    throw new Error(`deployment failed to start; logs in ${logDir}`, { cause: error });
  }
}
