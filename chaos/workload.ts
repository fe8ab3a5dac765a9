/**
 * The chaos clients: each owns one account and does what a person would,
 * through the Mastodon API of whichever web instance the pool picks, as one
 * registered app, recording every request. A write that failed or timed out
 * is sent again, with the same Idempotency-Key for posts, until it is
 * acknowledged or definitely refused, or its retry budget runs out.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { accountId } from '../src/domain/mastodon-ids.js';
import { type HistoryRecorder, type Op, type OpKind, outcomeOf } from './history.js';
import { type ChaosApp, PASSWORD, passwordGrant, postRefs, registerApp, STATUS_PAGE } from './mastodon.js';
import { type ActingClient, actSocial, type SendExtra, SOCIAL_ACTIONS, type SocialAction, type Target } from './social-actions.js';
import type { Answer, WebPool } from './web-pool.js';

export interface WorkloadOptions {
  pool: WebPool;
  recorder: HistoryRecorder;
  usernames: string[];
  random: () => number;
  /** True once no new operation may start. */
  stopped: () => boolean;
  /** Retries of a write stop after this (ms on the recorder's clock), so a run always ends. */
  retryUntil: number;
  /** Per worker. */
  maxOps: number;
  requestTimeoutMs: number;
  /** What the clients do, with weights; a realistic mix by default. */
  mix?: [Action, number][];
}

const WRITE_ATTEMPTS = 10;
/**
 * How often an acknowledged post is read back at once: reads that begin
 * right after the acknowledgement, where a read index of bounded age
 * without commit-wait would miss the post (chaos/check-reads.ts).
 */
const READ_BACK = 0.3;

export type Action = 'post' | 'follow' | 'unfollow' | 'relationships' | 'feed' | 'profile' | 'posts' | 'logout' | SocialAction;
/** Weights, not percentages: they sum to 120. */
export const REALISTIC_MIX: [Action, number][] = [
  ['post', 30],
  ['feed', 18],
  ['follow', 10],
  ['unfollow', 6],
  ['relationships', 10],
  ['profile', 8],
  ['posts', 10],
  ['logout', 3],
  ['favourite', 6],
  ['unfavourite', 3],
  ['reblog', 3],
  ['unreblog', 2],
  ['block', 1],
  ['unblock', 1],
  ['status', 6],
  ['notifications', 3],
];

/**
 * A 429 from sign-up or log-in: password hashing was too busy to take the
 * request (a loaded machine; rate limits are off), so it did nothing and
 * the retry loop sends it again, as a person would. The history keeps
 * the refusal as it was recorded.
 */
const busy = (op: Op) => ({ op: { ...op, outcome: 'unknown' as const } });

class Client implements ActingClient {
  token: string | undefined;
  readonly blocked = new Set<string>();
  #posts = 0;

  constructor(
    readonly username: string,
    private readonly o: WorkloadOptions,
    private readonly app: ChaosApp,
  ) {}

  /** `token` is recorded with the op and sent as the bearer token, unless `bearer` names another to send. */
  async send(kind: OpKind, method: string, path: string, extra: SendExtra, read?: (answer: Answer) => Partial<Op>) {
    const { json, headers, bearer, ...fields } = extra;
    const sent = bearer === undefined ? fields.token : (bearer ?? undefined);
    return this.o.recorder.record<Answer>(
      { client: this.username, kind, ...fields },
      // No answer (NoAnswerError) is recorded as unknown by the recorder.
      () => this.o.pool.request(method, path, { token: sent, json, headers, timeoutMs: this.o.requestTimeoutMs }),
      (answer) => {
        const outcome = outcomeOf(answer.status);
        return { outcome, status: answer.status, ...(outcome === 'ok' && read ? read(answer) : {}) };
      },
    );
  }

  /** Sends until acknowledged or refused with a 4xx; between attempts, a short growing pause. */
  async write(attempt: () => Promise<{ op: Op }>): Promise<Op> {
    for (let n = 1; ; n++) {
      const { op } = await attempt();
      if (op.outcome !== 'unknown' || n >= WRITE_ATTEMPTS || this.o.recorder.now() > this.o.retryUntil) return op;
      await sleep(Math.min(100 * 2 ** n, 1500));
    }
  }

  async signUp(): Promise<void> {
    let unknownBefore = false;
    const op = await this.write(async () => {
      const r = await this.send(
        'signup',
        'POST',
        '/api/v1/accounts',
        { bearer: this.app.appToken, json: { username: this.username, password: PASSWORD, agreement: true, locale: 'en' } },
        (a) => ({ token: a.body.access_token }),
      );
      if (r.op.outcome === 'ok') this.token = r.result!.body.access_token;
      if (r.op.status === 429) return busy(r.op);
      // A 422 (username taken) after an attempt with no answer: that attempt created the account.
      if (r.op.status === 422 && unknownBefore) return { op: { ...r.op, outcome: 'ok' as const } };
      unknownBefore ||= r.op.outcome === 'unknown';
      return r;
    });
    if (op.outcome !== 'ok') throw new Error(`could not sign up ${this.username}: HTTP ${op.status}`);
    if (!this.token) await this.logIn();
  }

  async logIn(): Promise<void> {
    const op = await this.write(async () => {
      const r = await this.send('login', 'POST', '/oauth/token', { json: passwordGrant(this.app, this.username) });
      if (r.op.outcome === 'ok') this.token = r.result!.body.access_token;
      return r.op.status === 429 ? busy(r.op) : r;
    });
    if (op.outcome !== 'ok') this.token = undefined;
  }

  /** Posts a new status with its own idempotency key, retrying like every write; the last attempt. */
  async post(token: string): Promise<Op> {
    const key = `${this.username}-${++this.#posts}`;
    // Nothing in it that HTML escapes: the text read back from `content` is this text.
    const text = `chaos post ${key}`;
    return this.write(() =>
      this.send(
        'post',
        'POST',
        '/api/v1/statuses',
        { token, key, text, json: { status: text }, headers: { 'idempotency-key': key } },
        (a) => ({ postId: String(a.body.id) }),
      ),
    );
  }

  /** The first page of `target`'s statuses. */
  async readPosts(token: string, target: string): Promise<void> {
    await this.send('posts', 'GET', `/api/v1/accounts/${accountId(target)}/statuses?limit=${STATUS_PAGE}`, { token, target }, (a) => ({
      posts: postRefs(a.body),
      complete: a.next === undefined,
    }));
  }

  /** The client's first post, which every client may favourite and reblog; before the faults, so it must succeed. */
  async postTarget(): Promise<Target> {
    if (!this.token) await this.logIn();
    const op = this.token ? await this.post(this.token) : undefined;
    if (op?.outcome !== 'ok' || !op.postId) throw new Error(`could not post ${this.username}'s target status: HTTP ${op?.status}`);
    return { statusId: op.postId, author: this.username };
  }

  async act(action: Action, other: string, targets: readonly Target[]): Promise<void> {
    if (!this.token) {
      await this.logIn();
      if (!this.token) return;
    }
    const token = this.token;
    const otherId = accountId(other);
    if ((SOCIAL_ACTIONS as readonly string[]).includes(action)) {
      if (targets.length === 0) return;
      const target = targets[Math.floor(this.o.random() * targets.length)]!;
      await actSocial(this, action as SocialAction, token, other, target, this.o.random);
      return;
    }
    switch (action) {
      case 'post': {
        const op = await this.post(token);
        // As an app showing its new status: read it back at once, through whichever instances the pools pick.
        if (op.outcome === 'ok' && this.o.random() < READ_BACK) await this.readPosts(token, this.username);
        return;
      }
      case 'follow':
      case 'unfollow':
        await this.write(() => this.send(action, 'POST', `/api/v1/accounts/${otherId}/${action}`, { token, target: other }));
        return;
      case 'relationships': {
        // Every other account at once: one "is following" read per edge from this user.
        const others = this.o.usernames.filter((u) => u !== this.username);
        const query = others.map((u) => `id[]=${accountId(u)}`).join('&');
        const byId = new Map(others.map((u) => [accountId(u), u]));
        await this.send('relationships', 'GET', `/api/v1/accounts/relationships?${query}`, { token }, (a) => {
          const answers = (a.body as { id: string; following: boolean; blocking?: unknown; blocked_by?: unknown }[]).filter((r) =>
            byId.has(String(r.id)),
          );
          const withBlocks = answers.filter((r) => typeof r.blocking === 'boolean' && typeof r.blocked_by === 'boolean');
          return {
            relationships: Object.fromEntries(answers.map((r) => [byId.get(String(r.id))!, r.following === true])),
            blocks: Object.fromEntries(
              withBlocks.map((r) => [byId.get(String(r.id))!, { blocking: r.blocking === true, blockedBy: r.blocked_by === true }]),
            ),
          };
        });
        return;
      }
      case 'feed':
        await this.send('feed', 'GET', `/api/v1/timelines/home?limit=${STATUS_PAGE}`, { token }, (a) => ({
          posts: postRefs(a.body),
          complete: a.next === undefined,
        }));
        return;
      case 'profile': {
        const target = this.o.random() < 0.5 ? this.username : other;
        await this.send('profile', 'GET', `/api/v1/accounts/${accountId(target)}`, { token, target }, (a) => ({
          counts: { posts: a.body.statuses_count, following: a.body.following_count, followers: a.body.followers_count },
        }));
        return;
      }
      case 'posts':
        await this.readPosts(token, this.o.random() < 0.5 ? this.username : other);
        return;
      case 'logout': {
        // OAuth revocation with the app's credentials; the token goes in the body, not as the bearer.
        const op = await this.write(() =>
          this.send('logout', 'POST', '/oauth/revoke', {
            token,
            bearer: null,
            json: { client_id: this.app.clientId, client_secret: this.app.clientSecret, token },
          }),
        );
        this.token = undefined;
        // The token must now be refused everywhere: ask both the home timeline and a write.
        if (op.outcome === 'ok') {
          await this.send('revoked', 'GET', '/api/v1/timelines/home?limit=1', { token });
          await this.send('revoked', 'POST', `/api/v1/accounts/${otherId}/follow`, { token });
        }
        await this.logIn();
        return;
      }
    }
  }
}

function pick(random: () => number, mix: [Action, number][]): Action {
  const total = mix.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [action, weight] of mix) {
    r -= weight;
    if (r < 0) return action;
  }
  return 'feed';
}

export interface Workload {
  /** Every client's account, for the final read. */
  usernames: string[];
  /** The statuses the clients react to (each client's first post), when the mix has reactions. */
  targets: Target[];
  /** The app they signed up and log in as. */
  app: ChaosApp;
  run(): Promise<void>;
}

/** Registers the app and signs every account up (before the faults start, so follows have targets), then returns the load to run. */
export async function prepareWorkload(o: WorkloadOptions): Promise<Workload> {
  const app = await registerApp(o.pool);
  const clients = o.usernames.map((u) => new Client(u, o, app));
  await Promise.all(clients.map((c) => c.signUp()));
  const mix = o.mix ?? REALISTIC_MIX;
  const reacts = mix.some(([action]) => (SOCIAL_ACTIONS as readonly string[]).includes(action));
  const targets = reacts ? await Promise.all(clients.map((c) => c.postTarget())) : [];
  return {
    usernames: o.usernames,
    targets,
    app,
    run: async () => {
      await Promise.all(
        clients.map(async (client) => {
          for (let n = 0; n < o.maxOps && !o.stopped(); n++) {
            const others = o.usernames.filter((u) => u !== client.username);
            await client.act(pick(o.random, mix), others[Math.floor(o.random() * others.length)]!, targets);
            await sleep(5);
          }
        }),
      );
    },
  };
}
