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
