/** A small JSON client for API tests over real sockets. */
export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export async function request(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(baseUrl + path, { method, headers, body, redirect: 'manual' });
  const text = await response.text();
  let parsed: unknown = text;
  if (response.headers.get('content-type')?.includes('application/json') && text !== '') parsed = JSON.parse(text);
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Binds request to one base URL. */
export function client(baseUrl: string) {
  return (method: string, path: string, options?: Parameters<typeof request>[3]) => request(baseUrl, method, path, options);
}

const SCOPES = 'read write follow';

/** A registered Mastodon app and its app token, for signing people up. */
export interface MastodonApp {
  clientId: string;
  clientSecret: string;
  appToken: string;
}

/** Registers an app (POST /api/v1/apps) and gets its app token (client_credentials), as a Mastodon client does once. */
export async function registerApp(baseUrl: string, name = 'Chorus tests'): Promise<MastodonApp> {
  const app = await request(baseUrl, 'POST', '/api/v1/apps', {
    json: { client_name: name, redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: SCOPES },
  });
  if (app.status !== 200) throw new Error(`app registration failed: ${app.status} ${JSON.stringify(app.body)}`);
  const { client_id: clientId, client_secret: clientSecret } = app.body;
  const token = await request(baseUrl, 'POST', '/oauth/token', {
    json: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: SCOPES },
  });
  if (token.status !== 200) throw new Error(`app token failed: ${token.status} ${JSON.stringify(token.body)}`);
  return { clientId, clientSecret, appToken: token.body.access_token };
}

/** POST /api/v1/accounts with the app's token; the raw reply (a Token on success). */
export function register(baseUrl: string, app: MastodonApp, username: string, password: string): Promise<Reply> {
  return request(baseUrl, 'POST', '/api/v1/accounts', { token: app.appToken, json: { username, password, agreement: true } });
}

/** The password grant at /oauth/token; the raw reply (a Token on success). */
export function logIn(baseUrl: string, app: MastodonApp, username: string, password: string): Promise<Reply> {
  return request(baseUrl, 'POST', '/oauth/token', {
    json: { grant_type: 'password', client_id: app.clientId, client_secret: app.clientSecret, username, password, scope: SCOPES },
  });
}

/** The path and query of the Link header's rel="next", or undefined at the end of a list. */
export function nextPath(headers: Headers): string | undefined {
  const next = /<([^>]+)>; rel="next"/.exec(headers.get('link') ?? '')?.[1];
  if (next === undefined) return undefined;
  const url = new URL(next);
  return url.pathname + url.search;
}
