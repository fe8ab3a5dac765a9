import { readFileSync } from 'node:fs';

/** The process's open-file limits; Infinity for "unlimited". */
export interface FileLimit {
  soft: number;
  hard: number;
}

/** Assumed where the limit cannot be read (not Linux): the common default soft limit. */
const ASSUMED = 1024;
/** Share of the descriptors the web server may spend on client connections; the rest is for the store, services, files and logs. */
const CONNECTION_SHARE = 0.75;
/** An "unlimited" limit (which Linux does not allow for open files anyway) is taken as this. */
const UNLIMITED_AS = 1_048_576;

/**
 * The open-file limits, from /proc/self/limits (Linux), or undefined
 * elsewhere. Node raises its own soft limit to the hard limit as it
 * starts (node.cc, PlatformInit), so in a Node process the two are
 * normally equal, and `ulimit -Hn` (systemd: LimitNOFILE) is what an
 * operator raises.
 */
export function openFileLimit(limitsText?: string): FileLimit | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!match) return undefined;
  const value = (field: string) => (field === 'unlimited' ? Number.POSITIVE_INFINITY : Number(field));
  const soft = value(match[1]!);
  const hard = value(match[2]!);
  return Number.isNaN(soft) || Number.isNaN(hard) ? undefined : { soft, hard };
}

/**
 * The most client connections a web server may hold: what was configured,
 * but never more than three quarters of the descriptors (a server out of
 * descriptors cannot open its store, a file or a log line, and fails every
 * request, not only the new ones); that share when nothing was configured.
 */
export function connectionCap(configured: number | undefined, limit: FileLimit | undefined): { total: number; clamped: boolean } {
  const soft = Math.min(limit?.soft ?? ASSUMED, UNLIMITED_AS);
  const ceiling = Math.max(1, Math.floor(soft * CONNECTION_SHARE));
  if (configured === undefined) return { total: ceiling, clamped: false };
  return { total: Math.min(configured, ceiling), clamped: configured > ceiling };
}
