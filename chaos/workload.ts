/**
 * The chaos clients: each owns one account and does what a person would,
 * through the JSON API of whichever web instance the pool picks, recording
 * every request. A write that failed or timed out is sent again, with the
 * same idempotency key for posts, until it is acknowledged or definitely
 * refused, or its retry budget runs out.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type HistoryRecorder, type Op, type OpKind, outcomeOf, type PostRef } from './history.js';
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

export const PASSWORD = 'chaos monkey password';
const WRITE_ATTEMPTS = 10;

export type Action = 'post' | 'follow' | 'unfollow' | 'following' | 'feed' | 'profile' | 'posts' | 'logout';
export const REALISTIC_MIX: [Action, number][] = [
  ['post', 30],
  ['feed', 18],
  ['follow', 10],
  ['unfollow', 6],
  ['following', 10],
  ['profile', 8],
  ['posts', 10],
  ['logout', 3],
];

const postRefs = (body: any): PostRef[] =>
  Array.isArray(body?.posts) ? body.posts.map((p: any) => ({ id: String(p.id), author: String(p.author), text: String(p.text) })) : [];

class Client {
  token: string | undefined;
  #posts = 0;

  constructor(
    readonly username: string,
    private readonly o: WorkloadOptions,
  ) {}

  async #send(
    kind: OpKind,
    method: string,
    path: string,
    extra: Partial<Op> & { json?: unknown; headers?: Record<string, string>; token?: string },
    read?: (answer: Answer) => Partial<Op>,
  ) {
    const { json, headers, ...fields } = extra;
    return this.o.recorder.record<Answer>(
      { client: this.username, kind, ...fields },
      // No answer (NoAnswerError) is recorded as unknown by the recorder.
      () => this.o.pool.request(method, path, { token: fields.token, json, headers, timeoutMs: this.o.requestTimeoutMs }),
      (answer) => {
        const outcome = outcomeOf(answer.status);
        return { outcome, status: answer.status, ...(outcome === 'ok' && read ? read(answer) : {}) };
      },
    );
  }

  /** Sends until acknowledged or refused with a 4xx; between attempts, a short growing pause. */
  async #write(attempt: () => Promise<{ op: Op }>): Promise<Op> {
    for (let n = 1; ; n++) {
      const { op } = await attempt();
      if (op.outcome !== 'unknown' || n >= WRITE_ATTEMPTS || this.o.recorder.now() > this.o.retryUntil) return op;
      await sleep(Math.min(100 * 2 ** n, 1500));
    }
  }

  async signUp(): Promise<void> {
    let unknownBefore = false;
    const op = await this.#write(async () => {
      const r = await this.#send('signup', 'POST', '/api/v1/accounts', { json: { username: this.username, password: PASSWORD } }, (a) => ({
        token: a.body.token,
      }));
      if (r.op.outcome === 'ok') this.token = r.result!.body.token;
      // A 409 after an attempt with no answer: that attempt created the account.
      if (r.op.status === 409 && unknownBefore) return { op: { ...r.op, outcome: 'ok' as const } };
      unknownBefore ||= r.op.outcome === 'unknown';
      return r;
    });
    if (op.outcome !== 'ok') throw new Error(`could not sign up ${this.username}: HTTP ${op.status}`);
    if (!this.token) await this.logIn();
  }

  async logIn(): Promise<void> {
    const op = await this.#write(async () => {
      const r = await this.#send('login', 'POST', '/api/v1/sessions', { json: { username: this.username, password: PASSWORD } });
      if (r.op.outcome === 'ok') this.token = r.result!.body.token;
      return r;
    });
    if (op.outcome !== 'ok') this.token = undefined;
  }

  async act(action: Action, other: string): Promise<void> {
    if (!this.token) {
      await this.logIn();
      if (!this.token) return;
    }
    const token = this.token;
    switch (action) {
      case 'post': {
        const key = `${this.username}-${++this.#posts}`;
        const text = `chaos post ${key}`;
        await this.#write(() =>
          this.#send('post', 'POST', '/api/v1/posts', { token, key, text, json: { text }, headers: { 'idempotency-key': key } }, (a) => ({
            postId: a.body.id,
          })),
        );
        return;
      }
      case 'follow':
      case 'unfollow':
        await this.#write(() =>
          this.#send(action, action === 'follow' ? 'PUT' : 'DELETE', `/api/v1/following/${other}`, { token, target: other }),
        );
        return;
      case 'following':
        await this.#send('following', 'GET', `/api/v1/accounts/${this.username}/following?limit=100`, { token }, (a) =>
          a.body.next === null ? { following: a.body.accounts.map((x: { username: string }) => x.username) } : {},
        );
        return;
      case 'feed':
        await this.#send('feed', 'GET', '/api/v1/feed?limit=50', { token }, (a) => ({
          posts: postRefs(a.body),
          complete: a.body.next === null,
        }));
        return;
      case 'profile': {
        const target = this.o.random() < 0.5 ? this.username : other;
        await this.#send('profile', 'GET', `/api/v1/accounts/${target}`, { target }, (a) => ({
          counts: { posts: a.body.posts, following: a.body.following, followers: a.body.followers },
        }));
        return;
      }
      case 'posts': {
        const target = this.o.random() < 0.5 ? this.username : other;
        await this.#send('posts', 'GET', `/api/v1/accounts/${target}/posts?limit=50`, { target }, (a) => ({
          posts: postRefs(a.body),
          complete: a.body.next === null,
        }));
        return;
      }
      case 'logout': {
        const op = await this.#write(() => this.#send('logout', 'DELETE', '/api/v1/sessions/current', { token }));
        this.token = undefined;
        // The token must now be refused everywhere: ask both the feed and a write.
        if (op.outcome === 'ok') {
          await this.#send('revoked', 'GET', '/api/v1/feed?limit=1', { token });
          await this.#send('revoked', 'PUT', `/api/v1/following/${other}`, { token });
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
  run(): Promise<void>;
}

/** Signs every account up (before the faults start, so follows have targets), then returns the load to run. */
export async function prepareWorkload(o: WorkloadOptions): Promise<Workload> {
  const clients = o.usernames.map((u) => new Client(u, o));
  await Promise.all(clients.map((c) => c.signUp()));
  return {
    usernames: o.usernames,
    run: async () => {
      await Promise.all(
        clients.map(async (client) => {
          for (let n = 0; n < o.maxOps && !o.stopped(); n++) {
            const others = o.usernames.filter((u) => u !== client.username);
            await client.act(pick(o.random, o.mix ?? REALISTIC_MIX), others[Math.floor(o.random() * others.length)]!);
            await sleep(5);
          }
        }),
      );
    },
  };
}
