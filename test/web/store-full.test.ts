/**
 * A full store, end to end: the store is filled up to a small quota
 * (etcd's --quota-backend-bytes, which raises the NOSPACE alarm; SQLite's
 * page limit, "database or disk is full"), and then a write through the
 * API and through the pages answers 507 with a clear message while reads
 * still answer 200. On etcd, the recovery docs/operations/space.md gives
 * (delete, compact, defragment, disarm) is then followed and writes work again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DomainError, isDomainError } from '../../src/domain/errors.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import type { KV } from '../../src/kv/kv.js';
import { type DefragOutcome, scheduleDefragment } from '../../src/local-etcd/defrag-schedule.js';
import { defragmentInTurn, disarmAlarms, listAlarms } from '../../src/local-etcd/maintenance.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { buildApp } from '../../src/web/app.js';
import { wanted } from '../helpers/engines.js';
import { startTestEtcd, type TestEtcd } from '../helpers/etcd.js';
import { eventually } from '../helpers/eventually.js';
import { api, signedUpBrowser, signUp } from './web-harness.js';

const FULL = 'The server is out of storage space.';
const FILLER = '/filler/';
const CHUNK = 'x'.repeat(64 * 1024);
/** Far more writes than any quota here holds: the loop is bounded, and a store that never fills fails the test. */
const MAX_WRITES = 4_000;

/**
 * Writes chunks until the store refuses one for lack of space, then ever
 * smaller ones (SQLite still fits a small write in a page or two left
 * over; etcd refuses every write once its alarm is up); returns how many
 * it stored.
 */
async function fill(kv: KV): Promise<number> {
  let size = CHUNK.length;
  let stored = 0;
  for (let i = 0; i < MAX_WRITES; i++) {
    try {
      await kv.put(`${FILLER}${i}`, CHUNK.slice(0, size));
      stored++;
    } catch (error) {
      if (!isDomainError(error) || error.code !== 'insufficient_storage') throw error;
      if (size <= 16) return stored;
      size = Math.floor(size / 4);
    }
  }
  throw new Error(`the store took ${MAX_WRITES} writes without filling up`);
}

async function appOver(kv: KV): Promise<FastifyInstance> {
  const auth = new AuthService({ kv, passwordHashing: { memoryCost: 1024, timeCost: 1, parallelism: 1 } });
  const app = await buildApp({ auth, social: new SocialService({ kv }) });
  await app.ready();
  return app;
}

/** Writes are refused with 507 on the API and on the pages; reads of what is there go on. */
async function assertFullButReadable(app: FastifyInstance, kv: KV): Promise<void> {
  const token = await signUp(app, 'alice');
  const browser = await signedUpBrowser(app, 'bob');
  const posted = await api(app, 'POST', '/api/v1/statuses', { token, json: { status: 'before the store filled up' } });
  assert.equal(posted.status, 200, posted.text);

  assert.ok((await fill(kv)) > 0);

  const refused = await api(app, 'POST', '/api/v1/statuses', { token, json: { status: 'one too many' } });
  assert.equal(refused.status, 507, refused.text);
  assert.deepEqual(refused.body, { error: FULL, request_id: refused.headers['x-request-id'] });
  const page = await browser.submit('/', '/posts', { text: 'one too many' });
  assert.equal(page.status, 507);
  assert.match(page.body, new RegExp(FULL.replace('.', '\\.')));

  const read = await api(app, 'GET', `/api/v1/statuses/${posted.body.id}`, { token });
  assert.equal(read.status, 200, read.text);
  assert.equal(read.body.id, posted.body.id);
  assert.equal((await api(app, 'GET', '/api/v1/accounts/verify_credentials', { token })).status, 200);
  assert.equal((await browser.get('/u/alice')).status, 200);
}

describe('a full store', () => {
  if (wanted('embedded')) {
    it('embedded: a write answers 507, a read 200 (SQLite "database or disk is full")', async () => {
      const kv = await EmbeddedKV.open({ path: ':memory:', quotaBytes: 2 * 1024 * 1024 });
      const app = await appOver(kv);
      try {
        await assertFullButReadable(app, kv);
      } finally {
        await app.close();
        await kv.close();
      }
    });

    it('embedded: a refused write leaves nothing behind', async () => {
      const kv = await EmbeddedKV.open({ path: ':memory:', quotaBytes: 1024 * 1024 });
      try {
        const chunks = await fill(kv);
        assert.ok(chunks > 1);
        assert.equal(await kv.count(FILLER), chunks);
        await assert.rejects(kv.put('/after', CHUNK), (e: unknown) => e instanceof DomainError && e.message === FULL);
        assert.equal(await kv.get('/after'), undefined);
      } finally {
        await kv.close();
      }
    });
  }

  if (wanted('etcd')) {
    describe('etcd with a 4 MiB quota', () => {
      let cluster: TestEtcd | undefined;
      before(async () => {
        cluster = await startTestEtcd({ quotaBackendBytes: 4 * 1024 * 1024 });
      });
      after(async () => {
        await cluster?.cleanup();
      });

      it('raises NOSPACE: a write answers 507, a read 200; compact, defragment and disarm make writes work again', async () => {
        const endpoints = cluster!.endpoints;
        const { EtcdKV } = await import('../../src/kv/etcd-kv.js');
        const kv = await EtcdKV.connect({ endpoints, revisionProbeKey: '/chorus/' });
        const app = await appOver(kv);
        try {
          assert.deepEqual(await listAlarms(endpoints), []);
          await assertFullButReadable(app, kv);
          assert.ok((await listAlarms(endpoints)).some((a) => a.alarm === 'NOSPACE'));

          // The recovery in docs/operations/space.md: free space, compact, defragment each member, disarm.
          const { Etcd3 } = await import('etcd3');
          const admin = new Etcd3({ hosts: endpoints });
          try {
            await admin.delete().prefix(FILLER);
            const revision = (await admin.get('/none').exec()).header.revision;
            await admin.kv.compact({ revision, physical: true });
          } finally {
            admin.close();
          }
          const outcomes: Array<{ endpoint: string; before?: { dbSize: number }; after?: { dbSize: number }; error?: unknown }> = [];
          await defragmentInTurn(endpoints, undefined, (outcome) => outcomes.push(outcome));
          assert.deepEqual(
            outcomes.map((o) => o.endpoint),
            endpoints,
          );
          for (const o of outcomes) {
            assert.equal(o.error, undefined, String(o.error));
            assert.ok(o.after!.dbSize < o.before!.dbSize, `${o.endpoint}: ${o.before!.dbSize} → ${o.after!.dbSize}`);
          }
          await disarmAlarms(endpoints);
          assert.deepEqual(await listAlarms(endpoints), []);
          const token = await signUp(app, 'carol');
          const again = await api(app, 'POST', '/api/v1/statuses', { token, json: { status: 'room again' } });
          assert.equal(again.status, 200, again.text);
        } finally {
          await app.close();
          await kv.close();
        }
      });

      it('the supervisor’s schedule defragments every member in turn, never two at once, and stops', async () => {
        const endpoints = cluster!.endpoints;
        const seen: Array<{ outcome: DefragOutcome; at: number }> = [];
        const logged: string[] = [];
        const log = { info: (_: object, line: string) => logged.push(line), warn: (_: object, line: string) => logged.push(line) };
        const schedule = scheduleDefragment({
          endpoints,
          tls: undefined,
          everyMs: 20,
          log: log as never,
          onOutcome: (outcome) => seen.push({ outcome, at: Date.now() }),
        });
        try {
          await eventually(() => seen.length >= endpoints.length * 2, { timeoutMs: 30_000 });
        } finally {
          schedule.stop();
        }
        assert.deepEqual(
          seen.slice(0, endpoints.length * 2).map((s) => s.outcome.endpoint),
          [...endpoints, ...endpoints],
        );
        for (const [i, { outcome, at }] of seen.entries()) {
          assert.ok(!('error' in outcome), String((outcome as { error?: unknown }).error));
          if (i > 0 && 'ms' in outcome) assert.ok(at - outcome.ms >= seen[i - 1]!.at, 'a member started before the previous one ended');
        }
        assert.match(logged[0]!, /^etcd member defragmented: \d+ → \d+ bytes$/);
        const settled = seen.length;
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.ok(seen.length <= settled + 1, 'after stop, at most the member under way finishes');
      });
    });
  }
});
