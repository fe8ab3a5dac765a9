import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { it } from 'node:test';
import { connectionCap, openFileLimit } from './file-limit.js';

const limits = (soft: string, hard: string) =>
  `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                ${hard}                files\n`;

it('reads the open-file limits, "unlimited" included', () => {
  assert.deepEqual(openFileLimit(limits('1024', '524288')), { soft: 1024, hard: 524288 });
  assert.deepEqual(openFileLimit(limits('unlimited', 'unlimited')), { soft: Infinity, hard: Infinity });
  assert.equal(openFileLimit('Max processes 10 10 processes\n'), undefined);
  assert.ok((openFileLimit()?.soft ?? 0) >= 256, 'this process has one (Linux)');
});

it('caps connections at three quarters of the soft limit, and lowers a configured cap above it', () => {
  assert.deepEqual(connectionCap(undefined, { soft: 1024, hard: 4096 }), { total: 768, clamped: false });
  assert.deepEqual(connectionCap(500, { soft: 1024, hard: 4096 }), { total: 500, clamped: false });
  assert.deepEqual(connectionCap(5000, { soft: 1024, hard: 4096 }), { total: 768, clamped: true });
  assert.deepEqual(connectionCap(undefined, undefined), { total: 768, clamped: false }, 'unknown: 1024 assumed');
  assert.deepEqual(connectionCap(undefined, { soft: Infinity, hard: Infinity }), { total: 786432, clamped: false });
});

it('a Node process starts with its soft limit raised to the hard limit, which is what the cap is made from', () => {
  const script = `import('${new URL('./file-limit.js', import.meta.url).href}').then((m) => console.log(JSON.stringify(m.openFileLimit())))`;
  const hard = openFileLimit()!.hard;
  // A shell lowers its soft limit; the Node it starts raises its own back (node.cc, PlatformInit).
  const out = execFileSync('bash', ['-c', 'ulimit -Sn 256 && exec "$0" -e "$1"', process.execPath, script], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.deepEqual(JSON.parse(out), { soft: hard, hard });
});
