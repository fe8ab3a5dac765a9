/**
 * The nemesis: injects one fault at a time on a seeded random schedule,
 * heals it (every killed process is started again on its data and port),
 * and logs when each fault began and when the deployment was whole again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EtcdMember } from '../src/local-etcd/etcd-cluster.js';
import type { ChaosDeployment, ChorusInstance } from './deployment.js';
import type { FaultEvent } from './figures.js';
import { ISOLATED_MEMBER } from './partition.js';

export const FAULTS = [
  'kill-etcd-leader',
  'kill-etcd-follower',
  'pause-etcd-member',
  'kill-social',
  'kill-auth',
  'kill-web',
  'restart-all-etcd',
  'partition-etcd-member',
] as const;
export type FaultName = (typeof FAULTS)[number];

export interface NemesisOptions {
  deployment: ChaosDeployment;
  random: () => number;
  now: () => number;
  /** No fault starts after this (on the `now` clock). */
  until: number;
  /** Which faults to draw from; all by default. */
  faults?: readonly FaultName[];
  log: (line: string) => void;
}

const DOWN_MS = 1500;
const PAUSE_MS = 3000;
const PARTITION_MS = 5000;

/** Shuffles every fault kind into a round, round after round, so each kind recurs. */
export function schedule(random: () => number, faults: readonly FaultName[], rounds: number): FaultName[] {
  const order: FaultName[] = [];
  for (let r = 0; r < rounds; r++) {
    const round = [...faults];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    order.push(...round);
  }
  return order;
}

export async function runNemesis(o: NemesisOptions): Promise<FaultEvent[]> {
  const events: FaultEvent[] = [];
  const possible = (o.faults ?? FAULTS).filter((f) => f !== 'partition-etcd-member' || o.deployment.isolation);
  const plan = schedule(o.random, possible, 20);
  await sleep(2000 + o.random() * 1000);
  for (const fault of plan) {
    if (o.now() >= o.until) break;
    const start = o.now();
    const target = await inject(fault, o);
    const event = { name: fault, target, start, healed: o.now() };
    events.push(event);
    o.log(`${fault} ${target}: healed after ${Math.round(event.healed - start)} ms`);
    await sleep(2000 + o.random() * 2000);
  }
  return events;
}

const choose = <T>(random: () => number, items: T[]): T => items[Math.floor(random() * items.length)]!;

async function restartMember(member: EtcdMember, o: NemesisOptions): Promise<void> {
  await member.kill('SIGKILL');
  await sleep(DOWN_MS);
  await member.start();
  await o.deployment.etcd.waitHealthy(30_000);
}

async function restartInstance(instance: ChorusInstance): Promise<void> {
  await instance.kill('SIGKILL');
  await sleep(DOWN_MS);
  await instance.start();
}

/** Injects the fault, heals it, and names what it hit. */
async function inject(fault: FaultName, o: NemesisOptions): Promise<string> {
  const { etcd } = o.deployment;
  switch (fault) {
    case 'kill-etcd-leader': {
      const leader = await etcd.leader();
      await restartMember(leader, o);
      return leader.name;
    }
    case 'kill-etcd-follower': {
      const leader = await etcd.leader();
      const follower = choose(
        o.random,
        etcd.members.filter((m) => m !== leader),
      );
      await restartMember(follower, o);
      return follower.name;
    }
    case 'pause-etcd-member': {
      const member = choose(o.random, etcd.members);
      process.kill(member.pid!, 'SIGSTOP');
      await sleep(PAUSE_MS);
      process.kill(member.pid!, 'SIGCONT');
      await etcd.waitHealthy(30_000);
      return member.name;
    }
    case 'kill-social':
    case 'kill-auth':
    case 'kill-web': {
      const role = fault.slice('kill-'.length) as 'social' | 'auth' | 'web';
      const instance = choose(o.random, o.deployment[role]);
      await restartInstance(instance);
      return instance.name;
    }
    case 'partition-etcd-member': {
      const isolation = o.deployment.isolation!;
      isolation.partition();
      await sleep(PARTITION_MS);
      isolation.heal();
      await etcd.waitHealthy(30_000);
      return ISOLATED_MEMBER;
    }
    case 'restart-all-etcd': {
      await Promise.all(etcd.members.map((m) => m.kill('SIGKILL')));
      await sleep(DOWN_MS);
      await Promise.all(etcd.members.map((m) => m.start()));
      await etcd.waitHealthy(30_000);
      return 'etcd-1,etcd-2,etcd-3';
    }
  }
}

/** SIGTERM, wait for the drained exit, start again: every Chorus process in turn. */
export async function rollingRestart(
  deployment: ChaosDeployment,
  now: () => number,
  log: (line: string) => void,
  only?: readonly string[],
): Promise<FaultEvent[]> {
  const events: FaultEvent[] = [];
  for (const instance of deployment.instances.filter((i) => !only || only.includes(i.name))) {
    const start = now();
    await instance.stop();
    const stopped = now();
    await instance.start();
    events.push({ name: 'rolling-restart', target: instance.name, start, healed: now() });
    log(
      `rolling restart ${instance.name}: drained and exited in ${Math.round(stopped - start)} ms, serving again after ${Math.round(now() - stopped)} ms`,
    );
    await sleep(1000);
  }
  return events;
}
