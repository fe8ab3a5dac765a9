import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ClientCredentials } from '../../src/domain/auth.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { CODE_TTL_MS } from '../../src/services/auth/oauth.js';
import { dumpStore, forEachEngine } from '../helpers/engines.js';
import { FAST_HASHING, rejectsWith } from '../helpers/fixtures.js';

const PASSWORD = 'correct horse battery';
const CALLBACK = 'com.example.app:/cb';
const VERIFIER = 'a'.repeat(20) + 'B'.repeat(23);
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

forEachEngine((engine) => {
  describe(`OAuth in the auth service (${engine.name})`, () => {
    async function setUp() {
      const store = await engine.open();
      let clock = Date.UTC(2024, 0, 15);
      const auth = new AuthService({ kv: store.kv, keys: store.keys, now: () => clock, passwordHashing: FAST_HASHING });
      const session = await auth.signUp('alice', PASSWORD);
      const app = await auth.registerApp({
        name: 'Tusky',
        redirectUris: [CALLBACK, 'urn:ietf:wg:oauth:2.0:oob'],
        scopes: 'read write',
        website: '',
      });
      const client: ClientCredentials = { clientId: app.clientId, clientSecret: app.clientSecret };
      const request = {
        clientId: app.clientId,
        redirectUri: CALLBACK,
        scope: 'read',
        codeChallenge: CHALLENGE,
        codeChallengeMethod: 'S256',
      };
      return { store, auth, session, app, client, request, tick: (ms: number) => (clock += ms) };
    }

    it('signs up through an app: the first session is the app’s, with the app token’s scopes; anything but an app token is refused', async () => {
      const { store, auth, session, client } = await setUp();
      try {
        const appToken = await auth.clientCredentialsGrant(client, 'read write');
        const token = await auth.appSignUp(appToken.token, 'Bob_2', PASSWORD, '192.0.2.1', 'Tusky/25');
        assert.deepEqual(token.scopes, ['read', 'write']);
        const grant = await auth.inspectToken(token.token);
        assert.equal(grant.account?.username, 'bob_2');
        assert.equal(grant.app?.name, 'Tusky');
        assert.deepEqual(grant.scopes, ['read', 'write']);
        const [listed] = await auth.listSessions(token.token);
        assert.equal(listed?.appName, 'Tusky');
        assert.equal(listed?.userAgent, 'Tusky/25');
        await assert.rejects(auth.appSignUp(appToken.token, 'BOB_2', PASSWORD), rejectsWith('conflict'));
        await assert.rejects(auth.appSignUp(appToken.token, 'no', PASSWORD), rejectsWith('invalid'));
        await assert.rejects(auth.appSignUp(session.token, 'carol_2', PASSWORD), rejectsWith('unauthenticated'));
        await assert.rejects(auth.appSignUp(token.token, 'carol_2', PASSWORD), rejectsWith('unauthenticated'));
        await assert.rejects(auth.appSignUp('A'.repeat(43), 'carol_2', PASSWORD), rejectsWith('unauthenticated'));
        await auth.revokeToken(client, appToken.token);
        await assert.rejects(auth.appSignUp(appToken.token, 'carol_2', PASSWORD), rejectsWith('unauthenticated'));
        const after = await dumpStore(store);
        assert.ok(!JSON.stringify(after).includes('carol_2'), 'a refused sign-up writes no account');
      } finally {
        await store.close();
      }
    });

    it('registers an app, storing its secret only hashed', async () => {
      const { store, app } = await setUp();
      try {
        assert.match(app.clientId, /^[0-9a-f]{48}$/);
        assert.deepEqual(app.scopes, ['read', 'write']);
        const dump = JSON.stringify(await dumpStore(store));
        assert.ok(!dump.includes(app.clientSecret));
      } finally {
        await store.close();
      }
    });

    it('exchanges a PKCE code once for a scoped session listed with the app name', async () => {
      const { store, auth, session, client, request } = await setUp();
      try {
        const { code } = await auth.authorize(session.token, request);
        const token = await auth.exchangeCode(client, code, CALLBACK, VERIFIER);
        assert.deepEqual(token.scopes, ['read']);
        const grant = await auth.inspectToken(token.token);
        assert.equal(grant.account?.username, 'alice');
        assert.equal(grant.app?.name, 'Tusky');
        assert.deepEqual(grant.scopes, ['read']);
        assert.equal((await auth.authenticate(token.token)).username, 'alice');
        const sessions = await auth.listSessions(session.token);
        assert.deepEqual(sessions.map((s) => s.appName).sort(), ['', 'Tusky']);
        await assert.rejects(auth.exchangeCode(client, code, CALLBACK, VERIFIER), rejectsWith('invalid', undefined, 'code'));
        await auth.revokeToken(client, token.token);
        await assert.rejects(auth.inspectToken(token.token), rejectsWith('unauthenticated'));
      } finally {
        await store.close();
      }
    });

    it('refuses bad input and writes nothing', async () => {
      const { store, auth, session, client, request, tick } = await setUp();
      try {
        const other = await auth.registerApp({ name: 'Other', redirectUris: [CALLBACK], scopes: 'read', website: '' });
        const otherClient = { clientId: other.clientId, clientSecret: other.clientSecret };
        const { code } = await auth.authorize(session.token, request);
        const before = await dumpStore(store);
        await assert.rejects(
          auth.registerApp({ name: 'X', redirectUris: [CALLBACK], scopes: 'read bogus', website: '' }),
          rejectsWith('invalid', undefined, 'scope'),
        );
        await assert.rejects(
          auth.registerApp({ name: 'X', redirectUris: ['not a uri'], scopes: '', website: '' }),
          rejectsWith('invalid', undefined, 'redirect_uris'),
        );
        await assert.rejects(
          auth.authorize(session.token, { ...request, redirectUri: 'https://evil.example/cb' }),
          rejectsWith('invalid', undefined, 'redirect_uri'),
        );
        await assert.rejects(
          auth.authorize(session.token, { ...request, scope: 'read write follow' }),
          rejectsWith('invalid', undefined, 'scope'),
        );
        await assert.rejects(auth.authorize(session.token, { ...request, codeChallengeMethod: 'plain' }), rejectsWith('invalid'));
        await assert.rejects(auth.exchangeCode(client, code, CALLBACK, 'b'.repeat(43)), rejectsWith('invalid', undefined, 'code_verifier'));
        await assert.rejects(auth.exchangeCode(client, code, CALLBACK, ''), rejectsWith('invalid', undefined, 'code_verifier'));
        await assert.rejects(
          auth.exchangeCode(client, code, 'urn:ietf:wg:oauth:2.0:oob', VERIFIER),
          rejectsWith('invalid', undefined, 'redirect_uri'),
        );
        await assert.rejects(
          auth.exchangeCode({ ...client, clientSecret: other.clientSecret }, code, CALLBACK, VERIFIER),
          rejectsWith('unauthenticated', undefined, 'client_secret'),
        );
        await assert.rejects(auth.exchangeCode(otherClient, code, CALLBACK, VERIFIER), rejectsWith('invalid', undefined, 'code'));
        await assert.rejects(
          auth.passwordGrant(client, 'alice', 'wrong password', 'read'),
          rejectsWith('unauthenticated', undefined, 'username'),
        );
        await assert.rejects(auth.clientCredentialsGrant(client, 'push'), rejectsWith('invalid', undefined, 'scope'));
        tick(CODE_TTL_MS);
        await assert.rejects(auth.exchangeCode(client, code, CALLBACK, VERIFIER), rejectsWith('invalid', undefined, 'code'));
        assert.deepEqual(await dumpStore(store), before);
      } finally {
        await store.close();
      }
    });

    it('gives app tokens that are no one’s session, and password-grant tokens that are', async () => {
      const { store, auth, client } = await setUp();
      try {
        const appToken = await auth.clientCredentialsGrant(client, '');
        const grant = await auth.inspectToken(appToken.token);
        assert.equal(grant.account, null);
        assert.equal(grant.app?.name, 'Tusky');
        await assert.rejects(auth.authenticate(appToken.token), rejectsWith('unauthenticated'));
        await assert.rejects(
          auth.authorize(appToken.token, {
            clientId: client.clientId,
            redirectUri: CALLBACK,
            scope: '',
            codeChallenge: '',
            codeChallengeMethod: '',
          }),
          rejectsWith('unauthenticated'),
        );
        const user = await auth.passwordGrant(client, 'alice', PASSWORD, 'read write');
        assert.deepEqual((await auth.inspectToken(user.token)).scopes, ['read', 'write']);
        await auth.revokeToken(client, appToken.token);
        await assert.rejects(auth.inspectToken(appToken.token), rejectsWith('unauthenticated'));
      } finally {
        await store.close();
      }
    });
  });
});
