#!/usr/bin/env node
/**
 * Summarises V8 CPU profiles (`npm run bench -- --profile DIR` writes one
 * per chorus process): the functions with the most self time, and self
 * time by package, so "where does the time go" has an answer per process;
 * then the same for each measured scenario the process lived through
 * (DIR/windows.txt, profile-windows.ts), without its start-up and the
 * other scenarios.
 *
 *   node dist/bench/profile-summary.js DIR [top=25]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type MonotonicWindow, readWindows } from './profile-windows.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** node_modules/<package>, our own files (src/...), node internals, or V8's pseudo-frames. */
function owner(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const ours = /\/(src|bench)\/(.*)$/.exec(url);
  return ours ? `${ours[1]}/${ours[2]!.replace(/\.js$/, '')}` : url;
}

/** Self time by function and by package, of the samples in `window` (all of them without one). */
export function summarise(profile: CpuProfile, top: number, window?: MonotonicWindow): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByFunction = new Map<string, number>();
  const selfByOwner = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.startUs || at > window.endUs)) return;
    const node = byId.get(id);
    if (!node) return;
    total += delta;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'}  ${url ? `${owner(url, functionName)}:${lineNumber + 1}` : ''}`;
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + delta);
    const who = owner(url, functionName);
    selfByOwner.set(who, (selfByOwner.get(who) ?? 0) + delta);
  });
  const idle = (selfByOwner.get('(idle)') ?? 0) / total;
  const lines = [`  sampled ${(total / 1e6).toFixed(1)} s, idle ${(idle * 100).toFixed(1)} %`];
  const busy = total - (selfByOwner.get('(idle)') ?? 0);
  const rows = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .filter(([k]) => !k.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${((v / busy) * 100).toFixed(1).padStart(5)} %  ${k}`);
  lines.push('  self time by package (share of busy time):', ...rows(selfByOwner, 12));
  lines.push(`  top ${top} functions by self time:`, ...rows(selfByFunction, top));
  return lines.join('\n');
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node dist/bench/profile-summary.js DIR [top]');
  process.exit(2);
}
const top = Number(process.argv[3] ?? 25);
const names = new Map<string, string>();
try {
  for (const line of readFileSync(path.join(dir, 'processes.txt'), 'utf8').split('\n').filter(Boolean)) {
    const [pid, name] = line.split(' ');
    names.set(pid!, name!);
  }
} catch {
  // profiles not written by the bench: names unknown
}
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort()) {
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
  // CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile
  const pid = file.split('.')[3] ?? '';
  console.log(`${names.get(pid) ?? 'unknown process'} (${file}):`);
  console.log(summarise(profile, top));
  console.log('');
  for (const window of readWindows(dir)) {
    if (window.endUs < profile.startTime || window.startUs > profile.endTime) continue;
    console.log(`${names.get(pid) ?? 'unknown process'} during ${window.name}:`);
    console.log(summarise(profile, top, window));
    console.log('');
  }
}
