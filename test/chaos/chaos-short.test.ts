import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReport, runChaos } from '../../chaos/chaos.js';

/**
 * `npm run chaos` in small: every scenario, with the faults that heal
 * quickly (etcd leader killed, a member partitioned or paused, a web
 * instance killed), a rolling restart of one web and one social instance,
 * and the embedded engine killed mid-stream. The full run and its figures are in docs/reliability.md.
 */
describe('chaos, short', () => {
  it('loses nothing, serves no stale read and fails no request in a rolling restart', { timeout: 170_000 }, async (t) => {
    const started = performance.now();
    const report = await runChaos({
      seed: 20261128,
      workers: 3,
      faultsMs: 10_000,
      embeddedMs: 3000,
      scenarios: ['faults', 'rolling', 'embedded'],
      faults: ['kill-etcd-leader', 'partition-etcd-member', 'pause-etcd-member', 'kill-web'],
      rollingOnly: ['web1', 'social1'],
      log: (line) => t.diagnostic(line),
    });
    for (const line of formatReport(report).split('\n')) t.diagnostic(line);
    t.diagnostic(`short chaos run took ${Math.round((performance.now() - started) / 1000)} s`);
    assert.deepEqual(
      report.scenarios.map((s) => s.name),
      ['faults', 'rolling', 'embedded'],
    );
    for (const scenario of report.scenarios) {
      assert.deepEqual(scenario.violations, [], `${scenario.name}: logs in ${report.workDir}`);
      assert.ok(scenario.postsAcknowledged > 0, `${scenario.name} acknowledged some posts`);
      // The embedded scenario only posts.
      if (scenario.name !== 'embedded')
        assert.ok(scenario.readsJudged.soon > 0, `${scenario.name}: some reads began right after a post they had to show was acknowledged`);
    }
    assert.ok(report.scenarios[0]!.faults.length >= 1, 'the nemesis injected at least one fault');
    assert.ok(report.scenarios[0]!.reactionsChecked > 0, 'favourites and reblogs were checked');
    assert.equal(report.scenarios[1]!.failedRequests, 0);
  });
});
