import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DomainError } from '../../src/domain/errors.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { type WatchBatch, WatchCompactedError } from '../../src/kv/kv.js';
import { eventually } from '../helpers/eventually.js';
import { kvContract } from './kv-contract.js';

kvContract('EmbeddedKV', async () => {
  let clock = 1_000_000;
  const kv = await EmbeddedKV.open({ path: ':memory:', now: () => clock });
  return {
    kv,
    prefix: '/contract/',
    cleanup: () => kv.close(),
    compact: (revision) => kv.compact(revision),
    elapse: async (ms) => {
      clock += ms;
    },
  };
});

describe('EmbeddedKV on a file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chorus-embedded-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps its identity across a reopen, and no other file has it', async () => {
    const path = join(dir, 'identity.db');
    let kv = await EmbeddedKV.open({ path });
    const identity = await kv.identity();
    await kv.close();
    kv = await EmbeddedKV.open({ path });
    assert.equal(await kv.identity(), identity);
    await kv.close();
    const other = await EmbeddedKV.open({ path: join(dir, 'identity-other.db') });
    assert.notEqual(await other.identity(), identity);
    await other.close();
  });

  it('keeps data, revision, leases and watch history across a reopen', async () => {
    const path = join(dir, 'reopen.db');
    let kv = await EmbeddedKV.open({ path });
    const r1 = await kv.put('/a', '1');
    const lease = await kv.grantLease(60);
    const r2 = await kv.put('/b', '2', lease);
    await kv.close();

    kv = await EmbeddedKV.open({ path });
    assert.equal(await kv.revision(), r2);
    assert.equal((await kv.get('/a'))?.value, '1');
    assert.equal((await kv.get('/b'))?.lease, lease);
    const batches: WatchBatch[] = [];
    const watch = await kv.watch({ prefix: '/', fromRevision: r1, onBatch: (b) => batches.push(b), onError: assert.fail });
    await eventually(() => batches.length === 2);
    assert.deepEqual(
      batches.map((b) => b.revision),
      [r1, r2],
    );
    await watch.close();
    const other = await kv.grantLease(60);
    assert.notEqual(other, lease, 'lease ids are never reused');
    await kv.revokeLease(lease);
    assert.equal(await kv.get('/b'), undefined);
    await kv.close();
  });

  it('hands a store loaded without fsync over whole to a normal opener', async () => {
    const path = join(dir, 'bulk.db');
    const loader = await EmbeddedKV.open({ path, unsafeNoFsync: true });
    const ops = Array.from({ length: 100 }, (_, i) => ({ type: 'put' as const, key: `/bulk/${i}`, value: String(i) }));
    const { revision } = await loader.txn({ compare: [], success: ops });
    await loader.close();
    const kv = await EmbeddedKV.open({ path });
    assert.equal(await kv.revision(), revision);
    assert.equal(await kv.count('/bulk/'), 100);
    await kv.close();
  });

  it('refuses a second opener of the same file', async () => {
    const path = join(dir, 'locked.db');
    const kv = await EmbeddedKV.open({ path });
    await kv.put('/a', '1');
    const child = await runNode(`
      const { EmbeddedKV } = await import(${JSON.stringify(moduleUrl)});
      try { const kv = await EmbeddedKV.open({ path: ${JSON.stringify(path)} }); await kv.get('/a'); console.log('opened'); }
      catch (e) { console.log(e.code); }
    `);
    assert.equal(child.stdout.trim(), 'unavailable');
    await kv.close();
  });

  it('keeps every acknowledged write when the process is killed with SIGKILL', async () => {
    const path = join(dir, 'killed.db');
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      const { EmbeddedKV } = await import(${JSON.stringify(moduleUrl)});
      const kv = await EmbeddedKV.open({ path: ${JSON.stringify(path)} });
      for (let i = 0; ; i++) { await kv.put('/n/' + String(i).padStart(6, '0'), String(i)); process.stdout.write(i + '\\n'); }
    `,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let acknowledged = -1;
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) acknowledged = Number(line);
    });
    await eventually(() => acknowledged >= 200, { timeoutMs: 10_000 });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const kv = await EmbeddedKV.open({ path });
    const count = await kv.count('/n/');
    assert.ok(count >= acknowledged + 1, `${count} keys stored, ${acknowledged + 1} acknowledged`);
    const { items } = await kv.range({ prefix: '/n/', limit: acknowledged + 1 });
    assert.deepEqual(
      items.map((i) => Number(i.value)),
      Array.from({ length: acknowledged + 1 }, (_, i) => i),
    );
    await kv.close();
  });

  it('compacts history past the retention on its own', async () => {
    const kv = await EmbeddedKV.open({ path: ':memory:', historyRetention: 5, sweepIntervalMs: 10 });
    const first = await kv.put('/a', '0');
    for (let i = 1; i < 20; i++) await kv.put('/a', String(i));
    const errors: Error[] = [];
    await eventually(async () => {
      const watch = await kv.watch({ prefix: '/', fromRevision: first, onBatch: () => {}, onError: (e) => errors.push(e) });
      await sleep(20);
      await watch.close();
      return errors.length > 0;
    });
    assert.ok(errors[0] instanceof WatchCompactedError);
    assert.ok(errors[0].compactRevision >= (await kv.revision()) - 6);
    const recent: WatchBatch[] = [];
    const watch = await kv.watch({
      prefix: '/',
      fromRevision: (await kv.revision()) - 4,
      onBatch: (b) => recent.push(b),
      onError: assert.fail,
    });
    await eventually(() => recent.length === 5);
    await watch.close();
    await kv.close();
  });

  it('refuses use after close', async () => {
    const kv = await EmbeddedKV.open({ path: ':memory:' });
    await kv.close();
    await assert.rejects(kv.get('/a'), (e: unknown) => e instanceof DomainError && e.code === 'unavailable');
  });
});

const moduleUrl = new URL('../../src/kv/embedded-kv.js', import.meta.url).href;

function runNode(source: string): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ stdout, code }));
  });
}
