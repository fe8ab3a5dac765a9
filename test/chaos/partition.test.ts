import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EtcdIsolation } from '../../chaos/partition.js';
import { type EtcdCluster, startEtcdCluster } from '../../src/local-etcd/etcd-cluster.js';
import { eventually } from '../helpers/eventually.js';

/**
 * The chaos harness's network partition: etcd-1 in a namespace of its own,
 * cut off from its peers while its client port stays reachable. It must
 * stop answering linearizable reads rather than serve a value the majority
 * has since overwritten. Skipped where namespaces cannot be made (not root).
 */
const b64 = (text: string) => Buffer.from(text).toString('base64');

async function gateway(url: string, call: string, body: object, timeoutMs = 3000): Promise<any> {
  const response = await fetch(`${url}/v3/kv/${call}`, {
    method: 'POST',
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return response.json();
}

/** Retries a write while the majority elects a leader (the isolated member may have been it). */
async function putEventually(url: string, key: string, value: string): Promise<void> {
  await eventually(
    async () => Boolean((await gateway(url, 'put', { key: b64(key), value: b64(value) }, 5000).catch(() => undefined))?.header),
    { timeoutMs: 20_000, intervalMs: 200, what: `a write of ${key} through ${url}` },
  );
}

async function healthy(url: string): Promise<boolean> {
  try {
    const body = (await (await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })).json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

describe('partition of one etcd member', () => {
  let dir: string;
  let isolation: EtcdIsolation | undefined;
  let etcd: EtcdCluster | undefined;
  let skip: string | false = false;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-partition-'));
    try {
      isolation = await EtcdIsolation.open(path.join(dir, 'netns'));
    } catch (error) {
      skip = `network namespaces unavailable: ${(error as Error).message.split('\n')[0]}`;
      return;
    }
    etcd = await startEtcdCluster({
      dataDir: path.join(dir, 'etcd'),
      clientPorts: isolation.clientPorts,
      peerPorts: isolation.peerPorts,
      etcdBinary: isolation.etcdBinary,
    });
  });
  after(async () => {
    await etcd?.stop({ signal: 'SIGKILL' });
    isolation?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an isolated member serves no stale read, and rejoins when healed', { timeout: 60_000 }, async (t) => {
    if (skip) return t.skip(skip);
    const [isolated, other] = [etcd!.members[0]!, etcd!.members[1]!];
    await putEventually(other.clientUrl, 'k', 'before');
    assert.equal((await gateway(isolated.clientUrl, 'range', { key: b64('k') }, 10_000)).kvs[0].value, b64('before'));

    isolation!.partition();
    await putEventually(other.clientUrl, 'k', 'after');
    await eventually(async () => !(await healthy(isolated.clientUrl)), {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: 'the isolated member to notice it has no leader',
    });
    const stale = await gateway(isolated.clientUrl, 'range', { key: b64('k') }).catch((error: Error) => ({ failed: error.message }));
    assert.notEqual(stale?.kvs?.[0]?.value, b64('before'), 'the isolated member must not serve the overwritten value');
    assert.ok(await healthy(other.clientUrl), 'the majority keeps serving');

    isolation!.heal();
    await etcd!.waitHealthy(30_000);
    assert.equal((await gateway(isolated.clientUrl, 'range', { key: b64('k') }, 10_000)).kvs[0].value, b64('after'));
  });
});
