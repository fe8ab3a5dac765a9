/**
 * The web instances of a deployment, as they report themselves: the web
 * tier holds no store credentials, so each instance tells a status service
 * every few seconds, and the service keeps the report in the store on a
 * lease of the instance's choosing. An instance that stops reporting (a
 * crash, a lost machine) is gone once its lease runs out; one that stops
 * cleanly removes itself. Any service process may take a report and any
 * may list them: they share the store, not memory.
 */
import { invalid } from '../../domain/errors.js';
import type { RecordedWebInstance, WebInstanceRegistry, WebInstanceReport } from '../../domain/status.js';
import type { Keyspace } from '../../kv/keys.js';
import type { KV } from '../../kv/kv.js';

export const MIN_TTL_SECONDS = 2;
export const MAX_TTL_SECONDS = 300;
const ID = /^[0-9a-f]{16,64}$/;

/** What the store holds: the report, and when the service recorded it (its own clock) with the lease asked for. */
interface StoredWebInstance extends WebInstanceReport {
  reportedAt: number;
  ttlSeconds: number;
}

export class WebInstances implements WebInstanceRegistry {
  constructor(
    private readonly kv: KV,
    private readonly keys: Keyspace,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records the report on a new lease of `ttlSeconds`. The lease the
   * previous report was put on then holds nothing and runs out by itself,
   * so an instance has at most ttl/interval leases alive, and no service
   * needs to remember which lease is whose.
   */
  async report(instance: WebInstanceReport, ttlSeconds: number): Promise<void> {
    checkReport(instance, ttlSeconds);
    const lease = await this.kv.grantLease(ttlSeconds);
    const stored: StoredWebInstance = { ...pick(instance), reportedAt: this.now(), ttlSeconds };
    await this.kv.put(this.keys.webInstance(instance.id), JSON.stringify(stored), lease);
  }

  /** Removes an instance that is stopping; nothing happens for one already gone. */
  async remove(id: string): Promise<void> {
    if (!ID.test(id)) throw invalid('An instance id is 16 to 64 lowercase hex digits.', 'instance.id');
    await this.kv.delete(this.keys.webInstance(id));
  }

  /** Every instance whose lease has not run out, in id order. */
  async list(): Promise<RecordedWebInstance[]> {
    const { items } = await this.kv.range({ prefix: this.keys.webInstancesPrefix() });
    const now = this.now();
    return items.flatMap((item) => {
      try {
        const { reportedAt, ...rest } = JSON.parse(item.value) as StoredWebInstance;
        return [{ ...rest, secondsSinceReport: Math.max(0, (now - reportedAt) / 1000) }];
      } catch {
        // A record this version cannot read is left out rather than failing the page.
        return [];
      }
    });
  }
}

function pick(r: WebInstanceReport): WebInstanceReport {
  const { id, address, host, version, uptimeSeconds, ready, requestsLastMinute, errorsLastMinute } = r;
  return { id, address, host, version, uptimeSeconds, ready, requestsLastMinute, errorsLastMinute };
}

function checkReport(r: WebInstanceReport, ttlSeconds: number): void {
  if (!ID.test(r.id)) throw invalid('An instance id is 16 to 64 lowercase hex digits.', 'instance.id');
  const text = (value: string, max: number, field: string) => {
    if (value.length === 0 || value.length > max)
      throw invalid(`The instance's ${field} must be 1 to ${max} characters.`, `instance.${field}`);
  };
  text(r.address, 200, 'address');
  text(r.host, 255, 'host');
  text(r.version, 64, 'version');
  const count = (value: number, field: string) => {
    if (!Number.isFinite(value) || value < 0) throw invalid(`The instance's ${field} must be a number of at least 0.`, `instance.${field}`);
  };
  count(r.uptimeSeconds, 'uptimeSeconds');
  count(r.requestsLastMinute, 'requestsLastMinute');
  count(r.errorsLastMinute, 'errorsLastMinute');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < MIN_TTL_SECONDS || ttlSeconds > MAX_TTL_SECONDS) {
    throw invalid(`ttlSeconds must be a whole number from ${MIN_TTL_SECONDS} to ${MAX_TTL_SECONDS}.`, 'ttlSeconds');
  }
}
