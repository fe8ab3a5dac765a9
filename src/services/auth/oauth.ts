import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Account } from '../../domain/account.js';
import type { App, AuthorizationRequest, ClientCredentials, NewApp, OAuthToken, RegisteredApp, TokenGrant } from '../../domain/auth.js';
import { DomainError, invalid } from '../../domain/errors.js';
import { isCodeVerifier, isS256Challenge, parseAppName, parseRedirectUris, parseScopes, scopesWithin } from '../../domain/oauth.js';
import type { Keyspace } from '../../kv/keys.js';
import type { KV, Op } from '../../kv/kv.js';
import type { SessionGrant, StoredApp, StoredAppToken, StoredCode } from '../../kv/records.js';
import { parseApp, parseAppToken, parseCode } from '../../kv/records.js';
import { hashToken, isTokenShape, newToken } from '../tokens.js';

/** A code is good for this long after it is issued. */
export const CODE_TTL_MS = 10 * 60 * 1000;
const WEBSITE_MAX = 500;

/** A session about to be written, as AuthService prepares it (see prepareSession). */
export interface PreparedSession {
  ops: Op[];
  token: string;
  createdAtMs: number;
  release: () => Promise<void>;
}

export interface OAuthDeps {
  kv: KV;
  keys: Keyspace;
  now: () => number;
  ttlSeconds: number;
  openSession: (account: Account, userAgent: string | undefined, grant: SessionGrant) => Promise<PreparedSession>;
}

const badClient = () =>
  new DomainError('unauthenticated', 'Client authentication failed: unknown client_id or wrong client_secret.', { field: 'client_secret' });
const badCode = () => invalid('The authorization code is invalid, expired, already used or was issued to another app.', 'code');

/**
 * OAuth apps, authorization codes and app tokens over the KV store. User
 * tokens are ordinary sessions (the caller's openSession) that also record
 * the app and the scopes granted; app tokens live apart, under
 * keys.appToken, so nothing that accepts a user's session accepts them.
 */
export class OAuthApps {
  constructor(private readonly deps: OAuthDeps) {}

  async registerApp(input: NewApp): Promise<RegisteredApp> {
    const name = parseAppName(input.name);
    const redirectUris = parseRedirectUris(input.redirectUris);
    const scopes = parseScopes(input.scopes);
    const website = typeof input.website === 'string' ? input.website.trim() : '';
    if (website !== '' && (website.length > WEBSITE_MAX || !/^https?:\/\/[\x21-\x7e]+$/.test(website))) {
      throw invalid('website must be an http(s) URL.', 'website');
    }
    const clientId = randomBytes(24).toString('hex');
    const secret = newToken();
    const createdAtMs = this.deps.now();
    const id = `${createdAtMs}${randomBytes(2).readUInt16BE() % 1000}`.padEnd(16, '0');
    const stored: StoredApp = {
      id,
      clientId,
      secretHash: secret.hash,
      name,
      website,
      redirectUris: redirectUris.join('\n'),
      scopes: scopes.join(' '),
      createdAtMs,
    };
    const key = this.deps.keys.app(clientId);
    const result = await this.deps.kv.txn({
      compare: [{ key, target: 'version', op: '==', value: 0 }],
      success: [{ type: 'put', key, value: JSON.stringify(stored) }],
    });
    if (!result.succeeded) throw new DomainError('unavailable', 'Could not register the app; try again.');
    return { ...appOf(stored), clientSecret: secret.token };
  }

  async checkAuthorization(request: AuthorizationRequest): Promise<{ app: App; scopes: string[] }> {
    const app = await this.findApp(request.clientId);
    if (!app) throw new DomainError('not_found', 'No app has that client_id.', { field: 'client_id' });
    if (!app.redirectUris.includes(request.redirectUri)) {
      throw invalid('redirect_uri is not one the app registered.', 'redirect_uri');
    }
    const scopes = parseScopes(request.scope);
    if (!scopesWithin(scopes, app.scopes)) throw invalid(`The app did not register for scope "${scopes.join(' ')}".`, 'scope');
    const method = request.codeChallengeMethod ?? '';
    const challenge = request.codeChallenge ?? '';
    if (challenge === '' && method !== '') throw invalid('code_challenge_method without code_challenge.', 'code_challenge');
    if (challenge !== '') {
      if (method !== 'S256') throw invalid('code_challenge_method must be S256.', 'code_challenge_method');
      if (!isS256Challenge(challenge)) throw invalid('code_challenge must be 43 characters of base64url.', 'code_challenge');
    }
    return { app, scopes };
  }

  /** Issues a code for `account`, after the checks of checkAuthorization. */
  async issueCode(account: Account, request: AuthorizationRequest): Promise<{ code: string }> {
    const { app, scopes } = await this.checkAuthorization(request);
    const { token: code, hash } = newToken();
    const createdAtMs = this.deps.now();
    const stored: StoredCode = {
      clientId: app.clientId,
      redirectUri: request.redirectUri,
      scopes: scopes.join(' '),
      username: account.username,
      accountCreatedAtMs: account.createdAtMs,
      codeChallenge: request.codeChallenge ?? '',
      createdAtMs,
      expiresAtMs: createdAtMs + CODE_TTL_MS,
    };
    // The lease only sweeps; expiry is judged by expiresAtMs against the (injectable) clock.
    const lease = await this.deps.kv.grantLease(Math.ceil(CODE_TTL_MS / 1000) + 60);
    await this.deps.kv.put(this.deps.keys.oauthCode(hash), JSON.stringify(stored), lease);
    return { code };
  }

  async exchangeCode(
    client: ClientCredentials,
    code: string,
    redirectUri: string,
    codeVerifier: string,
    userAgent?: string,
  ): Promise<OAuthToken> {
    const app = await this.requireClient(client);
    if (!isTokenShape(code)) throw badCode();
    const entry = await this.deps.kv.get(this.deps.keys.oauthCode(hashToken(code)));
    if (!entry) throw badCode();
    const stored = parseCode(entry.value);
    if (stored.clientId !== app.clientId || this.deps.now() >= stored.expiresAtMs) throw badCode();
    if (stored.redirectUri !== redirectUri) throw invalid('redirect_uri differs from the one the code was issued for.', 'redirect_uri');
    if (stored.codeChallenge !== '') {
      if (!isCodeVerifier(codeVerifier)) throw invalid('code_verifier is required (43–128 characters) for this code.', 'code_verifier');
      const computed = createHash('sha256').update(codeVerifier).digest('base64url');
      if (computed !== stored.codeChallenge) throw invalid('code_verifier does not match the code_challenge.', 'code_verifier');
    } else if (codeVerifier !== '' && codeVerifier !== undefined) {
      throw invalid('This code was issued without a code_challenge.', 'code_verifier');
    }
    const account = { username: stored.username, createdAtMs: stored.accountCreatedAtMs };
    const opening = await this.deps.openSession(account, userAgent, { clientId: app.clientId, appName: app.name, scopes: stored.scopes });
    // Spending the code and opening the session are one txn: of two racing exchanges, one wins.
    // The account must still exist: a code issued before it was deleted opens nothing.
    let applied = false;
    try {
      const result = await this.deps.kv.txn({
        compare: [
          { key: entry.key, target: 'modRevision', op: '==', value: entry.modRevision },
          { key: this.deps.keys.account(stored.username), target: 'version', op: '>', value: 0 },
        ],
        success: [{ type: 'delete', key: entry.key }, ...opening.ops],
      });
      applied = result.succeeded;
    } finally {
      if (!applied) await opening.release();
    }
    if (!applied) throw badCode();
    return { token: opening.token, scopes: stored.scopes.split(' '), createdAtMs: opening.createdAtMs };
  }

  /** The app behind the credentials, and the scopes asked for, checked against the app's; for the password grant. */
  async checkGrant(client: ClientCredentials, scope: string): Promise<{ app: App; scopes: string[] }> {
    const app = await this.requireClient(client);
    const scopes = parseScopes(scope);
    if (!scopesWithin(scopes, app.scopes)) throw invalid(`The app did not register for scope "${scopes.join(' ')}".`, 'scope');
    return { app, scopes };
  }

  async clientCredentialsGrant(client: ClientCredentials, scope: string): Promise<OAuthToken> {
    const { app, scopes } = await this.checkGrant(client, scope);
    const { token, hash } = newToken();
    const createdAtMs = this.deps.now();
    const leaseId = await this.deps.kv.grantLease(this.deps.ttlSeconds);
    const stored: StoredAppToken = { clientId: app.clientId, scopes: scopes.join(' '), createdAtMs, leaseId };
    await this.deps.kv.put(this.deps.keys.appToken(hash), JSON.stringify(stored), leaseId);
    return { token, scopes, createdAtMs };
  }

  /** Ends the token if this app holds it; `sessionLease` finds a user token's lease (a session of this app). */
  async revokeToken(
    client: ClientCredentials,
    token: string,
    sessionOf: (tokenHash: string) => Promise<{ clientId?: string; leaseId: string } | undefined>,
  ): Promise<void> {
    const app = await this.requireClient(client);
    if (!isTokenShape(token)) return;
    const hash = hashToken(token);
    const appToken = await this.deps.kv.get(this.deps.keys.appToken(hash));
    if (appToken) {
      const stored = parseAppToken(appToken.value);
      if (stored.clientId === app.clientId) await this.deps.kv.revokeLease(stored.leaseId);
      return;
    }
    const session = await sessionOf(hash);
    if (session && session.clientId === app.clientId) await this.deps.kv.revokeLease(session.leaseId);
  }

  /** The grant of an app token, or undefined if `tokenHash` is none. */
  async appTokenGrant(tokenHash: string): Promise<TokenGrant | undefined> {
    const entry = await this.deps.kv.get(this.deps.keys.appToken(tokenHash));
    if (!entry) return undefined;
    const stored = parseAppToken(entry.value);
    const app = await this.findApp(stored.clientId);
    if (!app) return undefined;
    return { account: null, app, scopes: stored.scopes.split(' ') };
  }

  async findApp(clientId: string): Promise<App | undefined> {
    const stored = await this.findStoredApp(clientId);
    return stored && appOf(stored);
  }

  private async findStoredApp(clientId: string): Promise<StoredApp | undefined> {
    if (typeof clientId !== 'string' || !/^[0-9a-f]{48}$/.test(clientId)) return undefined;
    const entry = await this.deps.kv.get(this.deps.keys.app(clientId));
    return entry ? parseApp(entry.value) : undefined;
  }

  private async requireClient(client: ClientCredentials): Promise<App> {
    const stored = await this.findStoredApp(client.clientId);
    if (!stored || !isTokenShape(client.clientSecret)) throw badClient();
    const given = Buffer.from(hashToken(client.clientSecret));
    if (!timingSafeEqual(given, Buffer.from(stored.secretHash))) throw badClient();
    return appOf(stored);
  }
}

function appOf(stored: StoredApp): App {
  return {
    id: stored.id,
    clientId: stored.clientId,
    name: stored.name,
    website: stored.website,
    redirectUris: stored.redirectUris.split('\n'),
    scopes: stored.scopes.split(' '),
    createdAtMs: stored.createdAtMs,
  };
}
