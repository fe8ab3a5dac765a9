import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { findFreePort } from '../../src/supervisor/ports.js';
import { httpReady, type ProcessExit, type SupervisedProcess, spawnSupervised } from '../../src/supervisor/supervised-process.js';

/** Node itself, running an inline script: a real child process, and no etcd needed. */
function node(name: string, script: string, options: Partial<Parameters<typeof spawnSupervised>[0]> = {}): SupervisedProcess {
  const child = spawnSupervised({ name, command: process.execPath, args: ['-e', script], ...options });
  started.push(child);
  return child;
}

const started: SupervisedProcess[] = [];
after(() => Promise.all(started.map((child) => child.kill())));

describe('supervised process', () => {
  it('waits until the child answers /readyz, then stops it with SIGTERM', async () => {
    const port = await findFreePort();
    const child = node(
      'web',
      `setTimeout(() => require('node:http').createServer((q, s) => s.end(q.url)).listen(${port}, '127.0.0.1'), 300)`,
    );
    assert.equal(await httpReady(`http://127.0.0.1:${port}/readyz`)(), false, 'not listening yet');
    await child.waitReady(httpReady(`http://127.0.0.1:${port}/readyz`), { timeoutMs: 10_000 });
    assert.ok(child.running);
    const exit = await child.stop();
    assert.deepEqual(exit, { code: null, signal: 'SIGTERM', requested: true });
    assert.equal(child.running, false);
    assert.equal(child.crashed, undefined, 'a requested stop is not a crash');
  });

  it('forwards output with a prefix, keeps a bounded tail and reports a crash with it', async () => {
    const lines: string[] = [];
    let reported: ProcessExit | undefined;
    const child = node('noisy', `for (let i = 1; i <= 100; i++) console.log('line ' + i); console.error('dying'); process.exitCode = 3`, {
      log: (line) => lines.push(line),
      tailLines: 5,
      onExit: (exit) => (reported = exit),
    });
    const exit = await child.exited;
    assert.deepEqual(exit, { code: 3, signal: null, requested: false });
    assert.deepEqual(reported, exit, 'onExit is told');
    assert.equal(lines.filter((l) => l.startsWith('[noisy] line ')).length, 100, 'every line forwarded, prefixed');
    assert.ok(lines.includes('[noisy] dying'), 'stderr too');
    assert.equal(lines.at(-1), '[noisy] exited (code 3)');
    assert.equal(child.tail().split('\n').length, 5);
    assert.match(child.tail(), /line 100/);
    assert.doesNotMatch(child.tail(), /line 1\n/);
    assert.match(child.crashed ?? '', /^noisy exited \(code 3\); last lines of its output:\n[\s\S]*dying/);
    assert.throws(() => child.assertRunning(), /noisy exited \(code 3\)/);
  });

  it('sends SIGKILL when the child ignores SIGTERM past the grace period', async () => {
    const child = node(
      'stubborn',
      `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1000)`,
    );
    await child.waitReady(() => child.tail().includes('up'), { timeoutMs: 10_000 });
    const begun = performance.now();
    const exit = await child.stop({ graceMs: 500 });
    assert.deepEqual(exit, { code: null, signal: 'SIGKILL', requested: true });
    assert.ok(performance.now() - begun >= 450, 'waited out the grace period first');
    assert.match(child.tail(), /ignoring SIGTERM/, 'SIGTERM came first');
  });

  it('fails readiness at once, with the output, when the child dies first', async () => {
    const child = node('doomed', `console.error('boom: bad config'); process.exit(1)`);
    const begun = performance.now();
    await assert.rejects(
      child.waitReady(() => false, { timeoutMs: 30_000 }),
      /doomed exited \(code 1\) before it was ready[\s\S]*boom: bad config/,
    );
    assert.ok(performance.now() - begun < 20_000, 'did not wait for the deadline');
  });

  it('fails readiness after the deadline, naming what it waited for', async () => {
    const child = node('slow', `setInterval(() => {}, 1000)`);
    await assert.rejects(
      child.waitReady(() => false, { timeoutMs: 200, what: 'port 1' }),
      /slow not ready \(port 1\) after 200 ms/,
    );
    assert.ok(child.running);
    assert.equal((await child.kill()).signal, 'SIGKILL');
  });

  it('reports a command that cannot be spawned', async () => {
    const child = spawnSupervised({ name: 'missing', command: '/nonexistent/chorus-test-binary' });
    assert.equal(child.pid, undefined);
    await assert.rejects(
      child.waitReady(() => true),
      /missing failed to start: .*ENOENT/,
    );
    assert.match(child.crashed ?? '', /ENOENT/);
  });

  it('writes output to a log file and reads the tail from it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-supervisor-'));
    try {
      const logFile = path.join(dir, 'child.log');
      const child = node('logged', `for (let i = 1; i <= 50; i++) console.log('entry ' + i); process.exit(2)`, { logFile, tailLines: 3 });
      await child.exited;
      assert.equal(readFileSync(logFile, 'utf8').split('\n').filter(Boolean).length, 50);
      assert.equal(child.tail(), 'entry 48\nentry 49\nentry 50');
      assert.match(child.crashed ?? '', /logged exited \(code 2\)[\s\S]*entry 50/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
