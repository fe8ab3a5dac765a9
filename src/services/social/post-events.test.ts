import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { notificationFor } from '../../domain/notification.js';
import type { PostEvent } from '../../domain/social.js';
import { keyspace } from '../../kv/keys.js';
import type { WatchEvent } from '../../kv/kv.js';
import { PostEventHub, postEvents } from './post-events.js';

const keys = keyspace();
const put = (author: string, id: string): WatchEvent => ({
  type: 'put',
  kv: {
    key: keys.authorPost(author, id),
    value: JSON.stringify({ id, author, text: 'hi', createdAtMs: 1 }),
    modRevision: 1,
  } as WatchEvent['kv'],
});

describe('PostEventHub', () => {
  it('gives each subscriber the post events, and drops one that falls behind its bound', async () => {
    let listener: ((events: readonly WatchEvent[]) => void) | undefined;
    let removed = 0;
    const hub = new PostEventHub(
      keys,
      (l) => {
        listener = l;
        return () => {
          removed++;
          listener = undefined;
        };
      },
      3,
    );
    const controller = new AbortController();
    const fast = hub.watch(controller.signal)[Symbol.asyncIterator]();
    const slow = hub.watch(controller.signal)[Symbol.asyncIterator]();
    const first = fast.next();
    void slow.next().catch(() => {});
    await new Promise((r) => setImmediate(r));
    assert.ok(listener, 'the source is registered while someone listens');
    listener([put('bob', 'p1'), { type: 'put', kv: { key: `${keys.root}accounts/bob`, value: '{}', modRevision: 1 } as WatchEvent['kv'] }]);
    assert.deepEqual((await first).value, {
      kind: 'update',
      post: { id: 'p1', author: 'bob', text: 'hi', createdAtMs: 1 },
    } satisfies PostEvent);
    // slow took its first event; four more overflow its bound of three, while fast keeps up.
    for (let i = 2; i <= 5; i++) {
      listener([put('bob', `p${i}`)]);
      assert.equal(((await fast.next()).value as PostEvent & { kind: 'update' }).post.id, `p${i}`);
    }
    await assert.rejects(slow.next(), { code: 'unavailable' });
    controller.abort();
    assert.equal((await fast.next()).done, true);
    assert.equal(hub.size, 0);
    assert.equal(removed, 1, 'the source is removed with the last subscriber');
  });

  it('streams new notifications, but not their deletion, beside the post events', () => {
    const notification = notificationFor('follow', 'ann', 'bob', 1_700_000_000_000);
    const key = keys.notification('bob', notification.id);
    const at = (type: WatchEvent['type'], value: string): WatchEvent => ({ type, kv: { key, value, modRevision: 2 } as WatchEvent['kv'] });
    assert.deepEqual(
      postEvents(keys, [put('ann', 'p1'), at('put', JSON.stringify(notification)), at('delete', ''), at('put', 'not json')]),
      [
        { kind: 'update', post: { id: 'p1', author: 'ann', text: 'hi', createdAtMs: 1 } },
        { kind: 'notification', notification },
      ] satisfies PostEvent[],
    );
    assert.deepEqual(
      postEvents(keys, [
        { type: 'put', kv: { key: keys.notificationMark('bob'), value: notification.id, modRevision: 3 } as WatchEvent['kv'] },
      ]),
      [],
    );
  });
});
