import type { Account } from './account.js';

/** A new session: the account and its bearer token (shown once, stored only hashed). */
export interface Session {
  account: Account;
  token: string;
}

/** One of an account's open sessions, as its owner may see it. */
export interface SessionInfo {
  /** Names the session for revokeSession; not the token, nor usable as one. */
  id: string;
  createdAtMs: number;
  /** Last use, to within the hour (it is not rewritten on every request). */
  lastSeenMs: number;
  /** The browser or program that opened it, as it said; may be empty. */
  userAgent: string;
  /** Whether this is the session of the token that asked. */
  current: boolean;
  /** The OAuth app the session was granted to; empty for a session of the site itself. */
  appName: string;
}

/** An OAuth client as registered (Mastodon's Application), without its secret. */
export interface App {
  /** A decimal string, as Mastodon's ids are. */
  id: string;
  clientId: string;
  name: string;
  /** Empty when none was given. */
  website: string;
  redirectUris: string[];
  scopes: string[];
  createdAtMs: number;
}

/** What registration answers: the app and its secret, shown this once (stored only hashed). */
export interface RegisteredApp extends App {
  clientSecret: string;
}

export interface NewApp {
  name: string;
  /** One URI per item; each absolute or urn:ietf:wg:oauth:2.0:oob. */
  redirectUris: string[];
  /** Space-separated; empty means "read". */
  scopes: string;
  website: string;
}

/** How an app proves itself at the token and revoke endpoints. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** The parameters of GET /oauth/authorize that the auth service judges. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  /** Space-separated; empty means "read". */
  scope: string;
  /** Empty for no PKCE; otherwise an S256 challenge. */
  codeChallenge: string;
  /** Empty or "S256". */
  codeChallengeMethod: string;
}

/** An access token from /oauth/token, shown once. */
export interface OAuthToken {
  token: string;
  scopes: string[];
  createdAtMs: number;
}

/** What a bearer token may do: whose it is, which app holds it, with which scopes. */
export interface TokenGrant {
  /** Null for an app token (client_credentials): it acts for no one. */
  account: Account | null;
  /** Null for a session of the site itself (the pages' log-in and sign-up). */
  app: App | null;
  /** Every scope for a session of the site itself. */
  scopes: string[];
}

/**
 * Accounts, passwords and sessions. Implemented by services/auth (the logic)
 * and by clients/auth-client (the same over gRPC), so the web tier cannot
 * tell them apart. Every method throws only DomainError. Every write is
 * durable and visible to every instance once it returns (linearizable).
 */
export interface Auth {
  /**
   * Claims the username atomically; `conflict` if it is taken, `invalid` for
   * bad input, `rate_limited` past the sign-up limit for `clientIp` (the
   * end user's address, which the web tier always passes: over gRPC a call
   * without one is refused as `invalid`, field client_ip, as are logIn,
   * passwordGrant and appSignUp). `userAgent` is kept with the new session
   * so its owner can recognise it in listSessions.
   */
  signUp(username: string, password: string, clientIp?: string, userAgent?: string): Promise<Session>;
  /**
   * `unauthenticated` with the same message whether the user is unknown or
   * the password wrong; each login gets a new token. `rate_limited` past
   * the login limit for the client address or for the account, counted
   * over every instance, before the password is even checked.
   */
  logIn(username: string, password: string, clientIp?: string, userAgent?: string): Promise<Session>;
  /** Ends this token's session; a no-op for an unknown token. */
  logOut(token: string): Promise<void>;
  /** Ends every session of the token's account; `unauthenticated` for a bad token. */
  logOutEverywhere(token: string): Promise<void>;
  /**
   * `unauthenticated` for a bad token or a wrong current password (field
   * currentPassword); ends every session of the account but this one.
   */
  changePassword(token: string, currentPassword: string, newPassword: string): Promise<void>;
  /**
   * Deletes the token's account after checking its password: in one txn
   * the account record goes and a tombstone keeps its name taken for good
   * (sign-up refuses it), then every session of the account ends. The
   * account's other rows are swept by the social service in bounded txns
   * (services/social/account-deletion.ts), resuming after a crash.
   * `unauthenticated` for a bad token or a wrong password (field
   * password, counted like a failed login); `forbidden` for an OAuth token
   * without write:accounts. A wrong password deletes nothing.
   */
  deleteAccount(token: string, password: string): Promise<void>;
  /**
   * Whose token this is; `unauthenticated` if unknown, revoked, past its
   * absolute lifetime or unused for longer than the idle limit. Counts as a
   * use of the session (recorded at most once an hour).
   */
  authenticate(token: string): Promise<Account>;
  /** The token's account's open sessions, newest first; `unauthenticated` for a bad token. */
  listSessions(token: string): Promise<SessionInfo[]>;
  /**
   * Ends one of the token's account's sessions (possibly the token's own);
   * `not_found` if the account has no session with that id.
   */
  revokeSession(token: string, sessionId: string): Promise<void>;

  // OAuth 2. Failures carry the OAuth parameter at fault as DomainError.field
  // (client_id, client_secret, redirect_uri, scope, code, code_verifier,
  // username, grant), which the web tier maps to OAuth error names.

  /** Stores a new app with a fresh client id and secret; `invalid` for bad input (nothing written). */
  registerApp(app: NewApp): Promise<RegisteredApp>;
  /**
   * Checks an authorization request without writing: the app exists
   * (`not_found`, field client_id), the redirect URI is one it registered
   * (`invalid`, redirect_uri), the scopes are known and within the app's
   * (`invalid`, scope), the PKCE method is S256. Returns the app and scopes.
   */
  checkAuthorization(request: AuthorizationRequest): Promise<{ app: App; scopes: string[] }>;
  /**
   * The signed-in person (`sessionToken`, a session of the site itself)
   * grants the request: a single-use code, valid for ten minutes, bound to
   * the app, redirect URI, scopes, account and PKCE challenge. Errors as
   * checkAuthorization, plus `unauthenticated` for a bad session.
   */
  authorize(sessionToken: string, request: AuthorizationRequest): Promise<{ code: string }>;
  /**
   * Spends a code for a user token, in one txn (a code never yields two
   * tokens). `unauthenticated` field client_secret for wrong credentials;
   * `invalid` field code for an unknown, used, expired or other app's code,
   * redirect_uri for a different URI, code_verifier for a missing or wrong
   * verifier. The token is a session of the account listed with the app's name.
   */
  exchangeCode(client: ClientCredentials, code: string, redirectUri: string, codeVerifier: string, userAgent?: string): Promise<OAuthToken>;
  /**
   * A user token from a username and password, throttled like logIn (same
   * errors, field username on wrong credentials); the scopes must be within the app's.
   */
  passwordGrant(
    client: ClientCredentials,
    username: string,
    password: string,
    scope: string,
    clientIp?: string,
    userAgent?: string,
  ): Promise<OAuthToken>;
  /** An app token (no account), for registration and the app's own verify_credentials. */
  clientCredentialsGrant(client: ClientCredentials, scope: string): Promise<OAuthToken>;
  /**
   * Ends a token the app was issued (user or app token); a no-op for a
   * token unknown or another app's (RFC 7009). `unauthenticated` field
   * client_secret for wrong credentials.
   */
  revokeToken(client: ClientCredentials, token: string): Promise<void>;
  /**
   * What a token may do; `unauthenticated` if it is unknown, revoked or
   * expired. Counts as a use, like authenticate.
   */
  inspectToken(token: string): Promise<TokenGrant>;
  /**
   * signUp through an app (Mastodon's POST /api/v1/accounts): `appToken` must
   * be an app token (client_credentials), else `unauthenticated`; the new
   * session is a session of that app with the app token's scopes. Claims,
   * validates and throttles exactly as signUp.
   */
  appSignUp(appToken: string, username: string, password: string, clientIp?: string, userAgent?: string): Promise<OAuthToken>;
}
