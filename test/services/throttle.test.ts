import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { Throttle } from '../../src/services/auth/throttle.js';
import { dumpStore, forEachEngine } from '../helpers/engines.js';
import { FAST_HASHING } from '../helpers/fixtures.js';

function rateLimited(retryAfterMax: number) {
  return (error: unknown) => {
    assert.ok(error instanceof DomainError, String(error));
    assert.equal(error.code, 'rate_limited');
    assert.ok(error.rateLimit, 'carries the limit');
    assert.ok(error.rateLimit.retryAfterSeconds >= 1 && error.rateLimit.retryAfterSeconds <= retryAfterMax);
    return true;
  };
}

forEachEngine((engine) => {
  it('allows max attempts per window, then refuses until the next window', async () => {
    const { kv, keys, close } = await engine.open();
    let clock = 1_800_000_000_000; // a window boundary for 60 s windows
    const throttle = new Throttle({ kv, keys }, () => clock);
    const limit = { max: 3, windowSeconds: 60 };
    try {
      for (let i = 0; i < 3; i++) await throttle.hit('rule', '127.0.0.1', limit, 'slow down');
      clock += 10_000;
      await assert.rejects(throttle.hit('rule', '127.0.0.1', limit, 'slow down'), (e: unknown) => {
        assert.ok(rateLimited(60)(e));
        assert.deepEqual((e as DomainError).rateLimit, { limit: 3, windowSeconds: 60, retryAfterSeconds: 50 });
        assert.equal((e as DomainError).message, 'slow down');
        return true;
      });
      await throttle.hit('rule', '::1', limit, 'slow down');
      await throttle.hit('other-rule', '127.0.0.1', limit, 'slow down');
      clock += 50_000;
      await throttle.hit('rule', '127.0.0.1', limit, 'slow down');
    } finally {
      await close();
    }
  });

  it('counts concurrent attempts exactly, across instances sharing the store', async () => {
    const { kv, keys, close } = await engine.open();
    const throttles = [new Throttle({ kv, keys }, Date.now), new Throttle({ kv, keys }, Date.now)];
    const limit = { max: 5, windowSeconds: 3600 };
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => throttles[i % 2]!.hit('burst', 'subject', limit, 'no')),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as DomainError).code, 'rate_limited');
    } finally {
      await close();
    }
  });

  it('throttles logins per address and failed logins per account, and sign-ups per address, before any password work', async () => {
    const { kv, keys, close } = await engine.open();
    const auth = new AuthService({
      kv,
      keys,
      passwordHashing: FAST_HASHING,
      limits: {
        signUpPerIp: { max: 2, windowSeconds: 600 },
        logInPerIp: { max: 4, windowSeconds: 600 },
        logInPerAccount: { max: 2, windowSeconds: 600 },
      },
      sleep: async () => {},
    });
    try {
      await auth.signUp('alice', 'correct horse', '10.1.1.1');
      // Bad input is refused before it is counted, so it changes nothing.
      const before = await dumpStore({ kv, keys });
      await assert.rejects(auth.signUp('x', 'correct horse', '10.1.1.1'), { code: 'invalid' });
      assert.deepEqual(await dumpStore({ kv, keys }), before);
      await auth.signUp('bob', 'correct horse', '10.1.1.1');
      await assert.rejects(auth.signUp('carol', 'correct horse', '10.1.1.1'), rateLimited(600));
      await auth.signUp('carol', 'correct horse', '10.2.2.2');

      // Successes do not count against the account; failures do, from any address.
      await auth.logIn('alice', 'correct horse', '10.3.3.3');
      await assert.rejects(auth.logIn('alice', 'wrong password', '10.3.3.3'), { code: 'unauthenticated' });
      await assert.rejects(auth.logIn('alice', 'wrong password', '10.4.4.4'), { code: 'unauthenticated' });
      await assert.rejects(auth.logIn('alice', 'correct horse', '10.5.5.5'), rateLimited(600));
      // 10.3.3.3 has made its 2 attempts; 2 more and the address is at its limit for every account.
      await auth.logIn('bob', 'correct horse', '10.3.3.3');
      await assert.rejects(auth.logIn('nobody', 'correct horse', '10.3.3.3'), { code: 'unauthenticated' });
      await assert.rejects(auth.logIn('carol', 'correct horse', '10.3.3.3'), rateLimited(600));
      await auth.logIn('carol', 'correct horse', '10.5.5.5');
    } finally {
      await close();
    }
  });
});
