#!/usr/bin/env node
/**
 * How pages and static files fare during a burst of sign-ups (issue 14):
 * starts `chorus all` (embedded store, attempt limits off) on loopback in
 * a temp dir, measures `GET /` and `GET /static/style.css` at rest, then
 * again (4 request loops each) while 200 sign-ups (POST /api/v1/accounts)
 * arrive at once, and prints each one's latency percentiles and how the
 * sign-ups were answered. Bounded: one burst, samplers stop when it ends or after 60 s.
 *
 *   npm run build && node dist/bench/signup-burst.js [signups=200]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stopAllSupervised } from '../src/supervisor/supervised-process.js';
import { EmbeddedDeployment } from './deploy.js';

const SIGNUPS = Number(process.argv[2] ?? 200);
const REST_SAMPLES = 200;
const SAMPLER_CAP_MS = 60_000;
const SAMPLED = ['/', '/static/style.css'] as const;
const SAMPLERS = 4;

interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

function summarise(ms: number[]): Summary {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  const round = (x: number) => Math.round(x * 10) / 10;
  return { n: sorted.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? Number.NaN) };
}

async function timed(url: string): Promise<number> {
  const start = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return performance.now() - start;
}

/** Requests `url` one after another until `done` says stop (or the cap), recording each latency. */
async function sample(url: string, done: () => boolean, limit: number): Promise<number[]> {
  const latencies: number[] = [];
  const deadline = performance.now() + SAMPLER_CAP_MS;
  while (!done() && latencies.length < limit && performance.now() < deadline) latencies.push(await timed(url));
  return latencies;
}

async function appToken(base: string): Promise<string> {
  const scopes = 'read write follow';
  const registered = await fetch(`${base}/api/v1/apps`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'signup burst', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes }),
  });
  const app = (await registered.json()) as { client_id: string; client_secret: string };
  const token = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret, scope: scopes }),
  });
  return ((await token.json()) as { access_token: string }).access_token;
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'chorus-signup-burst-'));
  const logDir = path.join(workDir, 'logs');
  mkdirSync(logDir);
  try {
    const deployment = await EmbeddedDeployment.start(path.join(workDir, 'data'), { workDir, logDir, webInstances: 1 });
    const base = `http://127.0.0.1:${deployment.webPort}`;
    const token = await appToken(base);

    const rest: Record<string, Summary> = {};
    for (const url of SAMPLED) {
      for (let i = 0; i < 20; i++) await timed(base + url); // warm-up
      rest[url] = summarise(await sample(base + url, () => false, REST_SAMPLES));
    }

    let finished = false;
    const statuses = new Map<number, number>();
    const burstStart = performance.now();
    const burst = Promise.all(
      Array.from({ length: SIGNUPS }, async (_, i) => {
        const response = await fetch(`${base}/api/v1/accounts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ username: `burst_${i}`, password: 'a burst of sign-ups', agreement: true }),
        });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }),
    ).finally(() => {
      finished = true;
    });
    // A few loops per URL, so a request stuck behind the burst does not stop the sampling.
    const loops = (url: string) => Array.from({ length: SAMPLERS }, () => sample(base + url, () => finished, Number.POSITIVE_INFINITY));
    const during = await Promise.all(SAMPLED.map(async (url) => (await Promise.all(loops(url))).flat()));
    await burst;
    const burstMs = Math.round(performance.now() - burstStart);
    deployment.assertRunning();
    await deployment.stop();

    console.log(`${SIGNUPS} concurrent sign-ups took ${burstMs} ms; answers: ${JSON.stringify(Object.fromEntries(statuses))}`);
    console.log('latency in ms        at rest (n, p50, p99, max)      during the burst (n, p50, p99, max)');
    SAMPLED.forEach((url, i) => {
      const a = rest[url]!;
      const b = summarise(during[i]!);
      const atRest = `${url.padEnd(20)} ${a.n}, ${a.p50}, ${a.p99}, ${a.max}`;
      console.log(`${atRest.padEnd(52)}${b.n}, ${b.p50}, ${b.p99}, ${b.max}`);
    });
  } finally {
    await stopAllSupervised();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
