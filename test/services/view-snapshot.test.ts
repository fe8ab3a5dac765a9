import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import type { KV } from '../../src/kv/kv.js';
import { ReadModel } from '../../src/services/social/read-model.js';
import { SocialService } from '../../src/services/social/social-service.js';
import type { View } from '../../src/services/social/view.js';
import { ViewSnapshots } from '../../src/services/social/view-snapshot.js';
import { type Engine, forEachEngine, type OpenedStore } from '../helpers/engines.js';
import { startTestEtcd } from '../helpers/etcd.js';
import { socialSetup } from '../helpers/social.js';

/** Everything the view holds, in key order: two views are equal when these are. */
function dump(view: View): string[] {
  return [...view.entries()].map((e) => `${e.key} ${e.modRevision} ${e.value}`).sort();
}

/** A model over the store with snapshots in `dir`, and the log lines it wrote while starting. */
async function startModel(store: Pick<OpenedStore, 'kv' | 'keys'>, dir: string) {
  const lines: string[] = [];
  const model = await ReadModel.start({
    kv: store.kv,
    keys: store.keys,
    snapshots: new ViewSnapshots(dir),
    log: (message, fields) => lines.push(`${message} ${JSON.stringify(fields ?? {})}`),
  });
  return {
    model,
    lines,
    from: lines.find((l) => l.startsWith('read model ready'))?.includes('"from":"snapshot"') ? 'snapshot' : 'listing',
  };
}

/** The view a fresh listing of the store builds now. */
async function listed(store: Pick<OpenedStore, 'kv' | 'keys'>): Promise<string[]> {
  const model = await ReadModel.start({ kv: store.kv, keys: store.keys });
  try {
    return dump(model.view);
  } finally {
    await model.close();
  }
}

forEachEngine((engine: Engine) => {
  /** A store with accounts, posts, follows, favourites, a reblog, a reply, a block and a mute, and a snapshot of it in a fresh directory. */
  async function withSnapshot() {
    const setup = await socialSetup(engine, false);
    const dir = await mkdtemp(path.join(tmpdir(), 'chorus-view-snapshot-'));
    const { social, signUp } = setup;
    await signUp('ann', 'ben', 'cat', 'dan');
    const as = (name: string) => social.trustedActor(name);
    await as('ann').follow('ben');
    await as('cat').follow('ben');
    const posts = [];
    for (let i = 0; i < 5; i++) posts.push(await as('ben').post(`ben ${i} #snap`));
    await as('ann').favourite(posts[0]!.id);
    await as('cat').reblog(posts[1]!.id);
    await as('ann').post('a reply', undefined, { inReplyToId: posts[2]!.id });
    await as('dan').block('cat');
    await as('ann').mute('dan');
    const first = await startModel(setup, dir);
    assert.equal(first.from, 'listing');
    await first.model.close();
    const cleanup = async () => {
      await setup.close();
      await rm(dir, { recursive: true, force: true });
    };
    return { ...setup, as, posts, dir, cleanup, snapshotFile: path.join(dir, 'view.snapshot') };
  }

  it('restarts from the snapshot and replays what changed while it was stopped', async () => {
    const s = await withSnapshot();
    try {
      const unchanged = await startModel(s, s.dir);
      assert.equal(unchanged.from, 'snapshot');
      assert.deepEqual(dump(unchanged.model.view), await listed(s));
      await unchanged.model.close();

      // While no model runs: posts added and deleted, follows made and undone, favourites, profiles, notifications read.
      await s.signUp('eve');
      const added = await s.as('eve').post('new while stopped');
      await s.as('ben').deletePost(s.posts[3]!.id);
      await s.as('ann').unfollow('ben');
      await s.as('eve').follow('ben');
      await s.as('ann').follow('eve');
      await s.as('eve').favourite(s.posts[4]!.id);
      await s.as('ann').unfavourite(s.posts[0]!.id);
      await s.as('cat').unreblog(s.posts[1]!.id);
      await s.as('dan').unblock('cat');
      await s.as('ben').updateProfile({ displayName: 'Ben B.' });
      const marker = (await s.as('ben').listNotifications()).items[0];
      assert.ok(marker);
      await s.as('ben').markNotificationsRead(marker.id);

      const restarted = await startModel(s, s.dir);
      try {
        assert.equal(restarted.from, 'snapshot');
        assert.deepEqual(dump(restarted.model.view), await listed(s));
        // And the service reads from it as from a listed view.
        const reader = new SocialService({ kv: s.kv, keys: s.keys, readModel: restarted.model });
        assert.equal((await reader.getProfile('ben')).followers, 2);
        assert.equal((await reader.getPost(added.id)).id, added.id);
        await assert.rejects(reader.getPost(s.posts[3]!.id), { code: 'not_found' });
        // It keeps following the store after the catch-up.
        const later = await s.as('ben').post('after the restart');
        assert.equal((await reader.getPost(later.id)).text, 'after the restart');
      } finally {
        await restarted.model.close();
      }
      // Closing saved the caught-up view: the next start loads that, with nothing to replay.
      const again = await startModel(s, s.dir);
      assert.equal(again.from, 'snapshot');
      assert.deepEqual(dump(again.model.view), await listed(s));
      await again.model.close();
    } finally {
      await s.cleanup();
    }
  });

  it('lists the store when the history since the snapshot was compacted', async () => {
    const s = await withSnapshot();
    try {
      await s.as('ben').deletePost(s.posts[0]!.id);
      await s.as('dan').follow('ann');
      await s.compact(await s.kv.revision());
      const restarted = await startModel(s, s.dir);
      try {
        assert.ok(
          restarted.lines.some((l) => l.startsWith('watch history compacted')),
          restarted.lines.join('\n'),
        );
        assert.deepEqual(dump(restarted.model.view), await listed(s));
      } finally {
        await restarted.model.close();
      }
    } finally {
      await s.cleanup();
    }
  });

  it('ignores a corrupted or truncated snapshot and lists the store', async () => {
    const s = await withSnapshot();
    try {
      const bytes = await readFile(s.snapshotFile);
      await s.as('ben').post('after the snapshot');
      const damaged = Buffer.from(bytes);
      // A byte inside the last entry's value: the file still parses, only the checksum can tell.
      damaged[bytes.length - 32 - 8 - 3]! ^= 0x01;
      for (const [content, reason] of [
        [damaged, 'checksum does not match'],
        [bytes.subarray(0, bytes.length - 50), 'truncated'],
      ] as const) {
        await writeFile(s.snapshotFile, content);
        const restarted = await startModel(s, s.dir);
        try {
          assert.equal(restarted.from, 'listing');
          assert.ok(
            restarted.lines.some((l) => l.startsWith('view snapshot not used') && l.includes(reason)),
            restarted.lines.join('\n'),
          );
          assert.deepEqual(dump(restarted.model.view), await listed(s));
        } finally {
          await restarted.model.close();
        }
      }
    } finally {
      await s.cleanup();
    }
  });

  /** A store that is not the engine's: another embedded file, or another etcd cluster (one cluster's roots are one store). */
  async function openOtherStore(): Promise<{ kv: KV; close(): Promise<void> }> {
    if (engine.name === 'embedded') return engine.open();
    const cluster = await startTestEtcd();
    const { EtcdKV } = await import('../../src/kv/etcd-kv.js');
    const kv = await EtcdKV.connect({ endpoints: cluster.endpoints, revisionProbeKey: '/probe' });
    return {
      kv,
      close: async () => {
        await kv.close();
        await cluster.cleanup();
      },
    };
  }

  it('refuses a snapshot of another store', async () => {
    const s = await withSnapshot();
    const other = await openOtherStore();
    try {
      // The same keyspace root on another store, so only the store's identity tells them apart.
      const store = { kv: other.kv, keys: s.keys };
      const restarted = await startModel(store, s.dir);
      try {
        assert.equal(restarted.from, 'listing');
        assert.ok(
          restarted.lines.some((l) => l.startsWith('view snapshot not used') && l.includes('another store')),
          restarted.lines.join('\n'),
        );
        assert.deepEqual(restarted.model.view.stats(), { accounts: 0, edges: 0, posts: 0, sessions: 0 });
      } finally {
        await restarted.model.close();
      }
    } finally {
      await other.close();
      await s.cleanup();
    }
  });
});
