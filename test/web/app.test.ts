import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, type Harness, openHarness } from './web-harness.js';

describe('app: health, readiness, static files, headers', () => {
  let h: Harness;
  let draining = false;
  before(async () => {
    h = await openHarness({ draining: () => draining });
  });
  after(async () => {
    await h.close();
  });

  it('/healthz is always 200; /readyz turns 503 once draining', async () => {
    assert.equal((await api(h.app, 'GET', '/healthz')).status, 200);
    assert.equal((await api(h.app, 'GET', '/readyz')).status, 200);
    draining = true;
    assert.equal((await api(h.app, 'GET', '/readyz')).status, 503);
    assert.equal((await api(h.app, 'GET', '/healthz')).status, 200);
    draining = false;
  });

  it('serves the stylesheet with light and dark schemes', async () => {
    const reply = await api(h.app, 'GET', '/static/style.css');
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-type']), /text\/css/);
    assert.match(reply.text, /prefers-color-scheme: dark/);
    assert.match(String(reply.headers['cache-control']), /max-age/);
  });

  it('sets protective headers and keeps personal pages out of caches', async () => {
    const reply = await api(h.app, 'GET', '/');
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
    assert.equal(reply.headers['x-frame-options'], 'DENY');
    assert.equal(reply.headers['cache-control'], 'no-store');
    assert.equal((await api(h.app, 'GET', '/api/v1/instance')).headers['cache-control'], 'no-store');
  });
});
