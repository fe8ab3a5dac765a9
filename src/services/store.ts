import type { Keyspace } from '../kv/keys.js';
import type { KV } from '../kv/kv.js';

/** The store and the layout of keys in it: what every service function that touches storage is given. */
export interface Store {
  readonly kv: KV;
  readonly keys: Keyspace;
}
