import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import { CONFLICT, compareAndSwap, retryOnConflict } from '../../src/kv/cas.js';
import type { KV } from '../../src/kv/kv.js';
import { forEachEngine } from '../helpers/engines.js';

/** The counter a test works on, under its store's own root. */
const counterKey = (root: string) => `${root}cas-test/counter`;

/** Adds one to the counter at `key`, as a plan would in a service. */
const increment = (kv: KV, key: string, maxAttempts = 20) =>
  compareAndSwap(kv, {
    key,
    maxAttempts,
    plan: async (current) => {
      const next = current ? Number(current.value) + 1 : 1;
      return { success: [{ type: 'put', key, value: String(next) }], value: next };
    },
  });

it('retryOnConflict stops at the first answer and counts attempts; CONFLICT every time is exhausted', async () => {
  assert.deepEqual(await retryOnConflict(5, async (n) => (n < 3 ? CONFLICT : `done at ${n}`)), {
    status: 'done',
    value: 'done at 3',
    attempts: 3,
  });
  assert.deepEqual(await retryOnConflict(2, async () => CONFLICT), { status: 'exhausted', attempts: 2 });
  await assert.rejects(
    retryOnConflict(0, async () => 1),
    RangeError,
  );
});

forEachEngine((engine) => {
  it('writes when the key is as read, and loses no update among concurrent writers', async () => {
    const store = await engine.open();
    const key = counterKey(store.keys.root);
    try {
      const first = await increment(store.kv, key);
      assert.equal(first.status, 'written');
      assert.ok(first.status === 'written' && first.value === 1 && first.attempts === 1);
      assert.equal(first.revision, (await store.kv.get(key))?.modRevision);
      const results = await Promise.all(Array.from({ length: 8 }, () => increment(store.kv, key)));
      assert.ok(results.every((r) => r.status === 'written'));
      assert.equal((await store.kv.get(key))?.value, '9');
      assert.deepEqual(
        results.map((r) => (r.status === 'written' ? r.value : 0)).sort((a, b) => a - b),
        [2, 3, 4, 5, 6, 7, 8, 9],
      );
    } finally {
      await store.close();
    }
  });

  it('reads again after a conflict, releases what the lost attempt prepared, and gives up after maxAttempts', async () => {
    const store = await engine.open();
    const key = counterKey(store.keys.root);
    try {
      const released: string[] = [];
      const seen: (string | undefined)[] = [];
      const result = await compareAndSwap(store.kv, {
        key,
        maxAttempts: 3,
        plan: async (current) => {
          seen.push(current?.value);
          // Another writer gets in between every read and its txn.
          await store.kv.put(key, String(seen.length));
          return { success: [{ type: 'put', key, value: 'mine' }], value: 'mine', release: async (outcome) => void released.push(outcome) };
        },
      });
      assert.deepEqual(result, { status: 'exhausted', attempts: 3 });
      assert.deepEqual(seen, [undefined, '1', '2']);
      assert.deepEqual(released, ['conflict', 'conflict', 'conflict']);
      assert.equal((await store.kv.get(key))?.value, '3');
    } finally {
      await store.close();
    }
  });

  it('counts a failed extra compare as a conflict', async () => {
    const store = await engine.open();
    const key = counterKey(store.keys.root);
    try {
      const result = await compareAndSwap(store.kv, {
        key,
        maxAttempts: 2,
        plan: async () => ({
          compare: [{ key: `${store.keys.root}cas-test/required`, target: 'version', op: '>', value: 0 }],
          success: [{ type: 'put', key, value: 'x' }],
          value: 'x',
        }),
      });
      assert.deepEqual(result, { status: 'exhausted', attempts: 2 });
      assert.equal(await store.kv.get(key), undefined);
    } finally {
      await store.close();
    }
  });

  it('does not retry a txn that threw: the error propagates after release("unknown")', async () => {
    const store = await engine.open();
    const key = counterKey(store.keys.root);
    try {
      const released: string[] = [];
      let attempts = 0;
      const tooMany = Array.from({ length: 129 }, (_, i) => ({ type: 'put' as const, key: `${key}/${i}`, value: '' }));
      await assert.rejects(
        compareAndSwap(store.kv, {
          key,
          plan: async () => {
            attempts++;
            return { success: tooMany, value: undefined, release: async (outcome) => void released.push(outcome) };
          },
        }),
        (e: unknown) => e instanceof DomainError && e.code === 'invalid',
      );
      assert.equal(attempts, 1);
      assert.deepEqual(released, ['unknown']);
    } finally {
      await store.close();
    }
  });

  it('ends at once with what the plan throws, writing nothing', async () => {
    const store = await engine.open();
    const key = counterKey(store.keys.root);
    try {
      const refused = new DomainError('conflict', 'That username is taken.');
      await assert.rejects(
        compareAndSwap(store.kv, {
          key,
          plan: async () => {
            throw refused;
          },
        }),
        (e: unknown) => e === refused,
      );
      assert.equal(await store.kv.get(key), undefined);
    } finally {
      await store.close();
    }
  });
});
