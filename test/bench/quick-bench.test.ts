import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * A smoke run of `npm run bench -- --quick`: the whole harness (deploy,
 * bulk load, every scenario, ceilings, report) must run without a single
 * failed request. Speed is not judged here, since CI machines differ; the
 * benchmark's numbers are read by people, from its own output.
 */
it('runs the quick benchmark end to end with zero errors', { timeout: 300_000 }, async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'chorus-bench-smoke-'));
  try {
    const run = fileURLToPath(new URL('../../bench/run.js', import.meta.url));
    const child = spawn(process.execPath, [run, '--quick', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, `bench --quick failed:\n${output.slice(-4000)}`);
    const results = readdirSync(out).filter((f) => f.endsWith('.json') && f !== 'latest.json');
    assert.equal(results.length, 1, 'one JSON result');
    const json = JSON.parse(readFileSync(path.join(out, results[0]!), 'utf8'));
    assert.ok(JSON.stringify(json).length > 1000, 'the result holds the measurements');
    assert.match(output, /errors during every scenario\s+0\s+0\s+pass/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
