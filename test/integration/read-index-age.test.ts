/**
 * Reads from a read index of bounded age, across instances, on a real
 * 3-member etcd cluster: a writer instance (auth and social) and a reader
 * social instance whose watch delivers every event late, as a busy
 * instance's would. The reader always holds a young finished read index
 * (a background loop reads through it), so only commit-wait stands between
 * an acknowledged write and a read that misses it: with it, every read
 * through the reader sees every write acknowledged before the read began;
 * without it (the control case), reads miss them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommitWaitKV } from '../../src/kv/commit-wait-kv.js';
import { EtcdKV } from '../../src/kv/etcd-kv.js';
import { type Keyspace, keyspace } from '../../src/kv/keys.js';
import type { KV, WatchOptions } from '../../src/kv/kv.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { ReadModel } from '../../src/services/social/read-model.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { startTestEtcd, type TestEtcd } from '../helpers/etcd.js';
import { FAST_HASHING } from '../helpers/fixtures.js';

/** The read index age and commit-wait; large beside a loopback quorum read, so the rule, not luck, decides. */
const AGE_MS = 50;
/** How late the reader's watch delivers each event: longer than the age, so the view alone never has a fresh write. */
const WATCH_LAG_MS = 150;
const ROUNDS = 12;

/** `kv` whose watches deliver every batch `lagMs` late, in order. */
function laggingWatch(kv: KV, lagMs: number): KV {
  return new Proxy(kv, {
    get(target, property, receiver) {
      if (property === 'watch') {
        return async (options: WatchOptions) => {
          const pending = new Set<NodeJS.Timeout>();
          const late = (deliver: () => void) => {
            const timer = setTimeout(() => {
              pending.delete(timer);
              deliver();
            }, lagMs);
            pending.add(timer);
          };
          const watch = await target.watch({
            ...options,
            onBatch: (batch) => late(() => options.onBatch(batch)),
            onError: (error) => late(() => options.onError(error)),
          });
          return {
            close: async () => {
              for (const timer of pending) clearTimeout(timer);
              await watch.close();
            },
          };
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('reads from a read index of bounded age, across instances (etcd)', () => {
  let etcd: TestEtcd;
  let opened = 0;
  before(async () => {
    etcd = await startTestEtcd();
  });
  after(async () => {
    await etcd?.cleanup();
  });

  /** A writer (auth and social) and a lagging reader on a keyspace of their own; `commitWait` false is the control. */
  async function deployment(commitWait: boolean) {
    const keys: Keyspace = keyspace(`/test-${process.pid}-age-${++opened}/chorus/v1/`);
    const connect = async () => {
      const kv = await EtcdKV.connect({ endpoints: etcd.endpoints, revisionProbeKey: keys.root });
      return commitWait ? new CommitWaitKV(kv, AGE_MS) : kv;
    };
    const [writerKv, readerKv] = await Promise.all([connect(), connect()]);
    const auth = new AuthService({ kv: writerKv, keys, passwordHashing: FAST_HASHING });
    const writer = new SocialService({ kv: writerKv, keys, readIndexAgeMs: AGE_MS });
    const model = await ReadModel.start({ kv: laggingWatch(readerKv, WATCH_LAG_MS), keys });
    const reader = new SocialService({ kv: readerKv, keys, readModel: model, readIndexAgeMs: AGE_MS });
    const ann = await auth.signUp('ann', 'correct horse');
    const ben = await auth.signUp('ben', 'correct horse');
    await writer.trustedActor('ben').follow('ann');
    // Keeps a young finished read index on the reader, as steady traffic
    // does: a read every few ms, not each after the last, since each waits
    // for the lagging view.
    const reading = new Set<Promise<unknown>>();
    const warming = setInterval(() => {
      const read = reader.getProfile('ann').finally(() => reading.delete(read));
      reading.add(read);
    }, 3);
    await sleep(WATCH_LAG_MS + AGE_MS);
    return {
      auth,
      writer,
      reader,
      writerKv,
      keys,
      ann,
      ben,
      async close() {
        clearInterval(warming);
        await Promise.allSettled([...reading]);
        reader.closeStreams();
        await model.close();
        await Promise.all([writerKv.close(), readerKv.close()]);
      },
    };
  }

  /** Posts through the writer, then reads at once through the reader: how many reads missed the acknowledged post. */
  async function postThenRead(d: Awaited<ReturnType<typeof deployment>>): Promise<{ missed: number; checked: number }> {
    let missed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const post = await d.writer.trustedActor('ann').post(`round ${round}`);
      const [posts, feed, profile] = await Promise.all([
        d.reader.listPosts('ann', 40),
        d.reader.as(d.ben.token).homeFeed(40),
        d.reader.getProfile('ann'),
      ]);
      if (!posts.items.some((p) => p.id === post.id)) missed++;
      if (!feed.page.items.some((p) => p.id === post.id)) missed++;
      if (profile.posts < round + 1) missed++;
    }
    return { missed, checked: ROUNDS * 3 };
  }

  it('with commit-wait, every read through another instance sees every post acknowledged before it began', async () => {
    const d = await deployment(true);
    try {
      assert.deepEqual(await postThenRead(d), { missed: 0, checked: ROUNDS * 3 });
    } finally {
      await d.close();
    }
  });

  it('without commit-wait (the control), the same reads miss acknowledged posts: the test can fail', async () => {
    const d = await deployment(false);
    try {
      const { missed } = await postThenRead(d);
      assert.ok(missed > 0, 'a young read index predating the post, and a view that has not applied it, must miss it');
    } finally {
      await d.close();
    }
  });

  it('with commit-wait, a logout is refused and a new session works on the very next read through another instance', async () => {
    const d = await deployment(true);
    try {
      for (let round = 0; round < ROUNDS / 2; round++) {
        const session = await d.auth.logIn('ben', 'correct horse');
        assert.ok((await d.reader.as(session.token).homeFeed()).page, 'the new session works at once');
        await d.auth.logOut(session.token);
        await assert.rejects(d.reader.as(session.token).homeFeed(), { code: 'unauthenticated' });
      }
    } finally {
      await d.close();
    }
  });

  // Whether a read of bounded age misses such a write depends on timing (a loaded machine may
  // serve it late enough to see it), so only the linearizable read's promise is asserted.
  it('a linearizable read sees a write committed but not yet acknowledged', async () => {
    const d = await deployment(true);
    try {
      for (let round = 0; round < ROUNDS / 2; round++) {
        const before = new Set((await d.writerKv.range({ prefix: d.keys.authorPostsPrefix('ann') })).items.map((kv) => kv.key));
        const posting = d.writer.trustedActor('ann').post(`unacknowledged ${round}`);
        // Committed (the store has it) while the writer still waits before acknowledging it.
        let key: string | undefined;
        while (!key) {
          key = (await d.writerKv.range({ prefix: d.keys.authorPostsPrefix('ann') })).items.map((kv) => kv.key).find((k) => !before.has(k));
        }
        const id = key.slice(key.lastIndexOf('/') + 1);
        const linearizable = await d.reader.getPost(id);
        assert.equal(linearizable.id, id);
        assert.equal((await posting).id, id);
      }
    } finally {
      await d.close();
    }
  });
});
