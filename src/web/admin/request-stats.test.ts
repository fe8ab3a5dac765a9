import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineChart } from './chart.js';
import { MINUTES, RequestStats } from './request-stats.js';

describe('RequestStats: the last hour per minute', () => {
  it('counts requests and 5xx answers per minute, oldest first, and forgets minutes older than an hour', () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 30);
    const stats = new RequestStats(() => now);
    stats.record(200, 5);
    stats.record(500, 5);
    stats.record(404, 5);
    now += 60_000;
    stats.record(200, 5);
    const hour = stats.lastHour();
    assert.equal(hour.length, MINUTES);
    assert.deepEqual(
      hour.slice(-2).map((m) => [m.requests, m.errors]),
      [
        [3, 1],
        [1, 0],
      ],
    );
    assert.equal(hour.at(-1)!.start, Date.UTC(2026, 0, 1, 12, 1));
    assert.equal(hour.at(-3)!.p50Ms, undefined, 'no latency for a minute without requests');
    // An hour later the slot is reused: the old minute's counts are gone, not added to.
    now += MINUTES * 60_000;
    stats.record(200, 5);
    assert.deepEqual(
      stats.lastHour().map((m) => m.requests),
      [...Array(MINUTES - 1).fill(0), 1],
    );
  });

  it('reads p50 and p99 to within one 20 % bucket', () => {
    const now = Date.UTC(2026, 0, 1);
    const stats = new RequestStats(() => now);
    for (let i = 1; i <= 100; i++) stats.record(200, i);
    const minute = stats.lastHour().at(-1)!;
    assert.ok(minute.p50Ms! >= 50 && minute.p50Ms! <= 60, `p50 ${minute.p50Ms}`);
    assert.ok(minute.p99Ms! >= 99 && minute.p99Ms! <= 99 * 1.2, `p99 ${minute.p99Ms}`);
    stats.record(200, 10 * 60_000);
    assert.ok(stats.lastHour().at(-1)!.p99Ms! <= 120, 'one slow request does not move p99 of 101');
  });
});

describe('lineChart', () => {
  it('draws the ring buffer as an SVG image named by its title and summary, with gaps for empty minutes', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    let clock = now - 3 * 60_000;
    const stats = new RequestStats(() => clock);
    stats.record(200, 4);
    clock += 2 * 60_000;
    stats.record(200, 8);
    stats.record(200, 8);
    clock += 60_000;
    stats.record(200, 2);
    const hour = stats.lastHour();
    const svg = lineChart({ title: 'Median latency', values: hour.map((m) => m.p50Ms), format: (v) => `${v.toFixed(1)} ms` }).value;
    assert.match(
      svg,
      /<svg viewBox="0 0 300 80"[^>]*role="img" aria-label="Median latency: latest 2\.\d ms, highest (8|9)\.\d ms in the last hour"/,
    );
    // Minute -3 alone (a dot), minute -2 empty, then -1 and 0 joined by a line.
    assert.equal((svg.match(/<circle /g) ?? []).length, 1);
    const lines = svg.match(/<polyline points="([^"]+)"/g) ?? [];
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.split(' ').length - 1, 2, 'two points');
    // The highest value touches the top padding; the axis is the bottom.
    assert.match(svg, /,4\.0 /);
    const requests = lineChart({ title: 'Requests per minute', values: hour.map((m) => m.requests), format: String }).value;
    assert.equal((requests.match(/<polyline /g) ?? []).length, 1, 'counts are never gaps');
  });
});
