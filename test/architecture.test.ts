import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The dependency rules of STYLE.md, checked on the source: the folders show
 * the architecture only if imports keep pointing inward.
 */
const src = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'gen' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every relative import of the file, as a path relative to src/ (e.g. "kv/kv.ts"). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers.map((s) => path.relative(src, path.resolve(path.dirname(file), s)).replace(/\.js$/, '.ts'));
}

const files = sourceFiles(src).map((file) => ({ file: path.relative(src, file), imports: imports(file) }));

function violations(owner: (file: string) => boolean, allowed: (target: string, file: string) => boolean): string[] {
  return files
    .filter(({ file }) => owner(file))
    .flatMap(({ file, imports }) => imports.filter((target) => !allowed(target, file)).map((target) => `${file} → ${target}`));
}

const under = (folder: string) => (file: string) => file.startsWith(folder);

describe('dependency rules', () => {
  it('reads the source tree', () => {
    assert.ok(files.length > 20, `found ${files.length} source files`);
    assert.ok(files.some((f) => f.imports.length > 0));
  });

  it('domain imports nothing of ours outside domain', () => {
    assert.deepEqual(violations(under('domain/'), under('domain/')), []);
  });

  it('kv imports only kv and domain', () => {
    assert.deepEqual(violations(under('kv/'), (t) => under('kv/')(t) || under('domain/')(t)), []);
  });

  it('services use the KV interface, never an engine', () => {
    const engine = (t: string) => t === 'kv/etcd-kv.ts' || t === 'kv/embedded-kv.ts';
    assert.deepEqual(
      violations(under('services/'), (t) =>
        !engine(t) && ['domain/', 'kv/', 'services/', 'rpc/', 'gen/'].some((folder) => t.startsWith(folder))),
      [],
    );
  });

  it('web reaches storage and services only through domain interfaces', () => {
    assert.deepEqual(violations(under('web/'), (t) => under('web/')(t) || under('domain/')(t)), []);
  });

  it('only services/*/grpc.ts and clients/ touch generated protobuf types', () => {
    const mayUseGen = (file: string) => /^services\/[^/]+\/grpc\.ts$/.test(file) || file.startsWith('clients/');
    assert.deepEqual(violations((f) => !mayUseGen(f), (t) => !t.startsWith('gen/')), []);
  });

  it('only cmd/ constructs concrete engines and servers', () => {
    const concrete = ['kv/etcd-kv.ts', 'kv/embedded-kv.ts', 'local-etcd/etcd-cluster.ts'];
    assert.deepEqual(
      violations((f) => !f.startsWith('cmd/') && !f.startsWith('kv/') && !f.startsWith('local-etcd/'), (t) => !concrete.includes(t)),
      [],
    );
  });
});
