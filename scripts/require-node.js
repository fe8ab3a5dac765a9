// `npm test` hands `node --test` quoted globs, which Node expands itself only
// from version 22 on; older versions would report a missing file instead.
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  console.error(
    `npm test needs Node.js 22 or later; this is ${process.version}. ` +
      '.ci/run fetches Node 24 from the npm registry (see "Test it" in README.md).',
  );
  process.exit(1);
}
