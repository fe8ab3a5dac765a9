/**
 * Builds the web app over REAL in-process services on a ':memory:' embedded
 * store, reading through the watch-fed view as production does or straight
 * from the store (the social service's two read paths), and gives tests two small clients over Fastify's `inject` (no
 * network): `api` for the Mastodon API (with `signUp` and `logIn`, which
 * go through a registered app as a Mastodon client does) and `Browser`, which keeps cookies and
 * fills forms like a browser without JavaScript would.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Auth } from '../../src/domain/auth.js';
import type { Social } from '../../src/domain/social.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import type { KV } from '../../src/kv/kv.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { ReadModel } from '../../src/services/social/read-model.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { StoreStatusSource } from '../../src/services/status/status-source.js';
import { buildApp, type WebDeps } from '../../src/web/app.js';

export interface Harness {
  app: FastifyInstance;
  auth: AuthService;
  social: SocialService;
  /** The store under the services (default key layout), to check what a refused request did not write. */
  kv: EmbeddedKV;
  close(): Promise<void>;
}

/** Where the social service reads: its watch-fed view (production's path) or the store. */
export type ReadPath = 'view' | 'store';
export const readPaths: readonly ReadPath[] = ['view', 'store'];

export async function openHarness(
  options: {
    draining?: () => boolean;
    secureCookies?: boolean;
    trustProxy?: boolean;
    reads?: ReadPath;
    logger?: FastifyBaseLogger;
    limits?: WebDeps['limits'];
    metricsToken?: string;
    /** Administrators of /admin, which then shows this store and read model. */
    admins?: string[];
    requestStats?: WebDeps['requestStats'];
    /** A file for the store instead of memory, for tests that look at the file. */
    storePath?: string;
    /** What the web app is given in place of the services (and the social service of its store), for tests that count calls. */
    wrap?: { auth?: (auth: Auth) => Auth; social?: (social: Social) => Social; socialKv?: (kv: KV) => KV };
  } = {},
): Promise<Harness> {
  const { reads = 'view', storePath = ':memory:', admins, wrap = {}, ...appOptions } = options;
  const kv = await EmbeddedKV.open({ path: storePath });
  // Cheap Argon2 keeps the suite fast; production uses the service's defaults.
  // A clock that ticks a second per reading, so posts have distinct, ordered times.
  let clock = Date.UTC(2024, 0, 15, 9, 30);
  const now = () => (clock += 1000);
  const auth = new AuthService({ kv, now, passwordHashing: { memoryCost: 1024, timeCost: 1, parallelism: 1 } });
  const readModel = reads === 'view' ? await ReadModel.start({ kv }) : undefined;
  const social = new SocialService({ kv: wrap.socialKv?.(kv) ?? kv, now, readModel });
  const instances = async () => [{ name: 'web', address: 'in process', ready: true, version: 'test', uptimeSeconds: 90 }];
  const admin = admins && { admins, status: new StoreStatusSource(kv, readModel, instances) };
  const app = await buildApp({ auth: wrap.auth?.(auth) ?? auth, social: wrap.social?.(social) ?? social, admin, ...appOptions });
  await app.ready();
  return {
    app,
    auth,
    social,
    kv,
    async close() {
      await app.close();
      await readModel?.close();
      await kv.close();
    },
  };
}

export interface ApiReply {
  status: number;
  body: any;
  headers: Record<string, unknown>;
  text: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function api(
  app: FastifyInstance,
  method: Method,
  url: string,
  options: { token?: string; json?: unknown; payload?: string; headers?: Record<string, string> } = {},
): Promise<ApiReply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let payload = options.payload;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    payload = JSON.stringify(options.json);
  }
  const response = await app.inject({ method, url, headers, payload });
  const isJson = String(response.headers['content-type'] ?? '').includes('application/json');
  return {
    status: response.statusCode,
    body: isJson && response.body !== '' ? JSON.parse(response.body) : response.body,
    headers: response.headers,
    text: response.body,
  };
}

/** A registered app and an app token of it, as a Mastodon client keeps them. */
export interface TestClient {
  clientId: string;
  clientSecret: string;
  appToken: string;
}

const SCOPES = 'read write follow';
const clients = new WeakMap<FastifyInstance, Promise<TestClient>>();

/** The harness's one app (registered on first use) and its app token. */
export function testClient(app: FastifyInstance): Promise<TestClient> {
  let client = clients.get(app);
  if (!client) {
    client = (async () => {
      const registered = await api(app, 'POST', '/api/v1/apps', {
        json: { client_name: 'Chorus tests', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: SCOPES },
      });
      if (registered.status !== 200) throw new Error(`app registration failed: ${registered.status} ${registered.text}`);
      const { client_id: clientId, client_secret: clientSecret } = registered.body;
      const token = await api(app, 'POST', '/oauth/token', {
        json: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: SCOPES },
      });
      if (token.status !== 200) throw new Error(`app token failed: ${token.status} ${token.text}`);
      return { clientId, clientSecret, appToken: token.body.access_token };
    })();
    clients.set(app, client);
  }
  return client;
}

/** POST /api/v1/accounts with the harness app's token; the raw reply. */
export async function register(
  app: FastifyInstance,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<ApiReply> {
  const { appToken } = await testClient(app);
  return api(app, 'POST', '/api/v1/accounts', { token: appToken, json: body, headers });
}

/** Signs up through the Mastodon API (an app's registration) and returns the user token. */
export async function signUp(app: FastifyInstance, username: string, password = 'correct horse'): Promise<string> {
  const reply = await register(app, { username, password, agreement: true, locale: 'en' });
  if (reply.status !== 200) throw new Error(`sign-up of ${username} failed: ${reply.status} ${reply.text}`);
  return reply.body.access_token;
}

/** The password grant at /oauth/token with the harness app; the raw reply (a Token on success). */
export async function logIn(
  app: FastifyInstance,
  username: string,
  password = 'correct horse',
  headers: Record<string, string> = {},
): Promise<ApiReply> {
  const { clientId, clientSecret } = await testClient(app);
  return api(app, 'POST', '/oauth/token', {
    json: { grant_type: 'password', client_id: clientId, client_secret: clientSecret, username, password, scope: SCOPES },
    headers,
  });
}

/** A new user token from the password grant; throws if the log-in fails. */
export async function logInToken(app: FastifyInstance, username: string, password = 'correct horse'): Promise<string> {
  const reply = await logIn(app, username, password);
  if (reply.status !== 200) throw new Error(`log-in of ${username} failed: ${reply.status} ${reply.text}`);
  return reply.body.access_token;
}

/** A status's text back from its content, for texts with nothing HTML escapes (and no line breaks). */
export function plainText(status: { content: string }): string {
  return status.content.replace(/^<p>/, '').replace(/<\/p>$/, '');
}

export interface PageReply {
  status: number;
  body: string;
  location: string | undefined;
  headers: Record<string, unknown>;
  setCookies: string[];
}

/** A cookie-keeping client for the HTML pages. */
export class Browser {
  readonly cookies = new Map<string, string>();
  /** The CSRF token of the last page that had a form. */
  csrf: string | undefined;
  /** Sent with every request, as a browser sends its User-Agent or Sec-Fetch-Site. */
  readonly headers: Record<string, string> = {};

  constructor(private readonly app: FastifyInstance) {}

  async get(url: string): Promise<PageReply> {
    return this.send('GET', url);
  }

  /** Posts a form, adding the CSRF token from the last page unless `_csrf` is given (or null to omit it). */
  async post(url: string, form: Record<string, string> = {}, csrf: string | null | undefined = undefined): Promise<PageReply> {
    const fields: Record<string, string> = { ...form };
    const token = csrf === undefined ? this.csrf : csrf;
    if (token !== null && token !== undefined) fields._csrf = token;
    return this.send('POST', url, new URLSearchParams(fields).toString());
  }

  /** GETs a page first so the form's token is fresh, then posts. */
  async submit(pageUrl: string, action: string, form: Record<string, string>): Promise<PageReply> {
    await this.get(pageUrl);
    return this.post(action, form);
  }

  private async send(method: 'GET' | 'POST', url: string, payload?: string): Promise<PageReply> {
    const headers: Record<string, string> = { ...this.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (payload !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await this.app.inject({ method, url, headers, payload });
    const setCookie = response.headers['set-cookie'];
    const setCookies = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
    for (const line of setCookies) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body);
    if (token) this.csrf = token[1];
    const location = response.headers.location;
    return {
      status: response.statusCode,
      body: response.body,
      location: typeof location === 'string' ? location : undefined,
      headers: response.headers,
      setCookies,
    };
  }
}

/** A browser signed up through the form, sending `headers` (a User-Agent, say) with every request. */
export async function signedUpBrowser(app: FastifyInstance, username: string, headers: Record<string, string> = {}): Promise<Browser> {
  const browser = new Browser(app);
  Object.assign(browser.headers, headers);
  const reply = await browser.submit('/signup', '/signup', { username, password: 'correct horse' });
  if (reply.status !== 303) throw new Error(`sign-up of ${username} failed: ${reply.status} ${reply.body}`);
  return browser;
}
