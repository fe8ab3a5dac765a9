/**
 * What a load balancer in front of the web instances does, for the chaos
 * clients: it polls each instance's /readyz, sends requests only to ready
 * ones in turn, and moves a request to another instance when the connection
 * is refused (the request never left, so any request may move).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface Answer {
  status: number;
  body: any;
  /** The URL of the Link header's rel="next", if there was one: Mastodon lists page by it. */
  next: string | undefined;
}

/** The rel="next" URL of a Link header (`<url>; rel="next", <url>; rel="prev"`). */
export function nextLink(header: string | null): string | undefined {
  for (const part of header?.split(',') ?? []) {
    const match = /^\s*<([^>]*)>\s*;\s*rel="?next"?\s*$/.exec(part);
    if (match) return match[1];
  }
  return undefined;
}

/** The path and query of an absolute URL, to send to whichever instance the pool picks. */
export function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

/** No answer came: the request may or may not have been processed. */
export class NoAnswerError extends Error {}

const POLL_MS = 100;

export class WebPool {
  readonly #ready: boolean[];
  #turn = 0;
  #polling = true;
  readonly #poller: Promise<void>;

  constructor(readonly urls: string[]) {
    this.#ready = urls.map(() => true);
    this.#poller = this.#poll();
  }

  async #poll(): Promise<void> {
    while (this.#polling) {
      await Promise.all(
        this.urls.map(async (url, i) => {
          try {
            const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
            await response.arrayBuffer();
            this.#ready[i] = response.ok;
          } catch {
            this.#ready[i] = false;
          }
        }),
      );
      await sleep(POLL_MS);
    }
  }

  #pick(): number {
    for (let k = 0; k < this.urls.length; k++) {
      const i = (this.#turn + k) % this.urls.length;
      if (this.#ready[i]) {
        this.#turn = i + 1;
        return i;
      }
    }
    return this.#turn++ % this.urls.length;
  }

  /**
   * Sends one request; resolves with any HTTP answer, throws NoAnswerError
   * when none came within timeoutMs (refused connections are retried on
   * another instance until then).
   */
  async request(
    method: string,
    path: string,
    options: { token?: string; json?: unknown; headers?: Record<string, string>; timeoutMs: number },
  ): Promise<Answer> {
    const deadline = Date.now() + options.timeoutMs;
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    const body = options.json === undefined ? undefined : JSON.stringify(options.json);
    for (;;) {
      const i = this.#pick();
      try {
        const response = await fetch(this.urls[i] + path, {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
        });
        const text = await response.text();
        const json = response.headers.get('content-type')?.includes('application/json') && text !== '';
        return { status: response.status, body: json ? JSON.parse(text) : text, next: nextLink(response.headers.get('link')) };
      } catch (error) {
        const code = ((error as Error).cause as { code?: string } | undefined)?.code;
        if (code !== 'ECONNREFUSED') throw new NoAnswerError(`${method} ${path} on ${this.urls[i]}: ${code ?? (error as Error).message}`);
        this.#ready[i] = false;
        if (Date.now() + 50 > deadline) throw new NoAnswerError(`${method} ${path}: every web instance refused`);
        await sleep(50);
      }
    }
  }

  async close(): Promise<void> {
    this.#polling = false;
    await this.#poller;
  }
}
