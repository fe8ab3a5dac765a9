/**
 * A network partition of one etcd member, on one machine and on loopback
 * only. etcd-1 runs in its own network namespace (so it has a loopback of
 * its own) and reaches the others, and is reached, only through bridges of
 * the harness (chaos/bridge.ts): its client port stays open, and its peer
 * traffic, both ways, can be cut. That is the partition that matters: a
 * member cut off from its peers while clients can still reach it, which
 * must never serve them stale data. Needs root (ip netns); `open` throws
 * where the machine does not allow it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findFreePorts } from '../src/supervisor/ports.js';
import { forward } from './bridge.js';

const bridgeScript = fileURLToPath(new URL('./bridge.js', import.meta.url));
/** The member that lives in its own namespace. */
export const ISOLATED_MEMBER = 'etcd-1';

export class EtcdIsolation {
  #partitioned = false;
  #closed = false;
  readonly #peerSockets = new Set<Socket>();

  private constructor(
    private readonly namespace: string,
    private readonly inside: ChildProcess,
    private readonly servers: Server[],
    readonly clientPorts: number[],
    readonly peerPorts: number[],
    /** Pass as startEtcdCluster's etcdBinary: starts etcd-1 inside the namespace. */
    readonly etcdBinary: string,
  ) {}

  static async open(dir: string): Promise<EtcdIsolation> {
    const etcd = execFileSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).trim();
    const namespace = `chorus-${randomBytes(4).toString('hex')}`;
    execFileSync('ip', ['netns', 'add', namespace]);
    const servers: Server[] = [];
    let inside: ChildProcess | undefined;
    try {
      execFileSync('ip', ['netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up']);
      mkdirSync(dir, { recursive: true });
      const clientPorts = await findFreePorts(3);
      const peerPorts = await findFreePorts(3);
      const [c1, p1, p2, p3] = [clientPorts[0]!, peerPorts[0]!, peerPorts[1]!, peerPorts[2]!];
      const sock = (name: string) => path.join(dir, `${name}.sock`);
      const wrapper = path.join(dir, 'etcd');
      writeFileSync(
        wrapper,
        `#!/bin/sh\ncase " $* " in *" --name ${ISOLATED_MEMBER} "*) exec ip netns exec ${namespace} ${etcd} "$@";; esac\nexec ${etcd} "$@"\n`,
      );
      chmodSync(wrapper, 0o755);
      let isolation: EtcdIsolation | undefined;
      const admitPeer = (socket: Socket) => {
        if (isolation?.partitioned) return false;
        isolation?.track(socket);
        return true;
      };
      // The main namespace's side: etcd-1's ports here lead into the namespace; the others' peer ports are reached from it.
      servers.push(
        await forward({ tcp: c1 }, { unix: sock(`in-${c1}`) }),
        await forward({ tcp: p1 }, { unix: sock(`in-${p1}`) }, admitPeer),
        await forward({ unix: sock(`out-${p2}`) }, { tcp: p2 }, admitPeer),
        await forward({ unix: sock(`out-${p3}`) }, { tcp: p3 }, admitPeer),
      );
      inside = spawn(
        'ip',
        [
          'netns',
          'exec',
          namespace,
          process.execPath,
          bridgeScript,
          `tcp:${p2}=unix:${sock(`out-${p2}`)}`,
          `tcp:${p3}=unix:${sock(`out-${p3}`)}`,
          `unix:${sock(`in-${p1}`)}=tcp:${p1}`,
          `unix:${sock(`in-${c1}`)}=tcp:${c1}`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const child = inside;
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', () => resolve());
        child.once('exit', (code) => reject(new Error(`the namespace bridge exited (code ${code})`)));
      });
      isolation = new EtcdIsolation(namespace, child, servers, clientPorts, peerPorts, wrapper);
      // A namespace outlives its processes: remove it even if the harness dies without closing.
      const opened = isolation;
      process.once('exit', () => opened.close());
      return isolation;
    } catch (error) {
      inside?.kill('SIGKILL');
      for (const server of servers) server.close();
      execFileSync('ip', ['netns', 'del', namespace]);
      throw error;
    }
  }

  get partitioned(): boolean {
    return this.#partitioned;
  }

  private track(socket: Socket): void {
    this.#peerSockets.add(socket);
    socket.once('close', () => this.#peerSockets.delete(socket));
  }

  /** Cuts every peer connection of etcd-1, both ways, and refuses new ones; its clients still reach it. */
  partition(): void {
    this.#partitioned = true;
    for (const socket of this.#peerSockets) socket.destroy();
  }

  heal(): void {
    this.#partitioned = false;
  }

  /** Call after the cluster has stopped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.inside.kill('SIGKILL');
    for (const server of this.servers) server.close();
    try {
      execFileSync('ip', ['netns', 'del', this.namespace]);
    } catch {
      // already gone
    }
  }
}
