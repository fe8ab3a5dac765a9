import type { KeyValue } from '../../kv/kv.js';

/** What the view takes from a key-value: a listing's item, a watch event's, or a snapshot's (view-snapshot.ts). */
export type ViewEntry = Pick<KeyValue, 'key' | 'value' | 'modRevision'>;
