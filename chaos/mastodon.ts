/**
 * How the chaos harness speaks the Mastodon client API: the run's one
 * registered app, its password grant, and the Status entity read back as
 * the checker sees it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PostRef } from './history.js';
import type { WebPool } from './web-pool.js';

export const PASSWORD = 'chaos monkey password';
export const SCOPES = 'read write follow';
/** Mastodon's page limits: statuses and timelines at most 40, account lists 80. */
export const STATUS_PAGE = 40;
export const ACCOUNT_PAGE = 80;

/** The one app a run registers; every client signs up and logs in as it. */
export interface ChaosApp {
  clientId: string;
  clientSecret: string;
  /** A client_credentials token: what POST /api/v1/accounts (sign-up) needs. */
  appToken: string;
}

/** The plain text of a status's HTML content ("<p>text</p>", line breaks as <br>). */
export function textOf(content: string): string {
  return content
    .replace(/<br\s*\/?>/g, '\n')
    .replace(/<\/p>\s*<p>/g, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** A Mastodon Status as the checker sees it; a reblog (a wrapper whose `reblog` is the original) names its original. */
export const postRef = (status: any): PostRef => {
  const ref = { id: String(status.id), author: String(status.account?.username), text: textOf(String(status.content ?? '')) };
  return status.reblog ? { ...ref, text: '', reblogOf: String(status.reblog.id) } : ref;
};

export const postRefs = (body: unknown): PostRef[] => (Array.isArray(body) ? body.map(postRef) : []);

/**
 * Registers the run's app and gets its app token, retrying until both are
 * answered (before any fault; an unanswered registration only leaves an
 * unused app behind). Not part of the history: no guarantee is about it.
 */
export async function registerApp(pool: WebPool, attempts = 20): Promise<ChaosApp> {
  const send = async (path: string, json: unknown): Promise<any> => {
    let last = '';
    for (let n = 0; n < attempts; n++) {
      try {
        const answer = await pool.request('POST', path, { json, timeoutMs: 10_000 });
        if (answer.status === 200) return answer.body;
        last = `HTTP ${answer.status} ${JSON.stringify(answer.body)}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(250);
    }
    throw new Error(`POST ${path} failed ${attempts} times, last: ${last}`);
  };
  const app = await send('/api/v1/apps', { client_name: 'chorus chaos', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: SCOPES });
  const clientId = String(app.client_id);
  const clientSecret = String(app.client_secret);
  const token = await send('/oauth/token', {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
    scope: SCOPES,
  });
  return { clientId, clientSecret, appToken: String(token.access_token) };
}

/** Logs in with the password grant: the request POST /oauth/token takes. */
export const passwordGrant = (app: ChaosApp, username: string) => ({
  grant_type: 'password',
  client_id: app.clientId,
  client_secret: app.clientSecret,
  username,
  password: PASSWORD,
  scope: SCOPES,
});
