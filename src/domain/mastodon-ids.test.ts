import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  accountId,
  MASTODON_PAGE_MAX,
  parseAccountPage,
  parseStatusPage,
  postIdOf,
  serviceCursor,
  statusId,
  trimPage,
  usernameOf,
} from './mastodon-ids.js';
import { decodeCursor } from './page.js';
import { isPostId, newPostId } from './post.js';

const SEED = 20261201;
const TIME_MAX = 36 ** 9 - 1;

/** Tusky's order: by length, then as text. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

const postIdArb = fc.string({ unit: fc.constantFrom(...'0123456789abcdefghijklmnopqrstuvwxyz'), minLength: 17, maxLength: 17 });
const postArb = fc.record({
  ms: fc.integer({ min: 0, max: TIME_MAX }),
  digits: fc.array(fc.integer({ min: 0, max: 35 }), { minLength: 8, maxLength: 8 }),
});
const makePostId = ({ ms, digits }: { ms: number; digits: number[] }) => {
  let i = 0;
  return newPostId(ms, () => (digits[i++]! + 0.5) / 36);
};

describe('status ids', () => {
  const edges = ['00000000000000000', 'zzzzzzzzzzzzzzzzz', '0000000000000000z', 'z0000000000000000', newPostId(Date.now())];

  it('round-trip every post id, edge cases and random ones', () => {
    for (const id of edges) assert.equal(postIdOf(statusId(id)), id);
    fc.assert(
      fc.property(postIdArb, (id) => postIdOf(statusId(id)) === id),
      { seed: SEED, numRuns: 5000 },
    );
  });

  it('are 27-digit decimals without a leading zero, whatever the post id', () => {
    assert.equal(statusId('zzzzzzzzzzzzzzzzz'), '100000000000000000000000000');
    assert.equal(statusId('00000000000000000'), (10n ** 26n + 36n ** 17n - 1n).toString());
    fc.assert(
      fc.property(postIdArb, (id) => /^[1-9][0-9]{26}$/.test(statusId(id))),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('reverse the post id order, so newer posts compare greater by length then text', () => {
    fc.assert(
      fc.property(
        postIdArb,
        postIdArb,
        (a, b) => Math.sign(compareIds(statusId(a), statusId(b))) === -Math.sign(a < b ? -1 : a > b ? 1 : 0),
      ),
      { seed: SEED, numRuns: 5000 },
    );
    fc.assert(
      fc.property(postArb, postArb, (a, b) => {
        fc.pre(a.ms !== b.ms);
        const [older, newer] = a.ms < b.ms ? [a, b] : [b, a];
        return compareIds(statusId(makePostId(newer)), statusId(makePostId(older))) > 0;
      }),
      { seed: SEED, numRuns: 5000 },
    );
  });

  it('grow with the timestamp: a post made 1 ms later has an id about 36^8 greater', () => {
    const zeros = () => 0;
    const a = BigInt(statusId(newPostId(1_700_000_000_000, zeros)));
    const b = BigInt(statusId(newPostId(1_700_000_000_001, zeros)));
    assert.equal(b - a, 36n ** 8n);
    assert.equal(a, 10n ** 26n + 1_700_000_000_000n * 36n ** 8n + 36n ** 8n - 1n);
  });

  it('reject anything that is not exactly the image of a post id', () => {
    const last = (10n ** 26n + 36n ** 17n - 1n).toString();
    const notIds: unknown[] = [
      undefined,
      null,
      123,
      1e26,
      '',
      '1',
      '99999999999999999999999999',
      '099999999999999999999999999',
      ' 100000000000000000000000000',
      '100000000000000000000000000 ',
      '+00000000000000000000000000',
      '1000000000000000000000000000',
      (BigInt(last) + 1n).toString(),
      '999999999999999999999999999',
      '10000000000000000000000000a',
      '１00000000000000000000000000',
      ['100000000000000000000000000'],
      'zzzzzzzzzzzzzzzzz',
    ];
    for (const input of notIds) assert.equal(postIdOf(input), undefined, String(input));
    assert.equal(postIdOf(last), '00000000000000000');
    fc.assert(
      fc.property(fc.string(), (s) => {
        const id = postIdOf(s);
        return id === undefined || (isPostId(id) && statusId(id) === s);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('statusId refuses what is not a post id', () => {
    assert.throws(() => statusId('ABC'), TypeError);
    assert.throws(() => statusId('0000000000000000'), TypeError);
  });
});

describe('account ids', () => {
  const usernameArb = fc.string({ unit: fc.constantFrom(...'0123456789_abcdefghijklmnopqrstuvwxyz'), minLength: 3, maxLength: 30 });

  it('round-trip every username, edge cases and random ones', () => {
    for (const name of ['000', '___', 'zzz', 'alice', 'a'.repeat(30), 'z'.repeat(30), '_'.repeat(30), '0'.repeat(30)]) {
      const id = accountId(name);
      assert.match(id, /^[1-9][0-9]*$/);
      assert.equal(usernameOf(id), name);
    }
    fc.assert(
      fc.property(usernameArb, (name) => usernameOf(accountId(name)) === name),
      { seed: SEED, numRuns: 5000 },
    );
  });

  it('are distinct for distinct usernames and at most 48 digits', () => {
    assert.ok(accountId('z'.repeat(30)).length <= 48);
    fc.assert(
      fc.property(usernameArb, usernameArb, (a, b) => (a === b) === (accountId(a) === accountId(b))),
      { seed: SEED, numRuns: 5000 },
    );
  });

  it('reject anything that is not exactly an account id', () => {
    const tooShort = accountId('abc');
    for (const input of [
      undefined,
      7,
      '',
      '0',
      '1',
      '37',
      '01406',
      ` ${tooShort}`,
      `${tooShort}x`,
      '9'.repeat(49),
      (BigInt(accountId('z'.repeat(30))) + 1n).toString(),
    ]) {
      assert.equal(usernameOf(input), undefined, String(input));
    }
    fc.assert(
      fc.property(fc.string(), (s) => {
        const name = usernameOf(s);
        return name === undefined || accountId(name) === s;
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('accountId refuses what is not a username', () => {
    for (const bad of ['ab', 'Alice', 'al ice', 'a'.repeat(31)]) assert.throws(() => accountId(bad), TypeError, bad);
  });
});

describe('status pagination', () => {
  const ids = Array.from({ length: 6 }, (_, i) => newPostId(1_700_000_000_000 - i * 1000, () => 0.5));
  const posts = ids.map((id) => ({ id }));

  it('defaults to 20, lowers past 40, refuses what is not a whole number', () => {
    assert.equal(parseStatusPage({}).limit, 20);
    assert.equal(parseStatusPage({ limit: '' }).limit, 20);
    assert.equal(parseStatusPage({ limit: '5' }).limit, 5);
    assert.equal(parseStatusPage({ limit: '40' }).limit, 40);
    assert.equal(parseStatusPage({ limit: '1000' }).limit, MASTODON_PAGE_MAX);
    for (const limit of ['0', '-1', 'ten', '2.5', ['5'], 0]) {
      assert.throws(() => parseStatusPage({ limit }), { code: 'invalid', field: 'limit' }, String(limit));
    }
  });

  it('maps max_id to the existing cursor: strictly after its post id', () => {
    const page = parseStatusPage({ max_id: statusId(ids[2]!), limit: '2' });
    assert.deepEqual(page, { limit: 2, after: ids[2], newerThan: undefined, adjacent: false });
    const { limit, cursor } = serviceCursor(page);
    assert.equal(limit, 2);
    assert.equal(decodeCursor(cursor, isPostId), ids[2]);
    assert.deepEqual(serviceCursor(parseStatusPage({})), { limit: 20, cursor: undefined });
  });

  it('refuses ids that are not status ids, naming the parameter', () => {
    for (const name of ['max_id', 'since_id', 'min_id'] as const) {
      for (const bad of ['abc', '12', ids[0], ['1']]) {
        assert.throws(() => parseStatusPage({ [name]: bad }), { code: 'invalid', field: name }, `${name}=${bad}`);
      }
    }
  });

  it('serves since_id by cutting the newest page at it, exactly', () => {
    const page = parseStatusPage({ since_id: statusId(ids[3]!) });
    assert.deepEqual(page, { limit: 20, after: undefined, newerThan: ids[3], adjacent: false });
    assert.deepEqual(trimPage(page, posts, false), { items: posts.slice(0, 3), exact: true });
    const small = parseStatusPage({ since_id: statusId(ids[5]!), limit: '2' });
    assert.deepEqual(trimPage(small, posts.slice(0, 2), true), { items: posts.slice(0, 2), exact: true });
  });

  it('prefers min_id to since_id and says when it cannot serve min_id exactly', () => {
    const page = parseStatusPage({ min_id: statusId(ids[4]!), since_id: statusId(ids[1]!), limit: '2' });
    assert.deepEqual(page, { limit: 2, after: undefined, newerThan: ids[4], adjacent: true });
    // Four posts are newer than min_id but the page holds two, and more follow: Mastodon would give ids[2..3].
    assert.deepEqual(trimPage(page, posts.slice(0, 2), true), { items: posts.slice(0, 2), exact: false });
    const wide = parseStatusPage({ min_id: statusId(ids[2]!), limit: '3' });
    assert.deepEqual(trimPage(wide, posts.slice(0, 3), true), { items: posts.slice(0, 2), exact: true });
    assert.deepEqual(trimPage(wide, posts.slice(0, 1), false), { items: posts.slice(0, 1), exact: true });
  });

  it('combines max_id with since_id', () => {
    const page = parseStatusPage({ max_id: statusId(ids[0]!), since_id: statusId(ids[3]!) });
    assert.equal(page.after, ids[0]);
    assert.deepEqual(trimPage(page, posts.slice(1), false).items, posts.slice(1, 3));
  });
});

describe('account pagination', () => {
  it('maps max_id to the username cursor and ignores since_id and min_id', () => {
    assert.deepEqual(parseAccountPage({}), { limit: 20, after: undefined });
    assert.deepEqual(parseAccountPage({ max_id: accountId('bob'), limit: '3' }), { limit: 3, after: 'bob' });
    assert.deepEqual(parseAccountPage({ since_id: accountId('bob'), min_id: '1' }), { limit: 20, after: undefined });
    assert.throws(() => parseAccountPage({ max_id: '1' }), { code: 'invalid', field: 'max_id' });
  });
});
