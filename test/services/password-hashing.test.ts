/**
 * Password hashing is bounded (issue 14): at most `concurrency` Argon2
 * runs at once, and a sign-up or log-in that would wait too long for one
 * is refused with `rate_limited` (429 with Retry-After at the web tier),
 * having written nothing.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { forEachEngine } from '../helpers/engines.js';
import { eventually } from '../helpers/eventually.js';

const PASSWORD = 'correct horse';
const BURST = 12;

forEachEngine((engine) => {
  it('refuses sign-ups and log-ins that would wait too long for a hash, and the refused ones change nothing', async () => {
    const store = await engine.open();
    // Real Argon2 costs (about 20 ms a hash) and no waiting in line: any overlap is refused.
    const auth = new AuthService({ kv: store.kv, keys: store.keys, passwordHashingLimits: { concurrency: 1, maxWaitMs: 0 } });
    const names = Array.from({ length: BURST }, (_, i) => `burst_${i}`);
    try {
      // The service hashes a dummy password as it starts (for unknown-user log-ins); until then it is busy.
      await eventually(
        () =>
          auth.signUp('warm_up', PASSWORD).then(
            () => true,
            (error: DomainError) => (error.code === 'rate_limited' ? false : Promise.reject(error)),
          ),
        { what: 'the first hash slot' },
      );
      const outcomes = await Promise.allSettled(names.map((name) => auth.signUp(name, PASSWORD)));
      const refused = names.filter((_, i) => outcomes[i]!.status === 'rejected');
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') continue;
        const error = outcome.reason;
        assert.ok(error instanceof DomainError && error.code === 'rate_limited', String(error));
        assert.ok(error.rateLimit && error.rateLimit.retryAfterSeconds >= 1, 'says when to retry');
      }
      assert.ok(refused.length > 0 && refused.length < BURST, `${refused.length} of ${BURST} refused`);
      // One at a time, each refused name is still free: the refusal wrote nothing.
      for (const name of refused) await auth.signUp(name, PASSWORD);

      const logins = await Promise.allSettled(names.map((name) => auth.logIn(name, PASSWORD)));
      const codes = new Set(logins.map((l) => (l.status === 'fulfilled' ? 'ok' : (l.reason as DomainError).code)));
      assert.deepEqual([...codes].sort(), ['ok', 'rate_limited'], 'log-ins wait their turn or are refused, never let in wrongly');
    } finally {
      await store.close();
    }
  });
});
