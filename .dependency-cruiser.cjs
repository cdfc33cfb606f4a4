// The import rules of docs/architecture.md, checked first on every `npm test` (and by `npm run lint:deps`).
// Layers import downwards only:
//   cli → (serve, follow, watch, webhooks, captain, replication) → api → (store, records, resolve, secrets, remote, verify, flags, storage) → errors, util
// src/gen (generated protobuf code) is imported only by the record codec.
const LOW = '^src/(errors|util)/';
const CORE = '^src/(store|records|resolve|secrets|remote|verify|flags|storage)/';
const SERVICES = '^src/(serve|follow|watch|webhooks|captain|replication)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'A cycle makes two modules one; break it by moving the shared part down a layer.', from: { path: '^src/' }, to: { circular: true } },
    { name: 'gen-only-from-codec', severity: 'error', comment: 'Generated protobuf code is read only by the record codec.', from: { path: '^src/', pathNot: '^src/(gen/|records/codec\\.ts$)' }, to: { path: '^src/gen/' } },
    { name: 'low-imports-nothing-above', severity: 'error', comment: 'errors/ and util/ are the bottom layer.', from: { path: LOW }, to: { path: '^src/', pathNot: LOW } },
    { name: 'core-below-api', severity: 'error', comment: 'store, records, resolve, secrets, remote, verify, flags and storage never import the api, services or the CLI.', from: { path: CORE }, to: { path: '^src/(api|serve|follow|watch|webhooks|captain|replication|cli)/|^src/index\\.ts$' } },
    { name: 'api-below-services', severity: 'error', comment: 'The public operations never import the services or the CLI.', from: { path: '^src/api/' }, to: { path: '^src/(serve|follow|watch|webhooks|captain|replication|cli)/|^src/index\\.ts$' } },
    { name: 'services-below-cli', severity: 'error', comment: 'Services never import the CLI.', from: { path: SERVICES }, to: { path: '^src/cli/|^src/index\\.ts$' } },
    { name: 'no-node-fs-in-store', severity: 'error', comment: 'The store reads and writes through the injected fs only (so memfs works end to end).', from: { path: '^src/(store|remote)/' }, to: { path: '^(node:)?fs$' } },
    { name: 'dashboard-is-browser-code', severity: 'error', comment: 'src/dashboard/ runs in the browser: from the Node layers it may import only types (the JSON shapes of the routes it reads).', from: { path: '^src/dashboard/' }, to: { path: '^src/', pathNot: '^src/dashboard/', dependencyTypesNot: ['type-only'] } },
    { name: 'nothing-imports-the-dashboard', severity: 'error', comment: 'The Node layers serve the built dashboard (dist/dashboard/), never import its source.', from: { path: '^src/', pathNot: '^src/dashboard/' }, to: { path: '^src/dashboard/' } },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/gen/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
