import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

/**
 * The dependency rules of STYLE.md, as .dependency-cruiser.cjs states them,
 * checked on resolved imports (relative, packages, type-only and dynamic).
 * The fixture tree breaks every rule once, so a rule that stops matching
 * (a renamed folder, a resolver that no longer maps `.js` to `.ts`) fails
 * here instead of passing in silence.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('../../test/fixtures/architecture/', import.meta.url));

async function cruiseTree(baseDir: string): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(`${root}.dependency-cruiser.cjs`);
  const result = await cruise(['src'], { ...options, baseDir, tsConfig: undefined }, undefined, {
    tsConfig: extractTSConfig(`${root}tsconfig.json`),
  });
  assert.equal(typeof result.output, 'object');
  return result.output as ICruiseResult;
}

/** "rule: from → to", with a package named rather than by its entry file. */
const violations = (result: ICruiseResult) =>
  result.summary.violations
    .map((v) => `${v.rule.name}: ${v.from} → ${v.to.replace(/^(\.\.\/)*node_modules\/((@[^/]+\/)?[^/]+)\/.*$/, 'package $2')}`)
    .sort();

describe('dependency rules', () => {
  it('src/ breaks none of them', async () => {
    const result = await cruiseTree(root);
    assert.deepEqual(violations(result), []);

    // The rules can only hold if the cruise saw what they talk about.
    const modules = result.modules.map((m) => m.source);
    for (const expected of ['src/kv/etcd-kv.ts', 'src/kv/embedded-kv.ts', 'src/kv/kv.ts', 'src/web/app.ts']) {
      assert.ok(modules.includes(expected), `cruised ${expected}`);
    }
    assert.ok(
      modules.some((m) => m.startsWith('src/gen/')),
      'cruised generated code',
    );
    const targets = (source: string) => result.modules.find((m) => m.source === source)?.dependencies.map((d) => d.resolved) ?? [];
    assert.ok(
      targets('src/kv/etcd-kv.ts').some((t) => /node_modules\/etcd3\//.test(t)),
      'packages resolve',
    );
    assert.ok(
      targets('src/web/app.ts').some((t) => t.startsWith('src/web/')),
      '.js imports resolve to .ts',
    );
    assert.ok(result.summary.totalCruised > 80, `cruised ${result.summary.totalCruised} modules`);
  });

  it('reports each kind of violation in a tree that has one of each, and nothing else', async () => {
    const result = await cruiseTree(fixture);
    assert.deepEqual(violations(result), [
      'domain-imports-nothing-of-ours: src/domain/imports-kv.ts → src/kv/kv.ts',
      'kv-imports-only-domain: src/kv/imports-services.ts → src/services/social/feed.ts',
      'no-cycles: src/domain/cycle-a.ts → src/domain/cycle-b.ts',
      'only-cmd-constructs-engines: src/services/social/uses-engine.ts → src/kv/etcd-kv.ts',
      'only-cmd-constructs-engines: src/web/dynamic-import.ts → src/kv/embedded-kv.ts',
      'only-rpc-code-touches-generated-types: src/services/social/uses-generated.ts → src/gen/chorus/social.ts',
      'resolvable: src/web/unresolvable.ts → ./no-such-file.js',
      'rpc-adapters-take-the-domain-interfaces: src/services/social/grpc.ts → src/services/social/social-service.ts',
      'services-import-domain-kv-and-rpc-only: src/services/social/imports-web.ts → src/web/page.ts',
      'services-never-use-an-engine: src/services/social/uses-engine.ts → src/kv/etcd-kv.ts',
      'services-never-use-an-engine: src/services/social/uses-sqlite.ts → package better-sqlite3',
      'web-imports-clients-and-domain-only: src/web/dynamic-import.ts → src/kv/embedded-kv.ts',
      'web-imports-clients-and-domain-only: src/web/imports-kv.ts → src/kv/kv.ts',
      'web-no-storage-or-rpc-packages: src/web/imports-etcd3.ts → package etcd3',
      'web-no-storage-or-rpc-packages: src/web/imports-grpc.ts → package @grpc/grpc-js',
    ]);
    const lazy = result.modules.find((m) => m.source === 'src/web/dynamic-import.ts');
    assert.deepEqual(
      lazy?.dependencies.map((d) => d.dependencyTypes.includes('dynamic-import')),
      [true],
    );
  });
});
