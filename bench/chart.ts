/**
 * A hand-written SVG of a run: each scenario's throughput as a share of
 * its ceiling (with the target marked), and feed latency as the
 * data grows. No dependency, and small enough to commit.
 */
import type { BenchReport } from './report.js';

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const TARGETS: Record<string, number> = { feed: 0.25, 'embedded-feed': 0.5, posts: 0.6 };

export function renderChart(report: BenchReport): string {
  const width = 960;
  const height = 440;
  const parts: string[] = [];
  const text = (x: number, y: number, s: string, attrs = '') =>
    parts.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(s)}</text>`);

  // Left panel: bars of % of ceiling.
  const bars = report.scenarios.filter((s) => s.ratio !== undefined);
  const left = { x: 230, y: 60, w: 260, h: 320 };
  text(20, 30, 'Throughput as % of its ceiling (same run, same machine)', 'font-weight="bold"');
  const maxRatio = Math.max(1, ...bars.map((b) => b.ratio!));
  const scaleX = (r: number) => left.x + (r / maxRatio) * left.w;
  const barH = Math.min(28, left.h / Math.max(1, bars.length));
  for (let tick = 0; tick <= maxRatio + 1e-9; tick += 0.25) {
    const x = scaleX(tick);
    parts.push(`<line x1="${x}" y1="${left.y - 5}" x2="${x}" y2="${left.y + bars.length * barH}" stroke="#ddd"/>`);
    text(x, left.y + bars.length * barH + 16, `${Math.round(tick * 100)}%`, 'text-anchor="middle" fill="#666"');
  }
  bars.forEach((b, i) => {
    const y = left.y + i * barH;
    const kind = b.id.startsWith('feed@') ? 'feed' : b.id;
    const target = TARGETS[kind];
    const pass = target === undefined || b.ratio! >= target;
    const color = b.ceiling === 'node:http' ? (pass ? '#3b82f6' : '#f59e0b') : pass ? '#10b981' : '#f59e0b';
    parts.push(`<rect x="${left.x}" y="${y + 3}" width="${(scaleX(b.ratio!) - left.x).toFixed(1)}" height="${barH - 6}" fill="${color}"/>`);
    text(left.x - 8, y + barH / 2 + 4, b.label, 'text-anchor="end"');
    text(scaleX(b.ratio!) + 4, y + barH / 2 + 4, `${(b.ratio! * 100).toFixed(1)}%`, 'fill="#333"');
    if (target !== undefined) {
      const x = scaleX(target);
      parts.push(`<line x1="${x}" y1="${y + 1}" x2="${x}" y2="${y + barH - 1}" stroke="#dc2626" stroke-width="2"/>`);
    }
  });
  text(
    left.x,
    left.y + bars.length * barH + 34,
    'blue: vs bare node:http; green: vs etcd one-put txn; red tick: target',
    'fill="#666" font-size="11"',
  );

  // Right panel: feed p50/p99 vs posts.
  const right = { x: 610, y: 60, w: 320, h: 300 };
  text(560, 30, 'Home feed latency as the data grows', 'font-weight="bold"');
  const sizes = report.sizes;
  if (sizes.length > 0) {
    const maxMs = Math.max(1, ...sizes.map((s) => s.p99)) * 1.15;
    const sx = (i: number) => right.x + (sizes.length === 1 ? right.w / 2 : (i / (sizes.length - 1)) * right.w);
    const sy = (ms: number) => right.y + right.h - (ms / maxMs) * right.h;
    parts.push(`<line x1="${right.x}" y1="${right.y + right.h}" x2="${right.x + right.w}" y2="${right.y + right.h}" stroke="#999"/>`);
    parts.push(`<line x1="${right.x}" y1="${right.y}" x2="${right.x}" y2="${right.y + right.h}" stroke="#999"/>`);
    for (let k = 0; k <= 4; k++) {
      const ms = (maxMs * k) / 4;
      text(right.x - 6, sy(ms) + 4, ms.toFixed(ms < 10 ? 1 : 0), 'text-anchor="end" fill="#666"');
      parts.push(`<line x1="${right.x}" y1="${sy(ms)}" x2="${right.x + right.w}" y2="${sy(ms)}" stroke="#eee"/>`);
    }
    text(right.x - 40, right.y - 10, 'ms', 'fill="#666"');
    for (const [i, s] of sizes.entries()) {
      text(sx(i), right.y + right.h + 18, `${s.posts.toLocaleString('en-US')} posts`, 'text-anchor="middle" fill="#666"');
    }
    for (const [key, color] of [
      ['p50', '#3b82f6'],
      ['p99', '#dc2626'],
    ] as const) {
      const points = sizes.map((s, i) => `${sx(i).toFixed(1)},${sy(s[key]).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2"/>`);
      sizes.forEach((s, i) => {
        parts.push(`<circle cx="${sx(i).toFixed(1)}" cy="${sy(s[key]).toFixed(1)}" r="3.5" fill="${color}"/>`);
        text(sx(i) + 6, sy(s[key]) - 6, `${s[key].toFixed(1)}`, `fill="${color}" font-size="11"`);
      });
    }
    text(right.x + right.w - 80, right.y + 10, 'p50', 'fill="#3b82f6" font-weight="bold"');
    text(right.x + right.w - 40, right.y + 10, 'p99', 'fill="#dc2626" font-weight="bold"');
  }

  const m = report.machine;
  text(
    20,
    height - 14,
    `${report.startedAt} · ${m.cpus} × ${m.cpuModel}, ${m.totalMemoryGiB} GiB · node ${m.node} · etcd ${m.etcd} · ${m.generator} · ${report.graph.users} users`,
    'fill="#666" font-size="11"',
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
