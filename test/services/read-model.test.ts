import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../../src/domain/errors.js';
import type { Post } from '../../src/domain/post.js';
import type { WatchOptions } from '../../src/kv/kv.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { ReadModel } from '../../src/services/social/read-model.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { forEachEngine } from '../helpers/engines.js';
import { FAST_HASHING } from '../helpers/fixtures.js';

forEachEngine((engine) => {
  async function setup() {
    const store = await engine.open();
    const auth = new AuthService({ kv: store.kv, keys: store.keys, passwordHashing: FAST_HASHING });
    return { ...store, auth };
  }

  it('starts on existing data and keeps up with writes from another instance', async () => {
    const { kv, keys, close, auth } = await setup();
    const writer = new SocialService({ kv, keys });
    let reader = writer;
    try {
      const [ann] = await Promise.all(['ann', 'ben', 'cat'].map((name) => auth.signUp(name, 'correct horse')));
      const annFeed = async () => (await reader.as(ann!.token).homeFeed()).page;
      await writer.trustedActor('ann').follow('ben');
      const old = await writer.trustedActor('ben').post('before the view');
      const model = await ReadModel.start({ kv, keys });
      reader = new SocialService({ kv, keys, readModel: model });
      try {
        assert.deepEqual((await annFeed()).items, [old]);
        // Every write through another instance is visible on the next read here.
        const fresh = await writer.trustedActor('ben').post('after the view');
        assert.deepEqual(
          (await annFeed()).items.map((p) => p.id),
          [fresh.id, old.id],
        );
        await writer.trustedActor('ann').follow('cat');
        assert.equal((await reader.getProfile('cat')).followers, 1);
        assert.equal(await reader.isFollowing('ann', 'cat'), true);
        await writer.trustedActor('ben').deletePost(fresh.id);
        await assert.rejects(reader.getPost(fresh.id), { code: 'not_found' });
        await writer.trustedActor('ann').unfollow('ben');
        assert.deepEqual((await annFeed()).items, []);
      } finally {
        await model.close();
      }
    } finally {
      await close();
    }
  });

  it('builds a correct view when it starts while writes are in flight', async () => {
    const { kv, keys, close, auth } = await setup();
    const writer = new SocialService({ kv, keys });
    try {
      await auth.signUp('author', 'correct horse');
      await auth.signUp('reader', 'correct horse');
      await writer.trustedActor('reader').follow('author');
      let writing = true;
      let written = 0;
      const writes = (async () => {
        while (writing) {
          await writer.trustedActor('author').post(`post ${written}`);
          written++;
          // The embedded engine answers without I/O; yield so timers run.
          await new Promise(setImmediate);
        }
      })();
      await sleep(50);
      const model = await ReadModel.start({ kv, keys, pageSize: 3 });
      await sleep(50);
      writing = false;
      await writes;
      try {
        const reader = new SocialService({ kv, keys, readModel: model });
        const all = async (service: SocialService) => {
          const ids: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await service.listPosts('author', 100, cursor);
            ids.push(...page.items.map((p) => p.id));
            cursor = page.next ?? undefined;
          } while (cursor);
          return ids;
        };
        const fromView = await all(reader);
        const fromStore = await all(writer);
        assert.equal(fromStore.length, written);
        assert.deepEqual(fromView, fromStore);
        assert.equal((await reader.getProfile('author')).posts, written);
      } finally {
        await model.close();
      }
    } finally {
      await close();
    }
  });

  it('lists large prefixes in slices by next character, missing no key', async () => {
    const { kv, keys, close, auth } = await setup();
    const writer = new SocialService({ kv, keys });
    try {
      // Names that are prefixes of others put keys exactly on slice boundaries.
      const names = ['abc', 'abcd', 'abcde', 'abd', 'ab_', 'a12', 'xyz'];
      const tokens = new Map<string, string>();
      for (const name of names) tokens.set(name, (await auth.signUp(name, 'correct horse')).token);
      for (const name of names) {
        for (const other of names) if (other !== name && other < name) await writer.trustedActor(name).follow(other);
        for (let i = 0; i < 3; i++) await writer.trustedActor(name).post(`${name} ${i}`);
      }
      const model = await ReadModel.start({ kv, keys, sliceKeys: 2, pageSize: 2 });
      try {
        const reader = new SocialService({ kv, keys, readModel: model });
        for (const name of names) {
          assert.deepEqual(await reader.getProfile(name), await writer.getProfile(name), name);
          const token = tokens.get(name)!;
          assert.deepEqual(await reader.as(token).homeFeed(100), await writer.as(token).homeFeed(100), name);
        }
        assert.equal(model.view.stats().accounts, names.length);
      } finally {
        await model.close();
      }
    } finally {
      await close();
    }
  });

  it('logs a listing page that was slow or failed, and retries the one that failed', async () => {
    const { kv, keys, close, auth } = await setup();
    const writer = new SocialService({ kv, keys });
    try {
      for (const name of ['ann', 'ben', 'cat']) await auth.signUp(name, 'correct horse');
      await writer.trustedActor('ann').follow('ben');
      await writer.trustedActor('ben').post('listed');
      // The second range of the listing takes over a second; the third fails once.
      let ranges = 0;
      const flaky = new Proxy(kv, {
        get(target, property) {
          const value = Reflect.get(target, property, target);
          if (property !== 'range') return typeof value === 'function' ? value.bind(target) : value;
          return async (options: Parameters<typeof kv.range>[0]) => {
            ranges++;
            if (ranges === 2) await sleep(1_100);
            if (ranges === 3) throw new DomainError('unavailable', 'The store is unavailable; please try again.');
            return target.range(options);
          };
        },
      });
      const logged: { message: string; fields?: Record<string, unknown> }[] = [];
      const model = await ReadModel.start({ kv: flaky, keys, log: (message, fields) => logged.push({ message, fields }) });
      try {
        const slow = logged.filter((entry) => entry.message === 'listing page was slow');
        assert.equal(slow.length, 1);
        assert.equal(slow[0]!.fields!.attempt, 1);
        assert.ok((slow[0]!.fields!.ms as number) >= 1_000);
        assert.equal(typeof slow[0]!.fields!.prefix, 'string');
        const failed = logged.filter((entry) => entry.message === 'listing page failed');
        assert.equal(failed.length, 1);
        assert.match(failed[0]!.fields!.error as string, /unavailable/);
        // The failed page was read again: the view is whole.
        assert.deepEqual(await new SocialService({ kv, keys, readModel: model }).getProfile('ben'), await writer.getProfile('ben'));
      } finally {
        await model.close();
      }
    } finally {
      await close();
    }
  });

  it('lists again when its watch history is compacted away, and stays correct', async () => {
    const { kv, keys, close, auth, compact } = await setup();
    const writer = new SocialService({ kv, keys });
    try {
      await auth.signUp('author', 'correct horse');
      const session = await auth.signUp('reader', 'correct horse');
      await writer.trustedActor('reader').follow('author');
      const logs: string[] = [];
      // Compaction strikes between the listing and the watch: posts are
      // written and the history compacted just before the first watch is
      // opened, so it asks for revisions the store no longer has.
      let first: Post | undefined;
      let extra: Post | undefined;
      let struck = false;
      const unlucky = new Proxy(kv, {
        get(target, property, receiver) {
          if (property !== 'watch' || struck) return Reflect.get(target, property, receiver);
          return async (options: WatchOptions) => {
            struck = true;
            // Compacting at R keeps R itself, so two writes put the watch's start behind it.
            first = await writer.trustedActor('author').post('one');
            extra = await writer.trustedActor('author').post('one more');
            await compact(await kv.revision());
            return target.watch(options);
          };
        },
      });
      const model = await ReadModel.start({ kv: unlucky, keys, log: (message) => logs.push(message) });
      try {
        for (let i = 0; i < 100 && !logs.includes('watch history compacted: listing again'); i++) await sleep(20);
        assert.ok(logs.includes('watch history compacted: listing again'), logs.join('; '));
        const reader = new SocialService({ kv, keys, readModel: model });
        const second = await writer.trustedActor('author').post('two');
        const ids = (await reader.as(session.token).homeFeed()).page.items.map((p) => p.id);
        assert.deepEqual(ids, [second.id, extra!.id, first!.id].sort(), 'newest first: ids sort that way');
      } finally {
        await model.close();
      }
    } finally {
      await close();
    }
  });

  it('moves past revisions written outside its prefix by writing a fence', async () => {
    const { kv, keys, close, auth } = await setup();
    try {
      await auth.signUp('author', 'correct horse');
      // Staleness far beyond any fence: a read that waited it out would still find the view behind below.
      const model = await ReadModel.start({ kv, keys, fenceAfterMs: 10, staleAfterMs: 60_000 });
      try {
        const reader = new SocialService({ kv, keys, readModel: model });
        const foreign = await kv.put('/not-chorus/other-tenant', 'x');
        assert.equal((await reader.getProfile('author')).posts, 0);
        assert.equal(await model.waitFor(foreign, 0), true, 'the view moved past the foreign write');
        assert.ok(await kv.get(keys.fence()), 'a fence was written');
      } finally {
        await model.close();
        await kv.deletePrefix('/not-chorus/');
      }
    } finally {
      await close();
    }
  });

  it('checks sessions in one call for feeds and posts, and forgets ended sessions', async () => {
    const { kv, keys, close, auth } = await setup();
    const model = await ReadModel.start({ kv, keys });
    const social = new SocialService({ kv, keys, readModel: model });
    const fromStore = new SocialService({ kv, keys });
    try {
      const session = await auth.signUp('reader', 'correct horse');
      await auth.signUp('author', 'correct horse');
      await social.trustedActor('reader').follow('author');
      const post = await social.trustedActor('author').post('hello');
      for (const service of [social, fromStore]) {
        const feed = await service.as(session.token).homeFeed();
        assert.equal(feed.account.username, 'reader');
        assert.deepEqual(feed.page.items, [post]);
      }
      for (const service of [social, fromStore]) {
        const written = await service.as(session.token).post('as my session', `key-${service === social}`);
        assert.equal(written.author, 'reader');
        assert.deepEqual(await service.as(session.token).post('as my session', `key-${service === social}`), written);
      }
      assert.equal((await fromStore.getProfile('reader')).posts, 2);
      await auth.logOut(session.token);
      const revision = await kv.revision();
      for (const service of [social, fromStore]) {
        await assert.rejects(service.as(session.token).post('after logout'), { code: 'unauthenticated' });
      }
      assert.equal(await kv.revision(), revision, 'a refused post writes nothing');
      for (const service of [social, fromStore]) {
        await assert.rejects(
          service.as(session.token).homeFeed(),
          (e: unknown) => e instanceof DomainError && e.code === 'unauthenticated',
        );
        await assert.rejects(service.as('not a token').homeFeed(), { code: 'unauthenticated' });
      }
    } finally {
      await model.close();
      await close();
    }
  });
});
