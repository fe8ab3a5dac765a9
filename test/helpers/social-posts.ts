/**
 * A social service on a fresh store, read through the watch-fed view or
 * straight from the store, with a controllable clock and seeded ids: what
 * the issue-11 service tests share.
 */
import { describe } from 'node:test';
import type { Notification } from '../../src/domain/notification.js';
import { parseNotification } from '../../src/kv/records.js';
import type { SocialReads } from '../../src/services/social/reads.js';
import { StoreReads } from '../../src/services/social/store-reads.js';
import { ViewReads } from '../../src/services/social/view-reads.js';
import { dumpStore, type Engine, forEachEngine } from './engines.js';
import { socialSetup } from './social.js';

/** A deterministic uniform [0, 1) source (mulberry32). */
export function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type SocialHarness = Awaited<ReturnType<typeof openSocial>>;

/** Registers `suite` once per engine and read path (store, view), like the other service tests. */
export function forEachReadPath(suite: (open: () => Promise<SocialHarness>) => void): void {
  forEachEngine((engine) => {
    for (const withView of [false, true]) {
      describe(withView ? 'reading from the watch-fed view' : 'reading from the store', () => suite(() => openSocial(engine, withView)));
    }
  });
}

/** socialSetup with seeded post ids, plus what the issue-11 tests read the store with. */
export async function openSocial(engine: Engine, withView: boolean) {
  const setup = await socialSetup(engine, withView, { random: seeded(42) });
  const { kv, keys, social, readModel, tokenOf } = setup;
  /** The home feed as its owner reads it: through a session of theirs. */
  const homeFeed = async (name: string, limit?: number, cursor?: string) => (await social.as(tokenOf(name)).homeFeed(limit, cursor)).page;
  /** The reads the service would use now: the view once it has every write so far, else the store. */
  const reads = async (): Promise<SocialReads> => {
    if (!readModel) return new StoreReads(setup);
    if (!(await readModel.waitFor(await kv.revision()))) throw new Error('the view did not catch up');
    return new ViewReads(readModel.view);
  };
  /**
   * The two rows of a block and nothing else (a real block also removes
   * the follows between the two), for tests of what a block hides.
   */
  const writeBlock = async (blocker: string, blocked: string) => {
    await kv.txn({
      compare: [],
      success: [
        { type: 'put', key: keys.block(blocker, blocked), value: String(setup.now()) },
        { type: 'put', key: keys.blockedBy(blocked, blocker), value: String(setup.now()) },
      ],
    });
  };
  /** The recipient's notification records as stored, newest first. */
  const notifications = async (recipient: string): Promise<Notification[]> =>
    (await kv.range({ prefix: keys.notificationsPrefix(recipient) })).items.map((item) => parseNotification(item.value));
  /** Every key but the fence a view's reader may write at any time. */
  const dump = async () => (await dumpStore(setup)).filter((entry) => entry.key !== keys.fence());
  const { auth, signUp, tick, close } = setup;
  return { kv, keys, social, auth, signUp, tokenOf, homeFeed, tick, reads, writeBlock, notifications, dump, close };
}

/** `reads` with hiddenFor answering from `hidden` (viewer → authors they must not see), for the listing rules' tests. */
export function hidingReads(reads: SocialReads, hidden: Record<string, readonly string[]>): SocialReads {
  return new Proxy(reads, {
    get(target, property) {
      if (property === 'hiddenFor') {
        return async (viewer: string) => (author: string) => hidden[viewer]?.includes(author) ?? false;
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
