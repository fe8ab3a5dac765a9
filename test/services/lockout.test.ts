/**
 * Lock-out resistance (issue 14): a flood of wrong passwords from one
 * address stops that address at that account without locking the owner
 * out from anywhere else, while a guess spread over many addresses is
 * delayed and then capped per account.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import { type AuthLimits, AuthService } from '../../src/services/auth/auth-service.js';
import { DELAY_MAX_MS, loginDelayMs } from '../../src/services/auth/login-guard.js';
import { Throttle } from '../../src/services/auth/throttle.js';
import { forEachEngine, type OpenedStore } from '../helpers/engines.js';
import { FAST_HASHING } from '../helpers/fixtures.js';

const PASSWORD = 'correct horse';

/** The production defaults (config.ts). */
const DEFAULTS: AuthLimits = {
  logInPerIp: { max: 25, windowSeconds: 300 },
  logInPerAccountAddress: { max: 10, windowSeconds: 900 },
  logInPerAccount: { max: 100, windowSeconds: 3600 },
};

/** An auth service whose login delays are recorded instead of waited. */
function authWith(store: OpenedStore, limits: AuthLimits, now = Date.now) {
  const delays: number[] = [];
  const auth = new AuthService({
    kv: store.kv,
    keys: store.keys,
    now,
    passwordHashing: FAST_HASHING,
    limits,
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
  return { auth, delays };
}

/** The outcome of one login, as a word: ok, wrong, or throttled. */
async function attempt(auth: AuthService, username: string, password: string, ip: string): Promise<string> {
  try {
    await auth.logIn(username, password, ip);
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof DomainError, String(error));
    if (error.code === 'unauthenticated') return 'wrong';
    if (error.code === 'rate_limited') return 'throttled';
    throw error;
  }
}

it('delays nothing until more than one address may fail, then doubles to a cap', () => {
  assert.deepEqual(
    [0, 9, 10, 11, 12, 13, 14, 100, 1e9].map((failures) => loginDelayMs(failures, 10)),
    [0, 0, 250, 500, 1000, DELAY_MAX_MS, DELAY_MAX_MS, DELAY_MAX_MS, DELAY_MAX_MS],
  );
});

forEachEngine((engine) => {
  it("25 wrong passwords for vic from one address do not keep vic's right password out from another", async () => {
    const store = await engine.open();
    const { auth, delays } = authWith(store, DEFAULTS);
    try {
      await auth.signUp('vic', PASSWORD);
      const flood: string[] = [];
      for (let i = 0; i < 25; i++) flood.push(await attempt(auth, 'vic', `guess number ${i}`, '203.0.113.66'));
      // The address is stopped at vic after 10 failures; the other 15 never reach a password check.
      assert.deepEqual(flood, [...Array(10).fill('wrong'), ...Array(15).fill('throttled')]);

      assert.equal(await attempt(auth, 'vic', PASSWORD, '198.51.100.7'), 'ok');
      assert.deepEqual(delays, [250], 'the owner waited a quarter second, and got in');
    } finally {
      await store.close();
    }
  });

  it('slows a guess spread over many addresses, then caps it per account, still letting a fresh address into other accounts', async () => {
    const store = await engine.open();
    const limits: AuthLimits = {
      logInPerIp: { max: 25, windowSeconds: 300 },
      logInPerAccountAddress: { max: 3, windowSeconds: 900 },
      logInPerAccount: { max: 9, windowSeconds: 3600 },
    };
    const { auth, delays } = authWith(store, limits);
    try {
      await auth.signUp('una', PASSWORD);
      await auth.signUp('val', PASSWORD);
      const outcomes: string[] = [];
      for (let host = 1; host <= 4; host++) {
        for (let i = 0; i < 3; i++) outcomes.push(await attempt(auth, 'una', `guess ${host}.${i}`, `192.0.2.${host}`));
      }
      assert.deepEqual(outcomes, [...Array(9).fill('wrong'), ...Array(3).fill('throttled')]);
      // Delays start once more failed than one address may (3), and double.
      assert.deepEqual(delays, [250, 500, 1000, 2000, 2000, 2000]);

      await assert.rejects(auth.logIn('una', PASSWORD, '192.0.2.200'), (error: unknown) => {
        assert.ok(error instanceof DomainError && error.code === 'rate_limited');
        assert.equal(error.rateLimit?.limit, 9);
        assert.ok(error.rateLimit.retryAfterSeconds >= 1 && error.rateLimit.retryAfterSeconds <= 3600);
        return true;
      });
      assert.equal(await attempt(auth, 'val', PASSWORD, '192.0.2.1'), 'ok', 'another account, from a guessing address');
    } finally {
      await store.close();
    }
  });

  it("the right password ends an address's run of failures at the account, and unknown accounts count the same", async () => {
    const store = await engine.open();
    const limits: AuthLimits = {
      logInPerAccountAddress: { max: 3, windowSeconds: 900 },
      logInPerAccount: { max: 100, windowSeconds: 3600 },
    };
    const { auth } = authWith(store, limits);
    try {
      await auth.signUp('wyn', PASSWORD);
      const ip = '192.0.2.9';
      const typos = [await attempt(auth, 'wyn', 'typo one', ip), await attempt(auth, 'wyn', 'typo two', ip)];
      assert.deepEqual(typos, ['wrong', 'wrong']);
      assert.equal(await attempt(auth, 'wyn', PASSWORD, ip), 'ok');
      const later: string[] = [];
      for (let i = 0; i < 4; i++) later.push(await attempt(auth, 'wyn', `typo ${i}`, ip));
      assert.deepEqual(later, ['wrong', 'wrong', 'wrong', 'throttled']);

      const unknown: string[] = [];
      for (let i = 0; i < 4; i++) unknown.push(await attempt(auth, 'nobody_here', `guess ${i}`, ip));
      assert.deepEqual(unknown, later, 'an account that does not exist looks like one that does');
    } finally {
      await store.close();
    }
  });

  it('check reads without counting, record counts past the limit, clear forgets the window', async () => {
    const { kv, keys, close } = await engine.open();
    const clock = 1_800_000_000_000;
    const throttle = new Throttle({ kv, keys }, () => clock);
    const limit = { max: 2, windowSeconds: 60 };
    try {
      assert.equal(await throttle.check('fail', 'x', limit, 'no'), 0);
      assert.equal(await throttle.check('fail', 'x', limit, 'no'), 0, 'checking counts nothing');
      await throttle.record('fail', 'x', limit);
      assert.equal(await throttle.check('fail', 'x', limit, 'no'), 1);
      await throttle.record('fail', 'x', limit);
      await throttle.record('fail', 'x', limit);
      await assert.rejects(throttle.check('fail', 'x', limit, 'no'), { code: 'rate_limited', message: 'no' });
      await throttle.clear('fail', 'x', limit);
      assert.equal(await throttle.check('fail', 'x', limit, 'no'), 0);
    } finally {
      await close();
    }
  });
});
