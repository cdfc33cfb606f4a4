// Bundles the CLI's fast path (src/cli/fast.ts and everything the hot commands load, protobufjs
// included) into one ES module, dist/cli/fast.bundle.js. Node 20 has no compile cache, and
// resolving and compiling ~40 small modules costs ~25 ms of every cold `meta resolve binary`
// (issue 6: within 2× `node -e 0`). bin/meta falls back to dist/cli/fast.js without it.
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const r = await build({
  entryPoints: [join(root, 'dist/cli/fast.js')],
  outfile: join(root, 'dist/cli/fast.bundle.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // import.meta.url stays meaningful only if the file keeps its place relative to meta-template/.
  logLevel: 'warning',
});
if (r.warnings.length > 0 || r.errors.length > 0) process.exit(1);
