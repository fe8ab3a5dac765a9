/**
 * One account that deletes itself under faults (issue 12). The leaver is
 * not one of the clients and stays out of their history: before the
 * faults it posts a few statuses and follows a few clients (which
 * notifies them), and while the faults run it deletes its account,
 * retrying like any write. After the run, `checkLeaver` (pure) judges
 * what the deployment shows: nothing of the account remains (no profile,
 * no log-in, no status, no follow, no notification it caused) and its
 * name is still taken. That nothing of anyone else was lost is what the
 * rest of the checker already judges of the clients' final state.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { accountId } from '../src/domain/mastodon-ids.js';
import type { FinalState } from './history.js';
import { type ChaosApp, PASSWORD, passwordGrant } from './mastodon.js';
import type { Answer, WebPool } from './web-pool.js';

const POSTS = 5;
const FOLLOWS = 3;
const ATTEMPTS = 20;
/** The sweep starts when each social instance sees the tombstone (and retries every 5 s); faults may fail some runs. */
const GONE_WITHIN_MS = 60_000;

/** What the deployment showed of the leaver after the run. */
export interface LeaverEvidence {
  username: string;
  /** Whether the deletion was acknowledged (202, or 401 after an attempt that got no answer). */
  deleted: boolean;
  /** HTTP statuses after the run: the account's lookup, a log-in with its password, a sign-up of its name. */
  lookup: number;
  login: number;
  signUp: number;
  /** Its acknowledged statuses and what GET /api/v1/statuses/:id answered each. */
  statuses: Record<string, number>;
  /** The clients it followed. */
  followed: string[];
}

/** What is wrong with the leaver's end, given what the clients' final state holds. */
export function checkLeaver(evidence: LeaverEvidence, final: FinalState): string[] {
  const { username: name } = evidence;
  if (!evidence.deleted) return [`leaver: ${name}'s deletion was never acknowledged`];
  const violations: string[] = [];
  if (evidence.lookup !== 404) violations.push(`leaver: ${name}'s account lookup answered ${evidence.lookup}, not 404`);
  if (evidence.login < 400 || evidence.login >= 500) violations.push(`leaver: ${name} could still log in (HTTP ${evidence.login})`);
  if (evidence.signUp !== 422) violations.push(`leaver: signing up as ${name} again answered ${evidence.signUp}, not 422 (taken)`);
  for (const [id, status] of Object.entries(evidence.statuses)) {
    if (status !== 404) violations.push(`leaver: ${name}'s status ${id} answered ${status}, not 404`);
  }
  for (const [user, state] of Object.entries(final.users)) {
    if (state.following.includes(name)) violations.push(`leaver: ${user} still follows ${name}`);
    for (const n of state.notifications ?? []) {
      if (n.actor === name) violations.push(`leaver: ${user} still has ${name}'s ${n.type} notification ${n.id}`);
    }
    for (const post of [...state.posts, ...state.feed]) {
      if (post.author === name) violations.push(`leaver: ${user}'s final read still shows ${name}'s status ${post.id}`);
    }
  }
  return violations;
}

/** The leaver, signed up and active before the faults; `leave` deletes it, `evidence` reads what is left. */
export class Leaver {
  readonly statuses: string[] = [];
  readonly followed: string[] = [];
  #deleted = false;

  private constructor(
    private readonly pool: WebPool,
    private readonly app: ChaosApp,
    readonly username: string,
    private readonly token: string,
    /** A client whose token reads the leaver's end, as any other account would. */
    private readonly witness: string,
  ) {}

  static async join(pool: WebPool, app: ChaosApp, username: string, clients: readonly string[]): Promise<Leaver> {
    const signedUp = await answered(pool, 'POST', '/api/v1/accounts', app.appToken, {
      username,
      password: PASSWORD,
      agreement: true,
      locale: 'en',
    });
    if (signedUp.status !== 200) throw new Error(`leaver: sign-up of ${username} answered ${signedUp.status}`);
    const witness = clients[0];
    if (witness === undefined) throw new Error('leaver: no client to witness the deletion');
    const leaver = new Leaver(pool, app, username, String(signedUp.body.access_token), witness);
    for (let i = 0; i < POSTS; i++) {
      const posted = await answered(pool, 'POST', '/api/v1/statuses', leaver.token, { status: `leaver post ${i}` });
      if (posted.status === 200) leaver.statuses.push(String(posted.body.id));
    }
    for (const client of clients.slice(0, FOLLOWS)) {
      const followed = await answered(pool, 'POST', `/api/v1/accounts/${accountId(client)}/follow`, leaver.token);
      if (followed.status === 200) leaver.followed.push(client);
    }
    return leaver;
  }

  /** Deletes the account, sending again after no answer; a 401 after such an attempt means that attempt did it. */
  async leave(): Promise<void> {
    let unknownBefore = false;
    for (let attempt = 0; attempt < ATTEMPTS && !this.#deleted; attempt++) {
      try {
        const answer = await this.pool.request('POST', '/api/v1/chorus/delete_account', {
          token: this.token,
          json: { password: PASSWORD },
          timeoutMs: 10_000,
        });
        if (answer.status === 202 || (answer.status === 401 && unknownBefore)) this.#deleted = true;
        else if (answer.status >= 400 && answer.status < 500) return;
        else unknownBefore = true;
      } catch {
        unknownBefore = true;
      }
      if (!this.#deleted) await sleep(250 * (attempt + 1));
    }
  }

  /** Waits (bounded) until the leaver's statuses are gone, so the final read sees the sweep's end. */
  async awaitSwept(): Promise<void> {
    if (!this.#deleted) return;
    const token = await this.witnessToken();
    const until = Date.now() + GONE_WITHIN_MS;
    while (Date.now() < until) {
      const left = await Promise.all(this.statuses.map((id) => this.status(id, token)));
      if (left.every((status) => status === 404)) return;
      await sleep(500);
    }
  }

  async evidence(): Promise<LeaverEvidence> {
    const token = await this.witnessToken();
    const statuses: Record<string, number> = {};
    for (const id of this.statuses) statuses[id] = await this.status(id, token);
    const lookup = (await answered(this.pool, 'GET', `/api/v1/accounts/${accountId(this.username)}`, token)).status;
    const login = (await answered(this.pool, 'POST', '/oauth/token', undefined, passwordGrant(this.app, this.username))).status;
    const signUp = (
      await answered(this.pool, 'POST', '/api/v1/accounts', this.app.appToken, {
        username: this.username,
        password: PASSWORD,
        agreement: true,
        locale: 'en',
      })
    ).status;
    return { username: this.username, deleted: this.#deleted, lookup, login, signUp, statuses, followed: this.followed };
  }

  private async status(id: string, token: string): Promise<number> {
    return (await answered(this.pool, 'GET', `/api/v1/statuses/${id}`, token)).status;
  }

  private async witnessToken(): Promise<string> {
    const answer = await answered(this.pool, 'POST', '/oauth/token', undefined, passwordGrant(this.app, this.witness));
    if (answer.status !== 200) throw new Error(`leaver: the witness ${this.witness} could not log in (HTTP ${answer.status})`);
    return String(answer.body.access_token);
  }
}

/** A request sent until it gets an answer below 500 (or the last one); for the leaver's set-up and the final reads. */
async function answered(pool: WebPool, method: string, path: string, token?: string, json?: unknown): Promise<Answer> {
  let last: Answer | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      last = await pool.request(method, path, { token, json, timeoutMs: 10_000 });
      if (last.status < 500) return last;
    } catch {
      // No answer: try again.
    }
    await sleep(250);
  }
  if (last) return last;
  throw new Error(`leaver: ${method} ${path} got no answer ${ATTEMPTS} times`);
}
