/**
 * The text rule (src/domain/text-rules.ts) fuzzed where it matters: every
 * route that stores text people write, signed in, with texts made of what
 * the rule is about, as JSON and as forms. fuzz.test.ts sends the same
 * texts to every route but rarely gets one stored; this one stores many.
 * Properties: never a 5xx; every answer is UTF-8 with no escaped half
 * character; a text that breaks the rule (judged by a second, independent
 * check) is refused, and a refusal writes nothing; no stored text breaks
 * the rule.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { DEFAULT_ROOT } from '../../src/kv/keys.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { buildApp } from '../../src/web/app.js';
import { malformedValues, writesSince } from '../helpers/bad-texts.js';
import { FAST_HASHING } from '../helpers/fixtures.js';
import { ruleBreak, ruleText, storedRuleBreaks } from '../helpers/text-fuzz.js';
import { Browser } from '../web/web-harness.js';

const RUNS = 600;
const SEED = 20250214;
const PASSWORD = 'correct horse battery';

/** A route that stores text, and how its parser prepares the text before judging it. */
interface Writer {
  name: string;
  /** Line breaks (and tabs) allowed: posts and bios. */
  lines: boolean;
  send(text: string): Promise<LightMyRequestResponse>;
}

/** As the parsers read text: CR LF and CR as LF where lines are allowed, then trimmed. */
const prepared = (text: string, lines: boolean) => (lines ? text.replace(/\r\n?/g, '\n') : text).trim();

describe('fuzzing the text rule on every route that stores text', () => {
  it(`refuses what breaks it, writes nothing then, and stores only what keeps it (${RUNS} cases)`, async () => {
    const kv = await EmbeddedKV.open({ path: ':memory:' });
    const auth = new AuthService({ kv, passwordHashing: FAST_HASHING });
    const social = new SocialService({ kv });
    const app = await buildApp({ auth, social });
    await app.ready();
    try {
      await auth.signUp('alice', PASSWORD);
      const { token } = await auth.logIn('alice', PASSWORD);
      const parent = await social.trustedActor('alice').post('answer me');
      const browser = new Browser(app);
      browser.headers['sec-fetch-site'] = 'same-origin';
      await browser.get('/login');
      await browser.post('/login', { username: 'alice', password: PASSWORD });
      await browser.get('/settings');
      const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const csrf = browser.csrf!;

      const json = (method: 'POST' | 'PATCH', url: string, body: Record<string, string>) =>
        app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
      const apiForm = (method: 'POST' | 'PATCH', url: string, body: Record<string, string>) =>
        app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams(body).toString(),
        });
      const page = (url: string, body: Record<string, string>) =>
        app.inject({
          method: 'POST',
          url,
          headers: { cookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ ...body, _csrf: csrf }).toString(),
        });
      const oob = 'urn:ietf:wg:oauth:2.0:oob';
      const writers: Writer[] = [
        { name: 'status, JSON', lines: true, send: (t) => json('POST', '/api/v1/statuses', { status: t }) },
        { name: 'status, form', lines: true, send: (t) => apiForm('POST', '/api/v1/statuses', { status: t }) },
        {
          name: 'display_name, JSON',
          lines: false,
          send: (t) => json('PATCH', '/api/v1/accounts/update_credentials', { display_name: t }),
        },
        { name: 'note, form', lines: true, send: (t) => apiForm('PATCH', '/api/v1/accounts/update_credentials', { note: t }) },
        { name: 'client_name, JSON', lines: false, send: (t) => json('POST', '/api/v1/apps', { client_name: t, redirect_uris: oob }) },
        { name: 'page post', lines: true, send: (t) => page('/posts', { text: t }) },
        { name: 'page reply', lines: true, send: (t) => page(`/p/${parent.id}/reply`, { text: t }) },
        { name: 'Settings display name', lines: false, send: (t) => page('/settings/profile', { displayName: t, bio: '' }) },
        { name: 'Settings bio', lines: true, send: (t) => page('/settings/profile', { displayName: '', bio: t }) },
      ];
      const outcomes = { refusedForTheRule: 0, stored: 0 };
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...writers), ruleText, async (writer, text) => {
          const revision = await kv.revision();
          const response = await writer.send(text);
          const what = `${writer.name} ${JSON.stringify(text)} → ${response.statusCode}: ${response.body.slice(0, 200)}`;
          assert.ok(response.statusCode < 500, what);
          const answer = new TextDecoder('utf-8', { fatal: true }).decode(response.rawPayload);
          assert.doesNotMatch(answer, /(?<!\\)(?:\\\\)*\\ud[89a-f]/i, what);
          // A form carries text as UTF-8 bytes, so half a character arrives as U+FFFD; JSON keeps it.
          const sent = writer.name.includes('JSON') ? text : text.replace(/\p{Cs}/gu, '\ufffd');
          const problem = ruleBreak(prepared(sent, writer.lines), writer.lines);
          if (problem !== undefined) {
            assert.ok(response.statusCode >= 400, `${problem} was accepted: ${what}`);
            outcomes.refusedForTheRule++;
          }
          if (response.statusCode >= 400) assert.deepEqual(await writesSince(kv, DEFAULT_ROOT, revision), [], `a refusal wrote: ${what}`);
          else outcomes.stored++;
        }),
        { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? SEED) },
      );
      assert.deepEqual(await malformedValues(kv, DEFAULT_ROOT), [], 'half a character was stored');
      assert.deepEqual(await storedRuleBreaks(kv), [], 'stored text breaks the text rule');
      // Both sides must be exercised, or the generator is broken.
      assert.ok(outcomes.refusedForTheRule > RUNS / 5 && outcomes.stored > RUNS / 10, JSON.stringify(outcomes));
    } finally {
      await app.close();
      await kv.close();
    }
  });
});
