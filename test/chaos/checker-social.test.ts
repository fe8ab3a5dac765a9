import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHistory } from '../../chaos/checker.js';
import { failedRequests } from '../../chaos/figures.js';
import type { FinalState, NotificationRef, Op, StatusRead } from '../../chaos/history.js';
import { postRef } from '../../chaos/mastodon.js';
import { notificationRef } from '../../chaos/social-actions.js';

/**
 * The checker's rules for favourites, reblogs, notifications and blocks
 * (issue 11): each history below breaks one, and the checker must name
 * it; the good history must pass.
 */
let nextId = 0;
const sid = (n: number) => (10n ** 26n + BigInt(n)).toString();
/** alice's post, the one status everyone reacts to; bob's reblog of it; carol's own post. */
const A1 = sid(100);
const R1 = sid(300);
const C1 = sid(200);

const op = (fields: Partial<Op> & Pick<Op, 'client' | 'kind' | 'start' | 'end'>): Op => ({
  id: nextId++,
  outcome: 'ok',
  status: 200,
  ...fields,
});
const react = (client: string, kind: Op['kind'], start: number, end: number, outcome: Op['outcome'] = 'ok') =>
  op({ client, kind, target: 'alice', statusId: A1, start, end, outcome, status: outcome === 'ok' ? 200 : outcome === 'failed' ? 403 : 0 });
const read = (client: string, favourited: boolean, reblogged: boolean, counts: [number, number], start: number, end: number) =>
  op({
    client,
    kind: 'status',
    target: 'alice',
    statusId: A1,
    statusRead: { favourited, reblogged, favourites: counts[0], reblogs: counts[1] },
    start,
    end,
  });
const seen = (favourited: boolean, reblogged: boolean, favourites = 1, reblogs = 1): StatusRead => ({
  favourited,
  reblogged,
  favourites,
  reblogs,
});
const note = (id: number, type: string, actor: string, status?: string): NotificationRef =>
  status === undefined ? { id: String(id), type, actor } : { id: String(id), type, actor, status };
const a1 = { id: A1, author: 'alice', text: 'chaos post alice-1' };
const c1 = { id: C1, author: 'carol', text: 'chaos post carol-1' };
const r1 = { id: R1, author: 'bob', text: '', reblogOf: A1 };

/**
 * alice posts A1. bob follows carol, favourites and reblogs A1. carol
 * follows alice, favourites A1 (first attempt unanswered, the retry
 * acknowledged) and unfavourites it, posts C1, then blocks bob, which
 * removes bob's follow of her.
 */
function goodHistory(): { ops: Op[]; final: FinalState } {
  const ops = [
    op({ client: 'alice', kind: 'post', key: 'alice-1', text: a1.text, postId: A1, start: 0, end: 2 }),
    op({ client: 'bob', kind: 'follow', target: 'carol', start: 3, end: 4 }),
    op({ client: 'carol', kind: 'follow', target: 'alice', start: 5, end: 8 }),
    react('bob', 'favourite', 10, 20),
    react('carol', 'favourite', 12, 22, 'unknown'),
    react('bob', 'reblog', 15, 25),
    read('bob', true, true, [2, 1], 26, 28),
    react('carol', 'favourite', 30, 40),
    read('carol', true, false, [2, 1], 41, 42),
    react('carol', 'unfavourite', 50, 60),
    op({ client: 'carol', kind: 'post', key: 'carol-1', text: c1.text, postId: C1, start: 61, end: 62 }),
    op({ client: 'carol', kind: 'block', target: 'bob', start: 70, end: 75 }),
    op({
      client: 'bob',
      kind: 'relationships',
      relationships: { alice: false, carol: false },
      blocks: { alice: { blocking: false, blockedBy: false }, carol: { blocking: false, blockedBy: true } },
      start: 80,
      end: 81,
    }),
    // Blocked by carol, bob sees none of her posts: not a stale read.
    op({ client: 'bob', kind: 'posts', target: 'carol', posts: [], complete: true, start: 82, end: 83 }),
    op({ client: 'bob', kind: 'follow', target: 'carol', outcome: 'failed', status: 403, start: 84, end: 85 }),
    op({ client: 'carol', kind: 'notifications', notifications: [], start: 86, end: 87 }),
  ];
  const final: FinalState = {
    at: 100,
    users: {
      alice: {
        posts: [a1],
        following: [],
        feed: [],
        blocking: [],
        notifications: [note(3, 'reblog', 'bob', A1), note(2, 'favourite', 'bob', A1), note(1, 'follow', 'carol')],
      },
      bob: { posts: [r1], following: [], feed: [], blocking: [], notifications: [] },
      carol: { posts: [c1], following: ['alice'], feed: [a1], blocking: ['bob'], notifications: [] },
    },
    statuses: {
      [A1]: { author: 'alice', reads: { alice: seen(false, false), bob: seen(true, true), carol: seen(false, false) } },
    },
  };
  return { ops, final };
}

function violationsOf(change: (h: { ops: Op[]; final: FinalState }) => void): string[] {
  const history = goodHistory();
  change(history);
  return checkHistory(history.ops, history.final).violations;
}

const expectViolation = (violations: string[], start: string) =>
  assert.ok(
    violations.some((v) => v.startsWith(start)),
    `expected "${start}…", got:\n${violations.join('\n')}`,
  );

describe('chaos history checker: reactions, notifications and blocks', () => {
  it('passes a history where every guarantee held', () => {
    const { ops, final } = goodHistory();
    const result = checkHistory(ops, final);
    assert.deepEqual(result.violations, []);
    // bob's and carol's favourites of A1, bob's reblog of it.
    assert.equal(result.reactionsChecked, 3);
    assert.equal(result.notificationsChecked, 3);
    // bob→carol, carol→alice, carol→bob (the block).
    assert.equal(result.edgesChecked, 3);
  });

  it('finds a favourite counted twice', () => {
    // carol's unanswered first attempt may still land after her unfavourite, so the history alone allows 2.
    const violations = violationsOf(({ final }) => {
      for (const read of Object.values(final.statuses![A1]!.reads)) read.favourites = 2;
    });
    expectViolation(violations, `favourites of ${A1} miscounted: alice read 2, but 1 accounts read their own favourite set`);
    const thrice = violationsOf(({ final }) => {
      final.statuses![A1]!.reads.alice = seen(false, false, 3, 1);
    });
    expectViolation(thrice, `favourites of ${A1} miscounted: alice read 3, but the history allows 1 to 2`);
  });

  it('finds an acknowledged favourite not counted, though its reader sees it set', () => {
    const violations = violationsOf(({ final }) => {
      for (const read of Object.values(final.statuses![A1]!.reads)) read.favourites = 0;
    });
    expectViolation(violations, `favourites of ${A1} miscounted: alice read 0, but the history allows 1 to 2`);
    expectViolation(violations, `favourites of ${A1} miscounted: alice read 0, but 1 accounts read their own favourite set`);
  });

  it('lets a favourite whose outcome is unknown count or not', () => {
    const history = goodHistory();
    // carol's favourite got no answer and was never retried nor undone.
    history.ops = history.ops.filter(
      (o) => !(o.client === 'carol' && (o.kind === 'favourite' || o.kind === 'unfavourite') && o.outcome === 'ok'),
    );
    history.ops = history.ops.filter((o) => !(o.client === 'carol' && o.kind === 'status'));
    assert.deepEqual(checkHistory(history.ops, history.final).violations, []);
    const reads = history.final.statuses![A1]!.reads;
    for (const read of Object.values(reads)) read.favourites = 2;
    reads.carol!.favourited = true;
    history.final.users.alice!.notifications!.push(note(4, 'favourite', 'carol', A1));
    assert.deepEqual(checkHistory(history.ops, history.final).violations, []);
  });

  it('finds a favourite that is not linearizable: a read misses an acknowledged favourite', () => {
    const violations = violationsOf(({ ops }) => {
      ops.push(read('bob', false, true, [1, 1], 29, 29.5));
    });
    expectViolation(violations, `favourite of ${A1} by bob is not linearizable`);
  });

  it('finds an acknowledged unfavourite that the final state does not reflect', () => {
    const violations = violationsOf(({ ops, final }) => {
      // Without the unanswered attempt, which could land last.
      ops.splice(
        ops.findIndex((o) => o.kind === 'favourite' && o.outcome === 'unknown'),
        1,
      );
      final.statuses![A1]!.reads.carol = seen(true, false, 2, 1);
      for (const read of Object.values(final.statuses![A1]!.reads)) read.favourites = 2;
      final.users.alice!.notifications!.push(note(4, 'favourite', 'carol', A1));
    });
    expectViolation(violations, `favourite of ${A1} by carol is not linearizable`);
    expectViolation(violations, `favourites of ${A1} miscounted: alice read 2, but the history allows 1 to 1`);
  });

  it('finds an orphan notification: the favourite it records was undone', () => {
    const violations = violationsOf(({ final }) => {
      final.users.alice!.notifications!.push(note(4, 'favourite', 'carol', A1));
    });
    expectViolation(violations, `orphan notification: alice's 4 (favourite/carol/${A1})`);
  });

  it('finds an orphan notification: a follow that the block removed', () => {
    const violations = violationsOf(({ final }) => {
      final.users.carol!.notifications!.push(note(5, 'follow', 'bob'));
    });
    expectViolation(violations, `orphan notification: carol's 5 (follow/bob)`);
  });

  it('finds a duplicate notification, a missing one and one for acting on yourself', () => {
    const duplicate = violationsOf(({ final }) => {
      final.users.alice!.notifications!.push(note(6, 'favourite', 'bob', A1));
    });
    expectViolation(duplicate, `duplicate notification: alice has 2 for favourite/bob/${A1}`);
    const missing = violationsOf(({ final }) => {
      final.users.alice!.notifications = final.users.alice!.notifications!.filter((n) => n.type !== 'reblog');
    });
    expectViolation(missing, `missing notification: alice has none for reblog/bob/${A1}`);
    const self = violationsOf(({ final }) => {
      final.users.alice!.notifications!.push(note(7, 'favourite', 'alice', A1));
    });
    expectViolation(self, 'self notification: alice was notified of their own favourite');
  });

  it('finds a notification read during the run that records one action twice', () => {
    const violations = violationsOf(({ ops }) => {
      ops.push(
        op({
          client: 'alice',
          kind: 'notifications',
          notifications: [note(2, 'favourite', 'bob', A1), note(9, 'favourite', 'bob', A1)],
          start: 88,
          end: 89,
        }),
      );
    });
    expectViolation(violations, `duplicate notification: alice's notifications read at 88 hold 2 for favourite/bob/${A1}`);
  });

  it('finds a follow edge that survived a block', () => {
    const violations = violationsOf(({ final }) => {
      final.users.bob!.following = ['carol'];
      final.users.carol!.notifications = [note(1, 'follow', 'bob')];
    });
    expectViolation(violations, 'block left an edge: carol blocks bob, who still follows carol');
    expectViolation(violations, 'follow edge bob→carol is not linearizable');
  });

  it('finds a follow acknowledged across a block', () => {
    // The edge it made is gone by the end (unfollowed), so only the follow itself is wrong.
    const violations = violationsOf(({ ops }) => {
      const refused = ops.find((o) => o.kind === 'follow' && o.outcome === 'failed')!;
      refused.outcome = 'ok';
      refused.status = 200;
      ops.push(
        op({
          client: 'bob',
          kind: 'relationships',
          relationships: { carol: true },
          blocks: { carol: { blocking: false, blockedBy: true } },
          start: 86,
          end: 87,
        }),
        op({ client: 'bob', kind: 'unfollow', target: 'carol', start: 88, end: 89 }),
      );
    });
    expectViolation(violations, 'follow edge bob→carol is not linearizable');
    assert.equal(violations.length, 1, violations.join('\n'));
  });

  it('finds a relationships read that misses an acknowledged block', () => {
    const violations = violationsOf(({ ops }) => {
      ops.push(
        op({
          client: 'bob',
          kind: 'relationships',
          relationships: {},
          blocks: { carol: { blocking: false, blockedBy: false } },
          start: 90,
          end: 91,
        }),
      );
    });
    expectViolation(violations, 'follow edge bob→carol is not linearizable');
  });

  it('finds a reblog stored twice, and one lost', () => {
    const duplicate = violationsOf(({ final }) => {
      final.users.bob!.posts.push({ ...r1, id: sid(250) });
    });
    expectViolation(duplicate, `duplicate reblog: bob reblogged ${A1} 2 times`);
    const lost = violationsOf(({ final }) => {
      final.users.bob!.posts = [];
    });
    expectViolation(lost, `lost reblog: bob reads reblogged=true on ${A1}`);
  });

  it('finds a reblog counted while its reblogger reads it undone', () => {
    const violations = violationsOf(({ final }) => {
      final.statuses![A1]!.reads.bob = seen(true, false);
    });
    expectViolation(violations, `reblog of ${A1} by bob is not linearizable`);
    expectViolation(violations, `reblog ${R1} of ${A1} is in bob's posts, but bob reads reblogged=false`);
    expectViolation(violations, `reblogs of ${A1} miscounted: alice read 1, but 0 accounts read their own reblog set`);
  });

  it('accepts a feed that shows a reblog in place of its original, and finds one showing a reblog of no followee', () => {
    const history = goodHistory();
    history.ops.push(op({ client: 'carol', kind: 'unblock', target: 'bob', start: 92, end: 93 }));
    history.ops.push(op({ client: 'carol', kind: 'follow', target: 'bob', start: 94, end: 95 }));
    history.final.users.carol!.blocking = [];
    history.final.users.carol!.following = ['alice', 'bob'];
    history.final.users.bob!.notifications = [note(8, 'follow', 'carol')];
    // bob's reblog of A1 is newer than A1: the page shows A1 once, as the reblog.
    history.final.users.carol!.feed = [r1];
    assert.deepEqual(checkHistory(history.ops, history.final).violations, []);
    history.final.users.carol!.following = ['alice'];
    history.final.users.bob!.notifications = [];
    history.ops.push(op({ client: 'carol', kind: 'unfollow', target: 'bob', start: 96, end: 97 }));
    const violations = checkHistory(history.ops, history.final).violations;
    expectViolation(violations, `carol's feed shows ${R1} by bob (a reblog of ${A1}), whom carol does not follow`);
    expectViolation(violations, `carol's feed misses ${A1}`);
  });

  it('judges a read of posts across a block only when no block can have been in force', () => {
    const violations = violationsOf(({ ops }) => {
      // Before the block: bob must see carol's post.
      ops.push(op({ client: 'bob', kind: 'posts', target: 'carol', posts: [], complete: true, start: 63, end: 64 }));
    });
    expectViolation(violations, `stale read: bob's read of carol's posts [63] misses ${C1}`);
  });

  it('counts refusals across a block as answers, not failures', () => {
    const { ops } = goodHistory();
    // Only carol's unanswered favourite: bob's follow refused with 403 across the block is the right answer.
    assert.deepEqual(
      failedRequests(ops).map((o) => `${o.client} ${o.kind} ${o.outcome}`),
      ['carol favourite unknown'],
    );
    ops.push(op({ client: 'bob', kind: 'follow', target: 'carol', outcome: 'failed', status: 401, start: 98, end: 99 }));
    ops.push(op({ client: 'bob', kind: 'status', target: 'carol', statusId: C1, outcome: 'failed', status: 404, start: 98, end: 99 }));
    assert.deepEqual(
      failedRequests(ops).map((o) => `${o.client} ${o.kind} ${o.outcome}`),
      ['carol favourite unknown', 'bob follow failed'],
    );
  });
});

describe('chaos clients reading issue 11 entities', () => {
  it('reads a reblog as the wrapper naming its original, and a notification by its actor and original', () => {
    const original = { id: A1, content: '<p>chaos post alice-1</p>', account: { username: 'alice' } };
    assert.deepEqual(postRef({ id: R1, content: '', account: { username: 'bob' }, reblog: original }), r1);
    assert.deepEqual(
      notificationRef({ id: '7', type: 'reblog', account: { username: 'bob' }, status: original }),
      note(7, 'reblog', 'bob', A1),
    );
    assert.deepEqual(
      notificationRef({ id: '8', type: 'reblog', account: { username: 'bob' }, status: { id: R1, reblog: original } }),
      note(8, 'reblog', 'bob', A1),
    );
    assert.deepEqual(
      notificationRef({ id: '9', type: 'follow', account: { username: 'carol' }, status: null }),
      note(9, 'follow', 'carol'),
    );
  });
});
