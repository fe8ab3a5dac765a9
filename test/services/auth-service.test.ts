import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import type { KV } from '../../src/kv/kv.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { OWASP_ARGON2ID, PasswordHasher } from '../../src/services/auth/password.js';
import { hashToken, isTokenShape, newToken } from '../../src/services/tokens.js';
import { dumpStore, forEachEngine } from '../helpers/engines.js';
import { eventually } from '../helpers/eventually.js';
import { FAST_HASHING, rejectsWith } from '../helpers/fixtures.js';

/** Cheap Argon2id so the suite stays fast; one test below uses the real parameters. */
const PASSWORD = 'correct horse battery';

/** A KV that counts calls, to prove some requests never reach the store. */
function countingKV(kv: KV): { kv: KV; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(kv, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { kv: proxy, calls: () => calls };
}

describe('tokens', () => {
  it('are 32 random bytes in base64url, stored as SHA-256 hex', () => {
    const a = newToken();
    const b = newToken();
    assert.notEqual(a.token, b.token);
    assert.equal(Buffer.from(a.token, 'base64url').length, 32);
    assert.ok(isTokenShape(a.token));
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.equal(a.hash, hashToken(a.token));
    assert.ok(!isTokenShape(`${a.token}=`));
    assert.ok(!isTokenShape(a.token.slice(1)));
    assert.ok(!isTokenShape(42));
  });
});

describe('PasswordHasher', () => {
  it('uses OWASP Argon2id parameters by default and flags weaker hashes for rehash', async () => {
    const strong = new PasswordHasher();
    const weak = new PasswordHasher(FAST_HASHING);
    const phc = await strong.hash(PASSWORD);
    assert.match(phc, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.deepEqual(strong.params, OWASP_ARGON2ID);
    assert.equal(await strong.verify(phc, PASSWORD), true);
    assert.equal(await strong.verify(phc, 'wrong password'), false);
    assert.equal(strong.needsRehash(phc), false);
    assert.equal(strong.needsRehash(await weak.hash(PASSWORD)), true);
    assert.equal(strong.needsRehash('not a hash'), true);
    assert.equal(await strong.verify('not a hash', PASSWORD), false);
    assert.equal(await strong.verifyDummy(PASSWORD), false);
  });
});

forEachEngine((engine) => {
  async function setup(options: { sessionTtlSeconds?: number; sessionIdleSeconds?: number; now?: () => number } = {}) {
    const store = await engine.open({ now: options.now });
    const auth = new AuthService({ kv: store.kv, keys: store.keys, passwordHashing: FAST_HASHING, ...options });
    return { ...store, auth };
  }

  it('signs up: canonical username, a working token, only hashes stored', async () => {
    const { kv, keys, auth, close } = await setup({ now: () => 1_000 });
    try {
      const session = await auth.signUp('Alice_1', PASSWORD);
      assert.deepEqual(session.account, { username: 'alice_1', createdAtMs: 1_000 });
      assert.ok(isTokenShape(session.token));
      assert.deepEqual(await auth.authenticate(session.token), session.account);

      const stored = await dumpStore({ kv, keys });
      assert.deepEqual(
        stored.map((e) => e.key).sort(),
        [keys.account('alice_1'), keys.session(hashToken(session.token)), keys.userSession('alice_1', hashToken(session.token))].sort(),
      );
      const account = JSON.parse(stored.find((e) => e.key === keys.account('alice_1'))!.value);
      assert.equal(account.username, 'alice_1');
      assert.match(account.passwordHash, /^\$argon2id\$/);
      for (const entry of stored) {
        assert.ok(!entry.key.includes(session.token) && !entry.value.includes(session.token), 'token stored in clear');
        assert.ok(!entry.value.includes(PASSWORD), 'password stored in clear');
      }
      const sessionEntry = await kv.get(keys.session(hashToken(session.token)));
      assert.notEqual(sessionEntry?.lease, '0', 'session must live on a lease');
    } finally {
      await close();
    }
  });

  it('refuses a taken username regardless of case', async () => {
    const { kv, keys, auth, close } = await setup();
    try {
      await auth.signUp('bob', PASSWORD);
      const before = await dumpStore({ kv, keys });
      await assert.rejects(auth.signUp('BOB', 'another password'), rejectsWith('conflict', 'That username is taken.'));
      assert.deepEqual(await dumpStore({ kv, keys }), before);
    } finally {
      await close();
    }
  });

  it('rejects invalid input and writes nothing', async () => {
    const { kv, keys, auth, close } = await setup();
    try {
      await assert.rejects(auth.signUp('ab', PASSWORD), rejectsWith('invalid', undefined, 'username'));
      await assert.rejects(auth.signUp('a b c', PASSWORD), rejectsWith('invalid', undefined, 'username'));
      await assert.rejects(auth.signUp('x'.repeat(31), PASSWORD), rejectsWith('invalid', undefined, 'username'));
      await assert.rejects(auth.signUp('carol', 'short'), rejectsWith('invalid', undefined, 'password'));
      await assert.rejects(auth.signUp('carol', 'x'.repeat(257)), rejectsWith('invalid', undefined, 'password'));
      await assert.rejects(auth.signUp(42 as unknown as string, PASSWORD), rejectsWith('invalid'));
      assert.deepEqual(await dumpStore({ kv, keys }), []);
    } finally {
      await close();
    }
  });

  it('logs in with a new token; wrong password and unknown user get the same answer', async () => {
    const { auth, close } = await setup();
    try {
      const first = await auth.signUp('dave', PASSWORD);
      const second = await auth.logIn('DAVE', PASSWORD);
      assert.notEqual(second.token, first.token);
      assert.equal(second.account.username, 'dave');
      assert.equal((await auth.authenticate(second.token)).username, 'dave');
      assert.equal((await auth.authenticate(first.token)).username, 'dave');

      const same = rejectsWith('unauthenticated', 'Wrong username or password.');
      await assert.rejects(auth.logIn('dave', 'wrong password'), same);
      await assert.rejects(auth.logIn('nobody', PASSWORD), same);
      await assert.rejects(auth.logIn('no', PASSWORD), same);
      await assert.rejects(auth.logIn('dave', 'x'.repeat(10_000)), same);
      await assert.rejects(auth.logIn('dave', undefined as unknown as string), same);
    } finally {
      await close();
    }
  });

  it('logs out one session; an unknown or malformed token is a no-op', async () => {
    const { kv, keys, auth, close } = await setup();
    try {
      const a = await auth.signUp('erin', PASSWORD);
      const b = await auth.logIn('erin', PASSWORD);
      await auth.logOut(a.token);
      await assert.rejects(auth.authenticate(a.token), rejectsWith('unauthenticated'));
      assert.equal((await auth.authenticate(b.token)).username, 'erin');
      assert.equal(await kv.get(keys.session(hashToken(a.token))), undefined);
      assert.equal(await kv.get(keys.userSession('erin', hashToken(a.token))), undefined);

      await auth.logOut(a.token);
      await auth.logOut(newToken().token);
      await auth.logOut('not a token');
      await auth.logOut(undefined as unknown as string);
      assert.equal((await auth.authenticate(b.token)).username, 'erin');
    } finally {
      await close();
    }
  });

  it('logs out everywhere', async () => {
    const { kv, keys, auth, close } = await setup();
    try {
      const tokens = [(await auth.signUp('frank', PASSWORD)).token];
      for (let i = 0; i < 3; i++) tokens.push((await auth.logIn('frank', PASSWORD)).token);
      const other = await auth.signUp('grace', PASSWORD);
      await auth.logOutEverywhere(tokens[2]!);
      for (const token of tokens) await assert.rejects(auth.authenticate(token), rejectsWith('unauthenticated'));
      assert.equal(await kv.count(keys.userSessionsPrefix('frank')), 0);
      assert.equal((await auth.authenticate(other.token)).username, 'grace');
      await assert.rejects(auth.logOutEverywhere(tokens[0]!), rejectsWith('unauthenticated'));
      assert.equal((await auth.logIn('frank', PASSWORD)).account.username, 'frank');
    } finally {
      await close();
    }
  });

  it('changes the password: keeps this session, ends the others, old password stops working', async () => {
    const { auth, close } = await setup();
    try {
      const here = await auth.signUp('heidi', PASSWORD);
      const elsewhere = await auth.logIn('heidi', PASSWORD);
      const NEW = 'a much better password';

      await assert.rejects(
        auth.changePassword(here.token, 'not my password', NEW),
        rejectsWith('unauthenticated', 'Current password is wrong.', 'currentPassword'),
      );
      await assert.rejects(auth.changePassword(here.token, PASSWORD, 'short'), rejectsWith('invalid', undefined, 'newPassword'));
      await assert.rejects(auth.changePassword('bogus', PASSWORD, NEW), rejectsWith('unauthenticated'));
      // Failed attempts changed nothing.
      assert.equal((await auth.authenticate(elsewhere.token)).username, 'heidi');

      await auth.changePassword(here.token, PASSWORD, NEW);
      assert.equal((await auth.authenticate(here.token)).username, 'heidi');
      await assert.rejects(auth.authenticate(elsewhere.token), rejectsWith('unauthenticated'));
      await assert.rejects(auth.logIn('heidi', PASSWORD), rejectsWith('unauthenticated', 'Wrong username or password.'));
      assert.equal((await auth.logIn('heidi', NEW)).account.username, 'heidi');
    } finally {
      await close();
    }
  });

  it('refuses malformed tokens without touching the store', async () => {
    const { kv, keys, close } = await setup();
    try {
      const counting = countingKV(kv);
      const auth = new AuthService({ kv: counting.kv, keys, passwordHashing: FAST_HASHING });
      for (const token of ['', 'x', 'A'.repeat(42), `${'A'.repeat(42)}!`, 'A'.repeat(44), 42, null, undefined]) {
        await assert.rejects(auth.authenticate(token as string), rejectsWith('unauthenticated'));
        await assert.rejects(auth.logOutEverywhere(token as string), rejectsWith('unauthenticated'));
        await auth.logOut(token as string);
      }
      assert.equal(counting.calls(), 0);
      // A well-formed but unknown token is looked up, and refused.
      await assert.rejects(auth.authenticate(newToken().token), rejectsWith('unauthenticated'));
      assert.equal(counting.calls(), 1);
    } finally {
      await close();
    }
  });

  it('expires sessions after their TTL', { timeout: 60_000 }, async () => {
    if (engine.controlsTime) {
      let clock = 1_000_000;
      const { auth, close } = await setup({ now: () => clock, sessionTtlSeconds: 60 });
      try {
        const { token } = await auth.signUp('ivan', PASSWORD);
        clock += 59_000;
        assert.equal((await auth.authenticate(token)).username, 'ivan');
        clock += 2_000;
        await assert.rejects(auth.authenticate(token), rejectsWith('unauthenticated'));
      } finally {
        await close();
      }
    } else {
      // etcd expires leases by its own clock (and may round a short TTL up to its minimum).
      const { auth, close } = await setup({ sessionTtlSeconds: 2 });
      try {
        const { token } = await auth.signUp('ivan', PASSWORD);
        assert.equal((await auth.authenticate(token)).username, 'ivan');
        await eventually(
          () =>
            auth.authenticate(token).then(
              () => false,
              (error) => error instanceof DomainError && error.code === 'unauthenticated',
            ),
          { timeoutMs: 30_000, intervalMs: 200, what: 'the session lease to expire' },
        );
      } finally {
        await close();
      }
    }
  });

  it("lists the account's sessions with their user agents and revokes one by id", async () => {
    let clock = 1_000_000;
    const { kv, keys, auth, close } = await setup({ now: () => clock });
    try {
      const phone = await auth.signUp('sam', PASSWORD, undefined, 'Phone\u0000 Browser');
      clock += 1_000;
      const laptop = await auth.logIn('sam', PASSWORD, undefined, 'x'.repeat(500));
      await auth.signUp('other_user', PASSWORD);
      const seen = await auth.listSessions(phone.token);
      assert.deepEqual(
        seen.map(({ createdAtMs, lastSeenMs, userAgent, current }) => ({ createdAtMs, lastSeenMs, userAgent, current })),
        [
          { createdAtMs: 1_001_000, lastSeenMs: 1_001_000, userAgent: 'x'.repeat(200), current: false },
          { createdAtMs: 1_000_000, lastSeenMs: 1_000_000, userAgent: 'Phone Browser', current: true },
        ],
      );
      const laptopId = seen[0]!.id;
      assert.match(laptopId, /^[0-9a-f]{16}$/);
      assert.ok(
        !seen.some((s) => s.id === laptop.token || s.id === hashToken(laptop.token)),
        'an id is neither the token nor its stored hash',
      );
      for (const bad of ['', 'zz', laptopId.toUpperCase(), '0'.repeat(16)]) {
        await assert.rejects(auth.revokeSession(phone.token, bad), rejectsWith('not_found'));
      }
      // Another account's session cannot be named, even by its real id.
      const otherId = (await auth.listSessions((await auth.logIn('other_user', PASSWORD)).token))[0]!.id;
      await assert.rejects(auth.revokeSession(phone.token, otherId), rejectsWith('not_found'));

      await auth.revokeSession(phone.token, laptopId);
      await assert.rejects(auth.authenticate(laptop.token), rejectsWith('unauthenticated'));
      assert.equal(await kv.get(keys.userSession('sam', hashToken(laptop.token))), undefined);
      assert.deepEqual(
        (await auth.listSessions(phone.token)).map((s) => s.current),
        [true],
      );
      await assert.rejects(auth.listSessions(laptop.token), rejectsWith('unauthenticated'));
      await assert.rejects(auth.revokeSession(laptop.token, laptopId), rejectsWith('unauthenticated'));
    } finally {
      await close();
    }
  });

  it('ends a session left idle past the idle limit, keeping one in use alive with few writes', async () => {
    let clock = 1_000_000;
    const { kv, keys, auth, close } = await setup({ now: () => clock, sessionIdleSeconds: 400 });
    try {
      const idle = await auth.signUp('tess', PASSWORD);
      const busy = await auth.logIn('tess', PASSWORD);
      const busyKey = keys.session(hashToken(busy.token));
      const writtenAt = async () => (await kv.get(busyKey))!.modRevision;
      const first = await writtenAt();
      clock += 50_000;
      await auth.authenticate(busy.token);
      assert.equal(await writtenAt(), first, 'a use soon after the last is not written');
      clock += 60_000; // 110 s after the last write: past a quarter of the idle limit.
      await auth.authenticate(busy.token);
      const second = await writtenAt();
      assert.ok(second > first, 'last-seen is refreshed');
      assert.equal(JSON.parse((await kv.get(busyKey))!.value).lastSeenMs, 1_110_000);
      assert.equal(JSON.parse((await kv.get(keys.userSession('tess', hashToken(busy.token))))!.value).lastSeenMs, 1_110_000);
      for (let i = 0; i < 5; i++) {
        clock += 110_000;
        await auth.authenticate(busy.token);
      }
      // 660 s since sign-up, never used: past the 400 s idle limit.
      await assert.rejects(auth.authenticate(idle.token), rejectsWith('unauthenticated'));
      await eventually(async () => (await kv.get(keys.session(hashToken(idle.token)))) === undefined, {
        timeoutMs: 10_000,
        intervalMs: 200,
        what: 'the idle session to be revoked',
      });
      assert.equal((await auth.authenticate(busy.token)).username, 'tess');
      assert.equal((await auth.listSessions(busy.token)).length, 1);
      clock += 400_000;
      await assert.rejects(auth.authenticate(busy.token), rejectsWith('unauthenticated'));
    } finally {
      await close();
    }
  });

  it('lets exactly one of many concurrent sign-ups claim a username', async () => {
    const { kv, keys, auth, close } = await setup();
    try {
      const attempts = await Promise.allSettled(
        ['judy', 'Judy', 'JUDY', 'judY', 'jUdy', 'juDy'].map((name, i) => auth.signUp(name, `${PASSWORD} ${i}`)),
      );
      const winners = attempts.filter((a) => a.status === 'fulfilled');
      const losers = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
      assert.equal(winners.length, 1);
      for (const loser of losers) rejectsWith('conflict', 'That username is taken.')(loser.reason);
      // The losers' sessions were never written and their leases revoked.
      assert.equal(await kv.count(keys.userSessionsPrefix('judy')), 1);
      assert.equal(await kv.count(keys.accountsPrefix()), 1);
      const winner = (winners[0] as PromiseFulfilledResult<{ token: string }>).value;
      assert.equal((await auth.authenticate(winner.token)).username, 'judy');
    } finally {
      await close();
    }
  });

  it('rehashes a weaker password hash at login (OWASP parameters)', { timeout: 60_000 }, async () => {
    const { kv, keys, auth: weak, close } = await setup();
    try {
      await weak.signUp('mallory', PASSWORD);
      const before = JSON.parse((await kv.get(keys.account('mallory')))!.value);
      assert.match(before.passwordHash, /m=256,t=1,p=1/);

      const strong = new AuthService({ kv, keys });
      const session = await strong.logIn('mallory', PASSWORD);
      const after = JSON.parse((await kv.get(keys.account('mallory')))!.value);
      assert.match(after.passwordHash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      assert.equal(after.createdAtMs, before.createdAtMs);
      assert.equal((await strong.authenticate(session.token)).username, 'mallory');
      assert.equal((await strong.logIn('mallory', PASSWORD)).account.username, 'mallory');
      await assert.rejects(strong.logIn('mallory', 'wrong password'), rejectsWith('unauthenticated'));
      // Unknown users are checked against a dummy hash of the same cost.
      await assert.rejects(strong.logIn('nobody_here', PASSWORD), rejectsWith('unauthenticated', 'Wrong username or password.'));
    } finally {
      await close();
    }
  });
});

describe('AuthService errors', () => {
  it('turns an unexpected store failure into internal, keeping the cause', async () => {
    const cause = new Error('disk on fire');
    const broken = new Proxy({} as KV, {
      get: () => () => Promise.reject(cause),
    });
    const auth = new AuthService({ kv: broken, passwordHashing: FAST_HASHING });
    await assert.rejects(auth.authenticate(newToken().token), (error: unknown) => {
      assert.ok(error instanceof DomainError);
      assert.equal(error.code, 'internal');
      assert.equal(error.cause, cause);
      return true;
    });
  });
});
