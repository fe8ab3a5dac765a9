import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runAutocannon } from '../bench/autocannon.js';
import { benchUser, type LoadSpec, readUsers, writeUsers } from '../bench/load-spec.js';
import { nextLink } from '../bench/verify.js';
import { runWrk } from '../bench/wrk.js';
import { accountId } from '../src/domain/mastodon-ids.js';

/**
 * The requests the bench's load generators send are the Mastodon client
 * API's: each generator runs briefly against a loopback server that records
 * every request and answers 200, and every recorded request must be one of
 * the workload's.
 */

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  idempotencyKey?: string;
  body: string;
}

function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk --version prints its usage and exits 1: it is there.
    return (error as { status?: number }).status === 1;
  }
}

const users = [benchUser('alice', 'token-a'), benchUser('bob_2', 'token-b'), benchUser('carol', 'token-c')];
const byToken = new Map(users.map((u) => [`Bearer ${u.token}`, u]));
/** The popular statuses or the thread the issue 11 workloads pick from. */
const statusIds = ['100000000000000000000000101', '100000000000000000000000202', '100000000000000000000000303'];

/** Throws unless `r` is a request the favourites or thread workload may send. */
function checkSocialRequest(r: Seen, workload: 'favourites' | 'thread'): string {
  assert.ok(byToken.has(r.authorization ?? ''), `${workload} with token ${r.authorization}`);
  const match =
    workload === 'favourites'
      ? /^\/api\/v1\/statuses\/([0-9]+)\/(favourite|unfavourite)$/.exec(r.url)
      : /^\/api\/v1\/statuses\/([0-9]+)\/(context)$/.exec(r.url);
  assert.ok(match, `unexpected ${workload} request ${r.method} ${r.url}`);
  assert.equal(r.method, workload === 'favourites' ? 'POST' : 'GET');
  assert.ok(statusIds.includes(match[1]!), `${workload} of an unknown status ${r.url}`);
  return match[2]!;
}

/** Throws unless `r` is a request the mix workload may send. */
function checkRequest(r: Seen): 'feed' | 'profile' | 'post' | 'follow' {
  if (r.method === 'GET' && r.url === '/api/v1/timelines/home?limit=20') {
    assert.ok(byToken.has(r.authorization ?? ''), `feed with token ${r.authorization}`);
    return 'feed';
  }
  const profile = /^\/api\/v1\/accounts\/([0-9]+)$/.exec(r.url);
  if (r.method === 'GET' && profile) {
    assert.ok(byToken.has(r.authorization ?? ''), `profile with token ${r.authorization}`);
    assert.ok(
      users.some((u) => u.accountId === profile[1]),
      `profile of an unknown id ${r.url}`,
    );
    return 'profile';
  }
  if (r.method === 'POST' && r.url === '/api/v1/statuses') {
    assert.ok(byToken.has(r.authorization ?? ''));
    assert.match(r.idempotencyKey ?? '', /^[\x21-\x7e]{1,100}$/);
    const body = JSON.parse(r.body) as { status?: unknown };
    assert.equal(typeof body.status, 'string');
    return 'post';
  }
  const follow = /^\/api\/v1\/accounts\/([0-9]+)\/(follow|unfollow)$/.exec(r.url);
  if (r.method === 'POST' && follow) {
    const follower = byToken.get(r.authorization ?? '');
    assert.ok(follower);
    const followee = users.find((u) => u.accountId === follow[1]);
    assert.ok(followee, `follow of an unknown id ${r.url}`);
    assert.notEqual(followee.username, follower.username, 'never follows itself');
    return 'follow';
  }
  assert.fail(`unexpected request ${r.method} ${r.url}`);
}

describe('bench load generators', () => {
  const seen: Seen[] = [];
  let port = 0;
  let dir = '';
  let usersFile = '';
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        idempotencyKey: request.headers['idempotency-key'] as string | undefined,
        body,
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-bench-requests-'));
    usersFile = path.join(dir, 'users.txt');
    writeUsers(usersFile, users);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes and reads the users file with account ids', () => {
    assert.deepEqual(readUsers(usersFile), users);
    assert.equal(users[1]!.accountId, accountId('bob_2'));
  });

  const spec = (workload: LoadSpec['workload'], runId: number): LoadSpec => ({
    workload,
    usersFile,
    statusIds,
    ports: [port],
    connections: 2,
    durationS: 1,
    runId,
  });

  const checkMix = (generator: string) => {
    const kinds = new Map<string, number>();
    const keys = new Set<string>();
    for (const r of seen) {
      const kind = checkRequest(r);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      if (kind === 'post') {
        assert.ok(!keys.has(r.idempotencyKey!), `${generator} repeats Idempotency-Key ${r.idempotencyKey}`);
        keys.add(r.idempotencyKey!);
      }
    }
    for (const kind of ['feed', 'profile', 'post']) assert.ok((kinds.get(kind) ?? 0) > 0, `${generator} sent no ${kind}`);
  };

  it('wrk sends the Mastodon requests of the mix', { skip: !hasWrk() && 'wrk is not installed', timeout: 30_000 }, async () => {
    seen.length = 0;
    const result = await runWrk(spec('mix', 1), dir);
    assert.equal(result.errorCount, 0);
    assert.ok(seen.length > 100, `only ${seen.length} requests`);
    checkMix('wrk');
  });

  it('autocannon sends the Mastodon requests of the mix', { timeout: 30_000 }, async () => {
    seen.length = 0;
    const result = await runAutocannon(spec('mix', 2));
    assert.equal(result.errorCount, 0);
    assert.ok(seen.length > 100, `only ${seen.length} requests`);
    checkMix('autocannon');
  });

  /** Every request is the workload's, and every kind of it and every status is asked for. */
  const checkSocial = (generator: string, workload: 'favourites' | 'thread') => {
    const kinds = new Set(seen.map((r) => checkSocialRequest(r, workload)));
    assert.deepEqual([...kinds].sort(), workload === 'favourites' ? ['favourite', 'unfavourite'] : ['context'], generator);
    assert.deepEqual([...new Set(seen.map((r) => r.url.split('/')[4]))].sort(), statusIds, `${generator} spreads over every status`);
  };

  /** Requests of an earlier run can still be arriving when it returns: waits for 200 ms without one (at most 3 s), then forgets them. */
  const quiet = async () => {
    for (let waited = 0, count = -1; count !== seen.length && waited < 3000; waited += 200) {
      count = seen.length;
      await sleep(200);
    }
    seen.length = 0;
  };

  for (const workload of ['favourites', 'thread'] as const) {
    it(`wrk sends the requests of the ${workload} scenario`, { skip: !hasWrk() && 'wrk is not installed', timeout: 30_000 }, async () => {
      await quiet();
      const result = await runWrk(spec(workload, 3), dir);
      assert.equal(result.errorCount, 0);
      assert.ok(seen.length > 100, `only ${seen.length} requests`);
      checkSocial('wrk', workload);
    });

    it(`autocannon sends the requests of the ${workload} scenario`, { timeout: 30_000 }, async () => {
      await quiet();
      const result = await runAutocannon(spec(workload, 4));
      assert.equal(result.errorCount, 0);
      assert.ok(seen.length > 100, `only ${seen.length} requests`);
      checkSocial('autocannon', workload);
    });
  }
});

describe('nextLink', () => {
  it('finds rel="next" among the links', () => {
    assert.equal(
      nextLink('<http://127.0.0.1:1/api/v1/x?max_id=5>; rel="next", <http://127.0.0.1:1/api/v1/x?min_id=9>; rel="prev"'),
      'http://127.0.0.1:1/api/v1/x?max_id=5',
    );
    assert.equal(nextLink('<http://127.0.0.1:1/a?min_id=9>; rel="prev"'), undefined);
    assert.equal(nextLink(null), undefined);
  });
});
