import type { Keyspace } from '../kv/keys.js';
import type { KV } from '../kv/kv.js';

/** The store and the layout of keys in it: what every service function that touches storage is given. */
export interface Store {
  readonly kv: KV;
  readonly keys: Keyspace;
  /**
   * Told of every write that added a notification, with its revision, so
   * the service can keep each account's notifications bounded
   * (notification-trim.ts). Absent where nobody needs to know (tools).
   */
  readonly notified?: (recipient: string, revision: number) => void;
}
