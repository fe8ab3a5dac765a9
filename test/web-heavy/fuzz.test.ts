/**
 * Property-based fuzzing of every route the web app serves, found by
 * asking the app itself (so a new route is fuzzed without anyone adding
 * it here): random and hostile paths, queries, headers and bodies, sent
 * with and without a valid session. Properties: never a 5xx or a crash;
 * an error reply says what was wrong; a rejected request changes nothing
 * in the store; every answer is valid UTF-8 with no escaped half
 * character in its JSON; and in the end no stored text breaks the text
 * rule (src/domain/text-rules.ts), whatever got through.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { accountId, statusId } from '../../src/domain/mastodon-ids.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { DEFAULT_ROOT } from '../../src/kv/keys.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { buildApp } from '../../src/web/app.js';
import { malformedValues } from '../helpers/bad-texts.js';
import { FAST_HASHING } from '../helpers/fixtures.js';
import { encodePart, ruleText, storedRuleBreaks } from '../helpers/text-fuzz.js';
import { Browser } from '../web/web-harness.js';

const RUNS = 2500;
const SEED = 20240115;
const PASSWORD = 'correct horse battery';

interface Route {
  path: string;
  methods: string[];
}

/** Every route, read back from Fastify's printed route tree (it has no list API). */
function routesOf(app: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^(.*?)[└├]── (.*) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + match[2]!;
    stack.push(path);
    routes.push({ path: path.replace(/^\/\//, '/'), methods: match[3]!.split(', ') });
  }
  return routes;
}

/** Keys Chorus keeps for users, not counting attempt counters (a rejected login legitimately counts). */
async function userKeys(kv: EmbeddedKV): Promise<number> {
  return (await kv.count(DEFAULT_ROOT)) - (await kv.count(THROTTLE));
}

/**
 * What a request wrote after `revision`, other than attempt counters and
 * the last-seen time of a session that already existed (bookkeeping a
 * rejected request may legitimately touch).
 */
async function writesSince(kv: EmbeddedKV, revision: number): Promise<string[]> {
  if ((await kv.revision()) === revision) return [];
  const { items } = await kv.range({ prefix: DEFAULT_ROOT });
  return items
    .filter((item) => item.modRevision > revision && !item.key.startsWith(THROTTLE))
    .filter((item) => !(item.key.includes('sessions/') && item.createRevision <= revision))
    .map((item) => item.key);
}

const THROTTLE = `${DEFAULT_ROOT}throttle/`;

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  ruleText,
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    '%00%2e%2e%2f',
    '\u202e\u200b\ufeff',
    // Issue 14's texts: half a character, an override left open, a C1 control, a letter under 279 marks.
    'hi \ud800 there',
    'see \u202egnp.exe',
    'one\u0085two',
    `a${'\u0301'.repeat(279)}`,
    `a${'\u0301'.repeat(8)}`,
    'שלום \u2067עולם\u2069',
    '𝕏'.repeat(281),
    'a'.repeat(5000),
    '__proto__',
    'constructor',
    '{"$gt":""}',
    '{"__proto__":{"admin":true},"username":"x"}',
  ),
);
const hostileNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom('-1', '0', '1e9', 'NaN', 'Infinity', '20', '101'));
const jsonBody = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc
    .record(
      {
        username: fc.oneof(hostileText, fc.constantFrom('alice', 'bob', 'nobody')),
        password: fc.oneof(hostileText, fc.constant(PASSWORD)),
        current_password: fc.oneof(hostileText, fc.constant(PASSWORD)),
        new_password: hostileText,
        status: fc.oneof(hostileText, fc.constant('a fine post')),
        agreement: fc.oneof(fc.boolean(), hostileText),
        currentPassword: fc.oneof(hostileText, fc.constant(PASSWORD)),
        newPassword: hostileText,
        text: fc.oneof(hostileText, fc.constant('a fine post')),
        display_name: hostileText,
        note: hostileText,
        client_name: fc.oneof(hostileText, fc.constant('A fine app')),
        redirect_uris: fc.oneof(hostileText, fc.constant('urn:ietf:wg:oauth:2.0:oob')),
      },
      { requiredKeys: [] },
    )
    .map((body) => JSON.stringify(body)),
);

interface Credentials {
  token: string;
  cookie: string;
  csrf: string;
  postId: string;
}

const requestArb = (routes: Route[]) =>
  fc.record({
    route: fc.constantFrom(...routes),
    method: fc.oneof(fc.constant(undefined), fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS')),
    param: fc.oneof(
      fc.constantFrom('alice', 'bob', 'nobody', 'POST_ID', 'STATUS_ID', accountId('alice'), accountId('bob'), accountId('nobody')),
      hostileText,
    ),
    wildcard: hostileText,
    query: fc.dictionary(
      fc.constantFrom('limit', 'cursor', 'q', 'prefix', 'before', 'x'),
      fc.oneof(hostileText, hostileNumber.map(String)),
      {
        maxKeys: 3,
      },
    ),
    auth: fc.constantFrom('none', 'valid', 'garbage', 'bearer-garbage'),
    cookie: fc.constantFrom('none', 'valid', 'garbage'),
    csrf: fc.constantFrom('none', 'valid', 'garbage'),
    site: fc.constantFrom(undefined, 'same-origin', 'cross-site', 'none'),
    origin: fc.constantFrom(undefined, 'http://localhost:80', 'https://evil.example', 'null'),
    contentType: fc.constantFrom(
      undefined,
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      '*/*',
    ),
    body: fc.oneof(
      fc.constant(undefined),
      jsonBody,
      fc
        .dictionary(
          fc.constantFrom(
            'username',
            'password',
            'text',
            'status',
            'currentPassword',
            'newPassword',
            'current_password',
            'new_password',
            'q',
            'displayName',
            'bio',
            'display_name',
            'note',
            'client_name',
          ),
          hostileText,
        )
        .map((f) => ({ form: f })),
      fc.string({ unit: 'binary', maxLength: 200 }),
    ),
    forwardedFor: fc.constantFrom(undefined, '1.2.3.4', 'garbage, ::1', ''),
  });

describe('fuzzing every route', () => {
  it(`never answers 5xx, explains every rejection and changes nothing on one (${RUNS} cases)`, async () => {
    const kv = await EmbeddedKV.open({ path: ':memory:' });
    const auth = new AuthService({ kv, passwordHashing: FAST_HASHING });
    const social = new SocialService({ kv });
    const app = await buildApp({ auth, social });
    await app.ready();
    try {
      const routes = routesOf(app);
      // The walk of the route tree must find the routes we know of, or it fuzzes too little.
      for (const known of [
        '/api/v1/statuses',
        '/api/v1/accounts/:id/follow',
        '/api/v1/chorus/sessions',
        '/login',
        '/u/:username/follow',
        '/settings/password',
      ]) {
        assert.ok(
          routes.some((r) => r.path === known),
          `route ${known} not found in ${JSON.stringify(routes)}`,
        );
      }
      assert.ok(routes.length >= 25, `only ${routes.length} routes found`);
      await auth.signUp('bob', PASSWORD);
      await auth.signUp('alice', PASSWORD);

      const credentials = async (): Promise<Credentials> => {
        const { token } = await auth.logIn('alice', PASSWORD);
        const post = await social.trustedActor('alice').post('kept for the fuzzer');
        const browser = new Browser(app);
        browser.headers['sec-fetch-site'] = 'same-origin';
        await browser.get('/login');
        await browser.post('/login', { username: 'alice', password: PASSWORD });
        await browser.get('/settings');
        const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
        assert.ok(browser.csrf, 'a logged-in page carries a CSRF token');
        return { token, cookie, csrf: browser.csrf, postId: post.id };
      };

      let creds = await credentials();
      const stillValid = async (c: Credentials) => {
        const cookieToken = /chorus_session=([^;]+)/.exec(c.cookie)?.[1] ?? '';
        const checks = [auth.authenticate(c.token), auth.authenticate(decodeURIComponent(cookieToken)), social.getPost(c.postId)];
        return (await Promise.allSettled(checks)).every((result) => result.status === 'fulfilled');
      };
      let runs = 0;
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(requestArb(routes), async (r) => {
          runs++;
          if (!(await stillValid(creds))) creds = await credentials();
          const param = r.param === 'POST_ID' ? creds.postId : r.param === 'STATUS_ID' ? statusId(creds.postId) : encodePart(r.param);
          // The root wildcard (CORS's catch-all OPTIONS route) prints as a bare "*".
          const routePath = r.route.path.startsWith('/') ? r.route.path : `/${r.route.path}`;
          const path = routePath.replace(/:[a-z]+/g, param).replace('*', encodePart(r.wildcard));
          const query = new URLSearchParams(r.query).toString();
          const method = r.method ?? r.route.methods[0]!;
          const headers: Record<string, string> = {};
          if (r.auth === 'valid') headers.authorization = `Bearer ${creds.token}`;
          if (r.auth === 'garbage') headers.authorization = 'Basic Zm9vOmJhcg==';
          if (r.auth === 'bearer-garbage') headers.authorization = `Bearer ${'x'.repeat(43)}`;
          if (r.cookie === 'valid') headers.cookie = creds.cookie;
          if (r.cookie === 'garbage') headers.cookie = 'chorus_session=deadbeef; _csrf=%%%';
          if (r.site) headers['sec-fetch-site'] = r.site;
          if (r.origin) headers.origin = r.origin;
          if (r.forwardedFor !== undefined) headers['x-forwarded-for'] = r.forwardedFor;
          let payload: string | undefined;
          if (typeof r.body === 'object' && r.body !== null) {
            const form = { ...r.body.form };
            if (r.csrf === 'valid') form._csrf = creds.csrf;
            if (r.csrf === 'garbage') form._csrf = 'not-a-token';
            payload = new URLSearchParams(form).toString();
            headers['content-type'] = r.contentType ?? 'application/x-www-form-urlencoded';
          } else if (r.body !== undefined) {
            payload = r.body;
            if (r.contentType) headers['content-type'] = r.contentType;
          }
          const revision = await kv.revision();
          const keyCount = await userKeys(kv);
          const response = await app.inject({
            method: method as 'GET',
            url: query ? `${path}?${query}` : path,
            headers,
            payload: method === 'GET' || method === 'HEAD' ? undefined : payload,
          });
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          const what = `${method} ${path} → ${response.statusCode}: ${response.body.slice(0, 300)}`;
          assert.ok(response.statusCode < 500, what);
          const text = new TextDecoder('utf-8', { fatal: true }).decode(response.rawPayload);
          if (String(response.headers['content-type']).includes('json')) {
            assert.doesNotMatch(text, /(?<!\\)(?:\\\\)*\\ud[89a-f]/i, `an escaped half character: ${what}`);
          }
          assert.equal(response.headers['x-content-type-options'], 'nosniff', `security headers missing: ${what}`);
          assert.match(String(response.headers['content-security-policy']), /frame-ancestors 'none'/, what);
          if (response.statusCode >= 400) {
            assert.deepEqual(await writesSince(kv, revision), [], `a rejected request wrote: ${what}`);
            assert.equal(await userKeys(kv), keyCount, `a rejected request added or removed keys: ${what}`);
            if (method !== 'HEAD') {
              if (/^\/(api|nodeinfo|\.well-known)\//.test(path)) {
                // Mastodon's `{"error": "…"}`, everywhere under /api.
                const error = JSON.parse(response.body).error;
                assert.ok(typeof error === 'string' && error.length > 0, what);
              } else {
                assert.ok(response.body.length > 0, what);
              }
            }
          }
        }),
        // A fixed seed, so a run is the same work however loaded the machine; FUZZ_SEED explores others.
        { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? SEED) },
      );
      assert.equal(runs, RUNS);
      assert.deepEqual(await malformedValues(kv, DEFAULT_ROOT), [], 'half a character was stored');
      assert.deepEqual(await storedRuleBreaks(kv), [], 'stored text breaks the text rule');
      const rejected = [...statuses].filter(([s]) => s >= 400).reduce((n, [, c]) => n + c, 0);
      const accepted = runs - rejected;
      // Both sides must be exercised, or the generators are broken.
      assert.ok(rejected > runs / 10 && accepted > runs / 20, `statuses ${JSON.stringify([...statuses])}`);
    } finally {
      await app.close();
      await kv.close();
    }
  });
});
