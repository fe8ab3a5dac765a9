/**
 * The view's cache of each reader's first feed page (services/social/
 * feed-cache.ts) against the feed merged anew: random sequences of posts,
 * replies, deletes, reblogs, follows, blocks, mutes and account deletions
 * through the real service on a real store, each reader's home page read
 * (filling the cache) after every step, so the next step finds entries
 * that must have been forgotten if they changed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import { decodeCursor, type Page, type PageRequest } from '../../src/domain/page.js';
import { isPostId, type Post } from '../../src/domain/post.js';
import { FEED_CACHE_POSTS } from '../../src/services/social/feed-cache.js';
import type { SocialReads } from '../../src/services/social/reads.js';
import { homeFeed } from '../../src/services/social/timelines.js';
import type { View } from '../../src/services/social/view.js';
import { ViewReads } from '../../src/services/social/view-reads.js';
import { forEachEngine } from '../helpers/engines.js';
import { socialSetup } from '../helpers/social.js';
import { seeded } from '../helpers/social-posts.js';

const NAMES = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay'];
const STEPS = 220;

/** ViewReads whose feed is always merged anew, never from the cache. */
function uncachedReads(view: View): SocialReads {
  const reads = new ViewReads(view);
  return new Proxy(reads, {
    get(target, property) {
      if (property === 'feed') {
        return async (username: string, page: PageRequest) => (view.account(username) ? view.mergedFeed(username, page) : undefined);
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const ids = (page: Page<Post> | undefined) => page && { ids: page.items.map((post) => post.id), next: page.next };

forEachEngine((engine) => {
  describe('the cached first page of the home feed', () => {
    for (const seed of [1, 2, 3]) {
      it(`equals the feed merged anew after every step of a random history (seed ${seed})`, async () => {
        const setup = await socialSetup(engine, true, { random: seeded(seed) });
        const { social, auth, signUp, tick, tokenOf, kv, readModel, close } = setup;
        const random = seeded(seed * 7919);
        const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
        try {
          await signUp(...NAMES);
          const alive = new Set(NAMES);
          const posts: Post[] = [];
          let cacheHitsChecked = 0;
          let longest = 0;
          for (let step = 0; step < STEPS; step++) {
            tick();
            const names = [...alive];
            const actorName = pick(names);
            const actor = social.trustedActor(actorName);
            const other = pick(NAMES);
            const roll = random();
            try {
              if (roll < 0.3) {
                // Bursts, so that feeds outgrow the cached head and pages after a cursor reach past it.
                for (let burst = 2 + Math.floor(random() * 9); burst > 0; burst--) {
                  const parent = random() < 0.4 && posts.length > 0 ? pick(posts) : undefined;
                  posts.push(await actor.post(`step ${step}`, undefined, parent && { inReplyToId: parent.id }));
                  tick();
                }
              } else if (roll < 0.38) {
                const own = posts.filter((post) => post.author === actorName);
                if (own.length > 0) await actor.deletePost(pick(own).id);
              } else if (roll < 0.46) {
                if (posts.length > 0) posts.push((await actor.reblog(pick(posts).id)).post!);
              } else if (roll < 0.49) {
                if (posts.length > 0) await actor.unreblog(pick(posts).id);
              } else if (roll < 0.67) {
                await actor.follow(other);
              } else if (roll < 0.77) {
                await actor.unfollow(other);
              } else if (roll < 0.82) {
                await actor.block(other);
              } else if (roll < 0.86) {
                await actor.unblock(other);
              } else if (roll < 0.91) {
                await actor.mute(other);
              } else if (roll < 0.95) {
                await actor.unmute(other);
              } else if (roll < 0.97 && alive.size > 3 && step > STEPS / 2) {
                await auth.deleteAccount(tokenOf(actorName), 'correct horse');
                alive.delete(actorName);
              } else {
                await social.sweepDeletedAccounts();
              }
            } catch (error) {
              // Refusals (across a block, of a deleted post or account) are part of a random history.
              if (!(error instanceof DomainError)) throw error;
            }

            assert.ok(await readModel!.waitFor(await kv.revision()), 'the view caught up');
            const view = readModel!.view;
            for (const reader of alive) {
              const limit = pick([3, 20, 40]);
              const uncached = ids(await homeFeed(uncachedReads(view), reader, { limit, after: undefined }));
              const served = (await social.as(tokenOf(reader)).homeFeed(limit)).page;
              assert.deepEqual(ids(served), uncached, `step ${step}: ${reader}'s home page (limit ${limit})`);
              assert.deepEqual(
                ids(view.feed(reader, { limit, after: undefined })),
                ids(view.mergedFeed(reader, { limit, after: undefined })),
                `step ${step}: ${reader}'s raw first page`,
              );
              if (served.items.length > 0) cacheHitsChecked++;
              // Later pages: the head serves those it holds whole, the merge the rest.
              const merged = view.mergedFeed(reader, { after: undefined, limit: 100 }).items;
              longest = Math.max(longest, merged.length);
              for (const at of [0, 10, 19, 30, 43, 62, 70]) {
                const after = merged[at]?.id;
                if (after === undefined) continue;
                assert.deepEqual(
                  ids(view.feed(reader, { limit, after })),
                  ids(view.mergedFeed(reader, { limit, after })),
                  `step ${step}: ${reader}'s raw page after post ${at}`,
                );
              }
              if (served.next !== null) {
                const next = (await social.as(tokenOf(reader)).homeFeed(limit, served.next)).page;
                const fresh = await homeFeed(uncachedReads(view), reader, { limit, after: decodeCursor(served.next, isPostId) });
                assert.deepEqual(ids(next), ids(fresh), `step ${step}: ${reader}'s second home page`);
              }
            }
          }
          assert.ok(cacheHitsChecked > STEPS, `non-empty feeds were compared (${cacheHitsChecked})`);
          assert.ok(longest > FEED_CACHE_POSTS, `a feed outgrew the cached head (${longest} posts)`);
        } finally {
          await close();
        }
      });
    }
  });
});
