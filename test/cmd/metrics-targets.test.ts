import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { spawnChorus } from '../helpers/chorus-process.js';
import { eventually } from '../helpers/eventually.js';

interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

describe('chorus all: prometheus-targets.json', () => {
  it('lists the process, whose admin listener serves /metrics with every family and the process metrics', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-metrics-'));
    const chorus = spawnChorus(['all'], { PORT: '0', DATA_DIR: dataDir, CHORUS_LOG_LEVEL: 'warn', CHORUS_SHUTDOWN_GRACE_MS: '200' });
    try {
      await eventually(() => chorus.output().includes('Chorus is running'), { timeoutMs: 20_000, intervalMs: 50, what: 'start-up' });
      const groups = JSON.parse(readFileSync(path.join(dataDir, 'prometheus-targets.json'), 'utf8')) as TargetGroup[];
      assert.equal(groups.length, 1, 'one process, the embedded store: nothing else to scrape');
      assert.deepEqual(groups[0]!.labels, { component: 'all', chorus_instance: 'chorus', __metrics_path__: '/metrics' });
      const [address] = groups[0]!.targets;
      assert.match(address!, /^127\.0\.0\.1:\d+$/, 'the admin listener is on loopback by default');
      const web = /running at (http:\/\/\S+)/.exec(chorus.output())![1]!.replace('localhost', '127.0.0.1');
      assert.equal((await fetch(`${web}/readyz`)).status, 200);
      assert.equal((await fetch(`${web}/metrics`)).status, 404, 'not on the public port without a token');

      const text = await (await fetch(`http://${address}/metrics`)).text();
      for (const name of [
        'chorus_http_request_duration_seconds_count{method="GET",route="/readyz",status_class="2xx"}',
        'chorus_http_requests_in_flight',
        'chorus_stream_connections',
        'chorus_read_model_applied_revision',
        'chorus_read_model_lag_revisions',
        'chorus_read_model_view_size{family="accounts"}',
        'chorus_read_model_listing_seconds_count',
        'process_cpu_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_seconds',
      ]) {
        assert.ok(
          text.split('\n').some((line) => line.startsWith(name)),
          `${name} in\n${text}`,
        );
      }
      for (const name of ['chorus_rpc_server_duration_seconds', 'chorus_etcd_call_duration_seconds', 'chorus_etcd_retries_total']) {
        assert.ok(text.includes(`# TYPE ${name} `), name);
      }
    } finally {
      await chorus.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
