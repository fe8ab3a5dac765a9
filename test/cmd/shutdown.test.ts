import assert from 'node:assert/strict';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Lifecycle } from '../../src/cmd/lifecycle.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { ReadModel } from '../../src/services/social/read-model.js';
import { spawnChorus } from '../helpers/chorus-process.js';
import { eventually } from '../helpers/eventually.js';

/** A loopback port nothing listens on (it was free a moment ago). */
async function unusedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** `promise`, or a rejection if it has not settled within `timeoutMs`. */
function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('shutdown', () => {
  it('SIGTERM ends a social service still waiting for an unreachable etcd: exit 0, no SIGKILL needed', async () => {
    const etcdPort = await unusedPort();
    const chorus = spawnChorus(['social', '--port', '0', '--etcd-endpoints', `http://127.0.0.1:${etcdPort}`, '--etcd-timeout-ms', '200']);
    const { child, exited } = chorus;
    try {
      // Wait until it is inside a retry loop, so the signal interrupts one.
      await eventually(() => chorus.output().includes('retrying'), { timeoutMs: 10_000, intervalMs: 50, what: 'a retry in the log' });
      child.kill('SIGTERM');
      const [code, signal] = await within(exited, 5000, 'exit after SIGTERM');
      const output = chorus.output();
      assert.equal(signal, null, output);
      assert.equal(code, 0, output);
      // Its stdout is a pipe, not a terminal: every line is JSON.
      const lines = output.trim().split('\n');
      const records = lines.map((line) => JSON.parse(line) as { msg: string; name: string });
      assert.ok(
        records.some((r) => r.msg === 'shutting down'),
        output,
      );
      assert.ok(records.every((r) => r.name === 'chorus-social'));
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('an aborted signal ends ReadModel.start while it is retrying its listing', async () => {
    const kv = await EmbeddedKV.open({ path: ':memory:' });
    // A closed store fails every read: the start retries until aborted.
    await kv.close();
    const controller = new AbortController();
    const retries: string[] = [];
    const started = ReadModel.start({
      kv,
      signal: controller.signal,
      log: (message) => {
        if (message.includes('retrying')) retries.push(message);
        if (retries.length === 2) controller.abort(new Error('test shutdown'));
      },
    });
    await assert.rejects(within(started, 5000, 'ReadModel.start after abort'));
    assert.equal(retries.length, 2);
  });

  it('closes in reverse order on abort, and closes at once what starts after', async () => {
    const controller = new AbortController();
    const lifecycle = new Lifecycle(pino({ level: 'silent' }), controller.signal);
    const closed: string[] = [];
    lifecycle.add('store', 'store', (name) => void closed.push(name));
    lifecycle.add('server', 'server', (name) => void closed.push(name));
    controller.abort(new Error('SIGTERM'));
    assert.throws(() => lifecycle.add('late', 'late', (name) => void closed.push(name)), /SIGTERM/);
    await lifecycle.close();
    assert.deepEqual(closed, ['server', 'store', 'late']);
  });
});
