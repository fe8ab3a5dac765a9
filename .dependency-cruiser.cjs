/**
 * The dependency rules of STYLE.md ("Dependencies point inward"), checked on
 * resolved imports: relative ones, packages, type-only imports and dynamic
 * import(). test/architecture.test.ts runs these rules on src/ (no
 * violation allowed) and on test/fixtures/architecture/ (every rule must
 * fire), so a rule that stops matching anything fails the test.
 *
 * Paths are relative to the folder cruised from (the repository root, or
 * the fixture's root), so every pattern starts at `src/`.
 */

/** The shared gRPC plumbing (server, status table, unary helpers). */
const RPC_PLUMBING = '^src/rpc/';
/** The service adapters that translate between protobuf messages and the domain. */
const RPC_ADAPTERS = '^src/services/[^/]+/grpc\\.ts$';
/** Concrete KV engines: only src/cmd and tests may construct them. */
const ENGINES = '^src/kv/(etcd|embedded)-kv\\.ts$';
/** Generated protobuf code. */
const GENERATED = '^src/gen/';
/** Unit tests beside the code may construct engines and fakes like any other test. */
const UNIT_TESTS = '\\.test\\.ts$';
/** Prometheus metrics: a leaf every layer may record into (it imports nothing of ours). */
const METRICS = '^src/metrics/';

const pkg = (...names) => `(^|/)node_modules/(${names.join('|')})/`;
const STORAGE_PACKAGES = pkg('etcd3', 'better-sqlite3');
const RPC_PACKAGES = pkg('@grpc/grpc-js', '@grpc/proto-loader');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'An import cycle in src/ makes start-up order and refactoring fragile.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'resolvable',
      comment: 'An import the checker cannot resolve is an import no rule can check (run `npm run build` first so src/gen/ exists).',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'domain-imports-nothing-of-ours',
      severity: 'error',
      from: { path: '^src/domain/', pathNot: UNIT_TESTS },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'kv-imports-only-domain',
      severity: 'error',
      from: { path: '^src/kv/', pathNot: UNIT_TESTS },
      to: { path: '^src/', pathNot: ['^src/(kv|domain)/', METRICS] },
    },
    {
      name: 'services-import-domain-kv-and-rpc-only',
      severity: 'error',
      from: { path: '^src/services/', pathNot: UNIT_TESTS },
      to: { path: '^src/', pathNot: ['^src/(domain|kv|services)/', RPC_PLUMBING, GENERATED, METRICS] },
    },
    {
      name: 'services-never-use-an-engine',
      comment: 'Services are written once against the KV interface (src/kv/kv.ts).',
      severity: 'error',
      from: { path: '^src/services/', pathNot: UNIT_TESTS },
      to: { path: [ENGINES, STORAGE_PACKAGES] },
    },
    {
      name: 'web-imports-clients-and-domain-only',
      comment: 'The web tier cannot touch storage or services, which keeps it stateless.',
      severity: 'error',
      from: { path: '^src/web/', pathNot: UNIT_TESTS },
      to: { path: '^src/', pathNot: ['^src/(web|clients|domain)/', METRICS] },
    },
    {
      name: 'web-no-storage-or-rpc-packages',
      severity: 'error',
      from: { path: '^src/web/', pathNot: UNIT_TESTS },
      to: { path: [STORAGE_PACKAGES, RPC_PACKAGES] },
    },
    {
      name: 'only-rpc-code-touches-generated-types',
      comment: 'Generated protobuf types stay behind services/*/grpc.ts, clients/ and the shared RPC plumbing.',
      severity: 'error',
      from: { path: '^src/', pathNot: [RPC_ADAPTERS, '^src/clients/', RPC_PLUMBING, GENERATED, UNIT_TESTS] },
      to: { path: GENERATED },
    },
    {
      name: 'rpc-adapters-take-the-domain-interfaces',
      comment:
        'A gRPC adapter is given Auth or Social, never a service class, so it can act for a person only through Social.as(token), not SocialService.trustedActor (docs/security.md, "No trusted usernames").',
      severity: 'error',
      from: { path: RPC_ADAPTERS },
      to: { path: '^src/', pathNot: ['^src/domain/', RPC_PLUMBING, GENERATED] },
    },
    {
      name: 'only-cmd-constructs-engines',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cmd/', ENGINES, UNIT_TESTS] },
      to: { path: ENGINES },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Packages and generated code are checked as targets, never cruised into.
    doNotFollow: { path: ['node_modules', GENERATED] },
    exclude: { path: ['^dist/', '\\.d\\.ts$'] },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
