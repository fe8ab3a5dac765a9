import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ensureCertificates } from '../../src/local-etcd/certificates.js';
import { spawnChorus } from '../helpers/chorus-process.js';
import { eventually } from '../helpers/eventually.js';

interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** GET over https with a client certificate, as Prometheus's etcd job scrapes (see docs/operations/prometheus.yml). */
function httpsGet(url: string, tls: { ca: string; cert: string; key: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key), timeout: 5000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject).on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('chorus cluster: prometheus-targets.json', () => {
  it('lists every web instance, both services and the three etcd members, and each answers /metrics', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-cluster-metrics-'));
    const chorus = spawnChorus(['cluster'], { PORT: '0', DATA_DIR: dataDir, CHORUS_LOG_LEVEL: 'warn', CHORUS_SHUTDOWN_GRACE_MS: '500' });
    try {
      await eventually(() => chorus.output().includes('Chorus cluster is running'), {
        timeoutMs: 90_000,
        intervalMs: 100,
        what: 'the cluster',
      });
      const groups = JSON.parse(readFileSync(path.join(dataDir, 'prometheus-targets.json'), 'utf8')) as TargetGroup[];
      const names = groups.map((g) => g.labels.chorus_instance).sort();
      assert.deepEqual(names, ['auth', 'etcd-0', 'etcd-1', 'etcd-2', 'social', 'web1', 'web2']);
      for (const group of groups) {
        assert.equal(group.targets.length, 1);
        assert.equal(group.labels.__scheme__, group.labels.component === 'etcd' ? 'https' : undefined, group.labels.chorus_instance);
      }

      // Traffic through a web instance to the social service over gRPC, and from it to etcd.
      const web = /web1\s+(http:\/\/\S+)/.exec(chorus.output())![1]!.replace('localhost', '127.0.0.1');
      assert.equal((await fetch(`${web}/api/v1/timelines/public`)).status, 200);

      const scrape = async (instance: string) => {
        const group = groups.find((g) => g.labels.chorus_instance === instance)!;
        const reply = await fetch(`http://${group.targets[0]}/metrics`);
        assert.equal(reply.status, 200, instance);
        return reply.text();
      };
      const has = (text: string, pattern: RegExp, what: string) => assert.match(text, pattern, `${what}:\n${text.slice(0, 4000)}`);
      const web1 = await scrape('web1');
      has(
        web1,
        /^chorus_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/timelines\/public",status_class="2xx"\} 1$/m,
        'web1',
      );
      has(web1, /^process_cpu_seconds_total /m, 'web1 process metrics');
      has(await scrape('web2'), /^chorus_http_requests_in_flight 0$/m, 'web2');
      const social = await scrape('social');
      has(
        social,
        /^chorus_rpc_server_duration_seconds_count\{method="\/chorus\.social\.v1\.SocialService\/\w+",outcome="OK"\} [1-9]/m,
        'social RPC',
      );
      has(social, /^chorus_etcd_call_duration_seconds_count\{kind="read",outcome="ok"\} [1-9]/m, 'social etcd calls');
      has(social, /^chorus_read_model_applied_revision [1-9]/m, 'social read model');
      has(social, /^chorus_read_model_lag_revisions \d+$/m, 'social read model lag');
      has(await scrape('auth'), /^# TYPE chorus_rpc_server_duration_seconds histogram$/m, 'auth');

      // An etcd member: https with a client certificate from the cluster's CA.
      const tls = await ensureCertificates(path.join(dataDir, 'etcd', 'tls'));
      const member = groups.find((g) => g.labels.chorus_instance === 'etcd-0')!;
      const etcd = await httpsGet(`https://${member.targets[0]}/metrics`, { ca: tls.ca, ...tls.chorus });
      assert.equal(etcd.status, 200);
      has(etcd.text, /^etcd_server_has_leader 1$/m, 'etcd member');
    } finally {
      await chorus.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
