/**
 * `node dist/bench/range-decode.js [rounds]`: CPU per key of decoding one
 * etcd RangeResponse of 2,000 posts (a listing page of the bench's data),
 * by the etcd3 client's codec (protobufjs as the client loads it, then
 * made into KeyValues as EtcdKV did) against src/kv/etcd-range.ts.
 * process.cpuUsage, so other load on the machine matters less than to
 * wall time; the two alternate, and the median round of each is printed.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import { decodeRangeResponse } from '../src/kv/etcd-range.js';
import { keyspace } from '../src/kv/keys.js';
import type { KeyValue } from '../src/kv/kv.js';
import { generateGraph, PostGenerator } from './synthetic.js';

const rounds = Number(process.argv[2] ?? 15);
const PAGE = 2000;
const REPEAT = 50;

const protoFile = path.join(path.dirname(createRequire(import.meta.url).resolve('etcd3/package.json')), 'proto', 'rpc.proto');
const definition = loadSync(protoFile, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
const range = (definition['etcdserverpb.KV'] as unknown as Record<string, Record<string, (value: unknown) => unknown>>).Range!;

interface ClientKeyValue {
  key: Buffer;
  value: Buffer;
  create_revision: string;
  mod_revision: string;
  version: string;
  lease: string;
}

const keys = keyspace();
const nowMs = Date.now();
const generator = new PostGenerator(
  generateGraph({ users: 1000, avgFollowing: 50, specialFollows: 0, zipfExponent: 1, seed: 1, nowMs }),
  2,
  1,
  nowMs,
);
const kvs = Array.from({ length: PAGE }, (_, i) => {
  const post = generator.next();
  const revision = 1_000_000 + i;
  return {
    key: Buffer.from(keys.authorPost(post.author, post.id)),
    value: Buffer.from(JSON.stringify(post)),
    create_revision: revision,
    mod_revision: revision,
    version: 1,
  };
});
const bytes = range.responseSerialize!({
  header: { cluster_id: '14841639068965178418', revision: 1_600_000 },
  kvs,
  more: true,
  count: 26_000,
}) as Buffer;

const byClient = () => {
  const response = range.responseDeserialize!(bytes) as { kvs: ClientKeyValue[]; header: { revision: string } };
  const items = response.kvs.map(
    (kv): KeyValue => ({
      key: kv.key.toString('utf8'),
      value: kv.value.toString('utf8'),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
      version: Number(kv.version),
      lease: kv.lease ?? '0',
    }),
  );
  return { items, revision: Number(response.header.revision) };
};
const byHand = () => decodeRangeResponse(bytes);

const samples: Record<string, number[]> = { 'etcd3 client (protobufjs)': [], 'etcd-range.ts': [] };
for (let round = 0; round < rounds; round++) {
  for (const [name, decode] of [
    ['etcd3 client (protobufjs)', byClient],
    ['etcd-range.ts', byHand],
  ] as const) {
    const before = process.cpuUsage();
    for (let i = 0; i < REPEAT; i++) decode();
    const used = process.cpuUsage(before);
    samples[name]!.push(((used.user + used.system) * 1000) / (REPEAT * PAGE));
  }
}
console.log(`a RangeResponse of ${PAGE} posts, ${bytes.length} bytes; CPU per key, median of ${rounds} rounds:`);
for (const [name, values] of Object.entries(samples)) {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(`${name.padEnd(28)} ${Math.round(sorted[sorted.length >> 1]!)} ns`);
}
