import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHistory } from '../../chaos/checker.js';
import { faultFigures } from '../../chaos/figures.js';
import { compareStatusIds, type FinalState, type Op } from '../../chaos/history.js';
import { postRef, textOf } from '../../chaos/mastodon.js';
import { nextLink, pathOf } from '../../chaos/web-pool.js';

/**
 * The checker is only worth its run if it can fail: each history below
 * breaks one guarantee, and the checker must name it; the good history
 * must pass.
 */
let nextId = 0;
/** A status id: 27 decimal digits, a newer post's greater. */
const sid = (n: number) => (10n ** 26n + BigInt(n)).toString();
/** alice-1's id, and alice-2's (posted later, so greater). */
const A1 = sid(100);
const A2 = sid(200);
const op = (fields: Partial<Op> & Pick<Op, 'client' | 'kind' | 'start' | 'end'>): Op => ({
  id: nextId++,
  outcome: 'ok',
  status: 200,
  ...fields,
});

const post = (client: string, key: string, id: string, start: number, end: number, outcome: Op['outcome'] = 'ok') =>
  op({
    client,
    kind: 'post',
    key,
    text: `chaos post ${key}`,
    postId: outcome === 'ok' ? id : undefined,
    start,
    end,
    outcome,
    status: outcome === 'ok' ? 201 : 0,
  });
const ref = (author: string, key: string, id: string) => ({ id, author, text: `chaos post ${key}` });

/** alice posts twice (one retried after no answer), bob follows her and reads her posts in his feed. */
function goodHistory(): { ops: Op[]; final: FinalState } {
  const ops = [
    post('alice', 'alice-1', A1, 0, 10),
    post('alice', 'alice-2', A2, 20, 30, 'unknown'),
    post('alice', 'alice-2', A2, 40, 50),
    op({ client: 'bob', kind: 'follow', target: 'alice', start: 5, end: 15 }),
    op({ client: 'bob', kind: 'relationships', relationships: { alice: true }, start: 16, end: 18 }),
    op({
      client: 'bob',
      kind: 'feed',
      posts: [ref('alice', 'alice-2', A2), ref('alice', 'alice-1', A1)],
      complete: true,
      start: 60,
      end: 70,
    }),
    op({ client: 'carol', kind: 'posts', target: 'alice', posts: [ref('alice', 'alice-1', A1)], complete: true, start: 12, end: 19 }),
    op({ client: 'carol', kind: 'profile', target: 'alice', counts: { posts: 2, following: 0, followers: 1 }, start: 55, end: 58 }),
    op({ client: 'bob', kind: 'logout', token: 't1', start: 80, end: 90 }),
    op({ client: 'bob', kind: 'revoked', token: 't1', outcome: 'failed', status: 401, start: 91, end: 92 }),
  ];
  const final: FinalState = {
    at: 100,
    users: {
      alice: { posts: [ref('alice', 'alice-2', A2), ref('alice', 'alice-1', A1)], following: [], feed: [] },
      bob: { posts: [], following: ['alice'], feed: [ref('alice', 'alice-2', A2), ref('alice', 'alice-1', A1)] },
      carol: { posts: [], following: [], feed: [] },
    },
  };
  return { ops, final };
}

function violationsOf(change: (h: { ops: Op[]; final: FinalState }) => void): string[] {
  const history = goodHistory();
  change(history);
  return checkHistory(history.ops, history.final).violations;
}

describe('chaos history checker', () => {
  it('passes a history where every guarantee held', () => {
    const { ops, final } = goodHistory();
    const result = checkHistory(ops, final);
    assert.deepEqual(result.violations, []);
    assert.equal(result.postsAcknowledged, 2);
    assert.equal(result.edgesChecked, 1);
  });

  it('finds a lost write: an acknowledged post missing from the final state', () => {
    const violations = violationsOf(({ final }) => {
      final.users.alice!.posts = final.users.alice!.posts.filter((p) => p.id !== A1);
      final.users.bob!.feed = final.users.bob!.feed.filter((p) => p.id !== A1);
    });
    assert.ok(
      violations.some((v) => v.startsWith('lost write: post alice-1')),
      violations.join('\n'),
    );
  });

  it('finds a duplicate: a retried post stored twice', () => {
    const violations = violationsOf(({ final }) => {
      final.users.alice!.posts.push(ref('alice', 'alice-2', sid(50)));
      final.users.bob!.feed.push(ref('alice', 'alice-2', sid(50)));
    });
    assert.ok(
      violations.some((v) => v.startsWith('duplicate post: "chaos post alice-2" stored 2 times')),
      violations.join('\n'),
    );
  });

  it('finds a duplicate: retries of one key acknowledged with two ids', () => {
    const violations = violationsOf(({ ops }) => {
      ops.push(post('alice', 'alice-2', sid(900), 51, 52));
    });
    assert.ok(
      violations.some((v) => v.includes('retries of key alice-2 were acknowledged with different ids')),
      violations.join('\n'),
    );
  });

  it('finds a phantom: a stored post that no client attempted', () => {
    const violations = violationsOf(({ final }) => {
      final.users.alice!.posts.push(ref('alice', 'alice-7', sid(70)));
    });
    assert.ok(
      violations.some((v) => v.startsWith('phantom post')),
      violations.join('\n'),
    );
  });

  it('finds a post stored although every attempt was refused', () => {
    const violations = violationsOf(({ ops, final }) => {
      ops.push(
        op({
          client: 'alice',
          kind: 'post',
          key: 'alice-3',
          text: 'chaos post alice-3',
          outcome: 'failed',
          status: 401,
          start: 60,
          end: 61,
        }),
      );
      final.users.alice!.posts.unshift(ref('alice', 'alice-3', sid(300)));
      final.users.bob!.feed.unshift(ref('alice', 'alice-3', sid(300)));
    });
    assert.ok(
      violations.some((v) => v.startsWith('refused post stored')),
      violations.join('\n'),
    );
  });

  it('finds a stale read: a read of posts that misses one acknowledged before it began', () => {
    const violations = violationsOf(({ ops }) => {
      ops.push(
        op({ client: 'carol', kind: 'posts', target: 'alice', posts: [ref('alice', 'alice-1', A1)], complete: true, start: 56, end: 57 }),
      );
    });
    assert.ok(
      violations.some((v) => v.startsWith(`stale read: carol's read of alice's posts [56] misses ${A2}`)),
      violations.join('\n'),
    );
  });

  it('counts the reads it judged against acknowledged posts, and those begun soon after the acknowledgement', () => {
    const { ops, final } = goodHistory();
    // bob's feed judges alice-1 and alice-2 (10 ms after its ack), carol's posts alice-1 (2 ms), her profile both (45 and 5 ms).
    assert.deepEqual(checkHistory(ops, final).readsJudged, { judged: 5, soon: 4 });
  });

  it('lets a timeline miss a post not yet acknowledged when it began, even one an earlier read showed', () => {
    // The promise of these reads is acknowledged writes only: alice-2 is acknowledged at 50.
    const history = goodHistory();
    history.ops.push(
      op({ client: 'bob', kind: 'posts', target: 'alice', posts: [ref('alice', 'alice-2', A2)], complete: false, start: 42, end: 44 }),
      op({ client: 'carol', kind: 'posts', target: 'alice', posts: [ref('alice', 'alice-1', A1)], complete: true, start: 45, end: 47 }),
    );
    assert.deepEqual(checkHistory(history.ops, history.final).violations, []);
  });

  it('judges an incomplete page only where it reaches: newer status ids are greater', () => {
    // A first page holding only alice-1 (older) would have had to show alice-2 (newer, greater id) above it.
    const violations = violationsOf(({ ops }) => {
      ops.push(
        op({ client: 'carol', kind: 'posts', target: 'alice', posts: [ref('alice', 'alice-1', A1)], complete: false, start: 56, end: 57 }),
      );
    });
    assert.ok(
      violations.some((v) => v.startsWith(`stale read: carol's read of alice's posts [56] misses ${A2}`)),
      violations.join('\n'),
    );
    // A page that stops at alice-2 says nothing about alice-1, which is older than all it shows.
    const history = goodHistory();
    history.ops.push(
      op({ client: 'carol', kind: 'posts', target: 'alice', posts: [ref('alice', 'alice-2', A2)], complete: false, start: 56, end: 57 }),
    );
    assert.deepEqual(checkHistory(history.ops, history.final).violations, []);
  });

  it('finds a list of statuses that is not newest first', () => {
    const violations = violationsOf(({ ops }) => {
      ops.push(
        op({
          client: 'carol',
          kind: 'posts',
          target: 'alice',
          posts: [ref('alice', 'alice-1', A1), ref('alice', 'alice-2', A2)],
          complete: true,
          start: 56,
          end: 57,
        }),
      );
    });
    assert.ok(
      violations.some((v) => v.startsWith(`carol's posts read at 56 is not newest first: ${A1} before ${A2}`)),
      violations.join('\n'),
    );
  });

  it('finds a stale read: a feed that misses a post of someone certainly followed', () => {
    const violations = violationsOf(({ ops }) => {
      ops.push(op({ client: 'bob', kind: 'feed', posts: [ref('alice', 'alice-2', A2)], complete: true, start: 61, end: 62 }));
    });
    assert.ok(
      violations.some((v) => v.startsWith(`stale read: bob's feed [61] misses ${A1}`)),
      violations.join('\n'),
    );
  });

  it('finds a stale read: a profile counting fewer posts than were acknowledged', () => {
    const violations = violationsOf(({ ops }) => {
      ops.push(
        op({ client: 'carol', kind: 'profile', target: 'alice', counts: { posts: 1, following: 0, followers: 1 }, start: 59, end: 60 }),
      );
    });
    assert.ok(
      violations.some((v) => v.includes('profile at 59 with 1 posts, after 2 were acknowledged')),
      violations.join('\n'),
    );
  });

  it('finds a follow edge that is not linearizable: a read misses an acknowledged follow', () => {
    const violations = violationsOf(({ ops }) => {
      ops.push(op({ client: 'bob', kind: 'relationships', relationships: { alice: false }, start: 19, end: 20 }));
    });
    assert.ok(
      violations.some((v) => v.startsWith('follow edge bob→alice is not linearizable')),
      violations.join('\n'),
    );
  });

  it('reads nothing into an account missing from a relationships answer', () => {
    const history = goodHistory();
    history.ops.push(op({ client: 'bob', kind: 'relationships', relationships: {}, start: 19, end: 20 }));
    assert.deepEqual(checkHistory(history.ops, history.final).violations, []);
  });

  it('finds an acknowledged unfollow that the final state does not reflect', () => {
    const violations = violationsOf(({ ops }) => {
      ops.push(op({ client: 'bob', kind: 'unfollow', target: 'alice', start: 72, end: 75 }));
    });
    assert.ok(
      violations.some((v) => v.startsWith('follow edge bob→alice is not linearizable')),
      violations.join('\n'),
    );
  });

  it('lets an unknown unfollow take effect or not', () => {
    const history = goodHistory();
    history.ops.push(op({ client: 'bob', kind: 'unfollow', target: 'alice', outcome: 'unknown', status: 503, start: 72, end: 75 }));
    assert.deepEqual(checkHistory(history.ops, history.final).violations, []);
    history.final.users.bob!.following = [];
    history.final.users.bob!.feed = [];
    assert.deepEqual(checkHistory(history.ops, history.final).violations, []);
  });

  it('finds a feed showing a post of someone not followed', () => {
    const violations = violationsOf(({ final }) => {
      final.users.carol!.feed = [ref('alice', 'alice-1', A1)];
    });
    assert.ok(
      violations.some((v) => v.startsWith(`carol's feed shows ${A1}`)),
      violations.join('\n'),
    );
  });

  it('finds a logged-out token that still worked', () => {
    const violations = violationsOf(({ ops }) => {
      ops.push(op({ client: 'bob', kind: 'revoked', token: 't1', status: 200, start: 93, end: 94 }));
    });
    assert.ok(
      violations.some((v) => v.startsWith("logged-out token worked: bob's revoked at 93")),
      violations.join('\n'),
    );
  });
});

describe('chaos figures', () => {
  it('counts failed requests and the write gap of a fault', () => {
    const ops = [
      post('alice', 'a-1', sid(1), 0, 10),
      post('alice', 'a-2', sid(2), 12, 20, 'unknown'),
      post('alice', 'a-2', sid(2), 30, 45),
      post('alice', 'a-3', sid(3), 46, 50),
    ];
    const [f] = faultFigures(ops, [{ name: 'kill-etcd-leader', target: 'etcd-1', start: 15, healed: 40 }]);
    assert.equal(f!.failedRequests, 1);
    assert.equal(f!.longestWriteGapMs, 30);
    assert.equal(f!.firstWriteMs, 30);
  });
});

describe('chaos clients reading Mastodon answers', () => {
  it('reads a post back from a Status: text from its HTML content, author from its account', () => {
    assert.deepEqual(postRef({ id: A1, content: '<p>chaos post alice-1</p>', account: { id: '1', username: 'alice' } }), {
      id: A1,
      author: 'alice',
      text: 'chaos post alice-1',
    });
    assert.equal(textOf('<p>a &amp; &lt;b&gt;<br>c &quot;d&quot; &#39;e&#39;</p><p>f</p>'), 'a & <b>\nc "d" \'e\'\n\nf');
  });

  it('follows a Link header to the next page only', () => {
    const next = `http://127.0.0.1:8080/api/v1/timelines/home?limit=40&max_id=${A1}`;
    assert.equal(nextLink(`<${next}>; rel="next", <http://127.0.0.1:8080/api/v1/timelines/home?min_id=${A2}>; rel="prev"`), next);
    assert.equal(nextLink(`<http://127.0.0.1:8080/x?min_id=${A2}>; rel="prev"`), undefined);
    assert.equal(nextLink(null), undefined);
    assert.equal(pathOf(next), `/api/v1/timelines/home?limit=40&max_id=${A1}`);
  });

  it('orders status ids numerically', () => {
    assert.ok(compareStatusIds(A2, A1) > 0);
    assert.ok(compareStatusIds('99', '100') < 0);
    assert.equal(compareStatusIds(A1, A1), 0);
  });
});
