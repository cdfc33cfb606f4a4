// Bundles the CLI's fast path (src/cli/fast.ts, the hot commands and the library code they load,
// protobufjs included) into one ES module, dist/cli/fast.bundle.js. Node 20 has no compile cache,
// and resolving and compiling ~40 small modules costs ~25 ms of every cold `meta resolve binary`
// (issue 6: within 2× `node -e 0`). bin/meta falls back to dist/cli/fast.js without it.
//
// Only the commands' own lazy imports of the library are pulled in. Any other dynamic import (a
// push to a remote, secrets, YAML settings: code the hot commands reach only sometimes) stays a
// dynamic import of the unbundled file in dist/, so it costs nothing unless it runs.
import { build } from 'esbuild';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist/cli/fast.bundle.js');
const cliDir = join(root, 'dist/cli');
const lazyElsewhere = {
  name: 'keep-other-dynamic-imports-lazy',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      if (args.importer.startsWith(`${cliDir}/`)) return undefined; // fast.js, commands/*, context.js
      if (!args.path.startsWith('.')) return { path: args.path, external: true }; // a package, e.g. yaml
      const target = resolve(dirname(args.importer), args.path);
      let rel = relative(dirname(outfile), target);
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return { path: rel, external: true };
    });
  },
};
const r = await build({
  entryPoints: [join(cliDir, 'fast.js')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [lazyElsewhere],
  logLevel: 'warning',
});
if (r.warnings.length > 0 || r.errors.length > 0) process.exit(1);
// Every kilobyte here is compiled on every cold start: a static import of something heavy into the
// hot path (isomorphic-git, yaml, …) shows up as a jump in size. Make such imports dynamic.
const { statSync } = await import('node:fs');
const kb = Math.round(statSync(outfile).size / 1024);
if (kb > 450) console.warn(`warning: ${outfile} is ${kb} KB; a heavy module reached the CLI's hot path (make that import dynamic)`);
