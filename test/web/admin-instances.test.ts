/**
 * How the status page shows other web instances from their reports:
 * ready while their reports arrive, late (and not ready) once one is
 * overdue, draining as they say; the request counts beside each.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { otherWebInstance } from '../../src/cmd/status.js';
import type { RecordedWebInstance } from '../../src/domain/status.js';
import { adminPanel } from '../../src/web/admin/view.js';

const recorded = (extra: Partial<RecordedWebInstance>): RecordedWebInstance => ({
  id: '0123456789abcdef',
  address: 'http://10.0.0.2:8080',
  host: 'web-b',
  version: '0.1.0',
  uptimeSeconds: 120,
  ready: true,
  requestsLastMinute: 30,
  errorsLastMinute: 2,
  secondsSinceReport: 1,
  ttlSeconds: 15,
  ...extra,
});

const row = (r: RecordedWebInstance) =>
  adminPanel({
    status: { store: { engine: 'etcd', members: [] }, instances: [otherWebInstance(r)] },
    requests: [],
    at: Date.UTC(2026, 0, 1),
  }).value;

describe('other web instances on the status page', () => {
  it('shows one that reports on time as ready, with its uptime as of now and its last minute of requests', () => {
    assert.match(
      row(recorded({})),
      /<th scope="row">web<\/th><td>http:\/\/10\.0\.0\.2:8080 on web-b<\/td><td>ready<\/td><td>0\.1\.0<\/td><td>2 min<\/td><td>30\/min, 2 5xx<\/td>/,
    );
  });

  it('shows one that has missed a report as late, and one that is draining as not ready', () => {
    // Reports come every ttl/3 = 5 s: 10 s on time, 11 s one missed.
    assert.match(row(recorded({ secondsSinceReport: 10 })), /<td>ready<\/td>/);
    assert.match(row(recorded({ secondsSinceReport: 11 })), /<td class="bad">late: no report for 11 s<\/td>/);
    assert.match(row(recorded({ ready: false })), /<td class="bad">not ready: draining<\/td>/);
  });
});
