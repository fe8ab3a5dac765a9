import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMetricsServer } from '../../src/metrics/server.js';
import { api, type Harness, openHarness, signUp } from './web-harness.js';

const TOKEN = 'a-metrics-token-of-at-least-32-characters';

/** The value of one sample line, e.g. `name{label="x"} 3`; undefined when absent. */
function sample(text: string, prefix: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('web metrics', () => {
  let harness: Harness;
  before(async () => {
    harness = await openHarness({ metricsToken: TOKEN });
    const token = await signUp(harness.app, 'metered');
    const posted = await api(harness.app, 'POST', '/api/v1/statuses', { token, json: { status: 'counted' } });
    assert.equal(posted.status, 200, posted.text);
    for (const id of [posted.body.id, '999999999', 'nonsense']) await api(harness.app, 'GET', `/api/v1/statuses/${id}`, { token });
    await api(harness.app, 'GET', '/no/such/page/4242');
  });
  after(() => harness.close());

  it('is 404 on the public listener without the bearer token, or with a wrong one', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer wrong' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: TOKEN },
    ]) {
      const reply = await api(harness.app, 'GET', '/metrics', { headers });
      assert.equal(reply.status, 404, JSON.stringify(headers));
      assert.doesNotMatch(reply.text, /chorus_http/);
    }
  });

  it('is not there at all on the public listener when no token is configured', async () => {
    const plain = await openHarness();
    try {
      assert.equal((await api(plain.app, 'GET', '/metrics')).status, 404);
      assert.equal((await api(plain.app, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404);
    } finally {
      await plain.close();
    }
  });

  it('answers with the token: requests by route pattern and status class, never the raw URL', async () => {
    const reply = await api(harness.app, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = reply.text;
    const byId = 'chorus_http_request_duration_seconds_count{method="GET",route="/api/v1/statuses/:id",status_class=';
    assert.ok((sample(text, `${byId}"2xx"}`) ?? 0) >= 1, text);
    assert.ok((sample(text, `${byId}"4xx"}`) ?? 0) >= 2, text);
    assert.ok((sample(text, 'chorus_http_request_duration_seconds_count{method="GET",route="unmatched",status_class="4xx"}') ?? 0) >= 1);
    // Only the labels: a sample's value (a sum of seconds) may hold any digits.
    const labels = [...text.matchAll(/\{([^}]*)\}/g)].map((match) => match[1]).join('\n');
    assert.match(labels, /route="\/api\/v1\/statuses\/:id"/);
    assert.doesNotMatch(labels, /999999999|nonsense|4242/, 'no raw URL in a label');
    // The scrape itself is in flight while it is rendered.
    assert.ok((sample(text, 'chorus_http_requests_in_flight') ?? -1) >= 1, text);
    assert.ok(text.includes('# TYPE chorus_stream_connections gauge'));
    assert.ok(sample(text, 'chorus_read_model_applied_revision')! > 0, 'the harness read model reports its revision');
    const lag = sample(text, 'chorus_read_model_lag_revisions');
    assert.ok(lag !== undefined && lag >= 0 && lag < 10, `lag ${lag}`);
    assert.ok(sample(text, 'chorus_read_model_view_size{family="posts"}')! >= 1, text);
  });

  it('the admin listener serves /metrics to anyone who reaches it, and nothing else', async () => {
    const server = await startMetricsServer('127.0.0.1', 0);
    try {
      const metrics = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      assert.equal(metrics.status, 200);
      const text = await metrics.text();
      for (const name of [
        'chorus_http_request_duration_seconds',
        'chorus_rpc_server_duration_seconds',
        'chorus_etcd_call_duration_seconds',
      ]) {
        assert.ok(text.includes(`# TYPE ${name} histogram`), name);
      }
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/`)).status, 404);
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST' })).status, 404);
    } finally {
      await server.close();
    }
  });
});
