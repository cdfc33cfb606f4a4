// Bundles the CLI (src/cli/main.ts: the parser, every command's declaration, and the hot
// commands with the library code they load, protobufjs included) into one ES module,
// dist/cli/main.bundle.js. Node 20 has no compile cache, and resolving and compiling ~40 small
// modules costs ~25 ms of every cold `meta resolve binary` (the target: within 2× `node -e 0`).
// bin/meta falls back to dist/cli/main.js without it.
//
// A command declared `hot: true` in src/cli/specs.ts is pulled in with the library code it
// imports. Every other command (and help, version, completion) stays a dynamic import of its
// file in dist/cli/, and so does any other dynamic import (a push to a remote, secrets, YAML
// settings: code the hot commands reach only sometimes), so it costs nothing unless it runs.
import { build } from 'esbuild';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist/cli/main.bundle.js');
const cliDir = join(root, 'dist/cli');
const specsFile = join(cliDir, 'specs.js');

// The hot commands' files, read from the declarations: each `load` is `() => import('./commands/x.js')`.
const { COMMANDS } = await import(pathToFileURL(specsFile).href);
const hot = new Set();
for (const c of COMMANDS) {
  if (c.builtin) continue;
  const m = /import\((['"])(\.\/commands\/[\w.-]+\.js)\1\)/.exec(String(c.load));
  if (!m) throw new Error(`meta ${c.path.join(' ')}: its load must be () => import('./commands/<file>.js')`);
  if (c.hot) hot.add(resolve(cliDir, m[2]));
}

const external = (importer, path) => {
  let rel = relative(dirname(outfile), resolve(dirname(importer), path));
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return { path: rel, external: true };
};
const lazyElsewhere = {
  name: 'keep-other-dynamic-imports-lazy',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      if (!args.path.startsWith('.')) return { path: args.path, external: true }; // a package, e.g. yaml
      if (args.importer === specsFile) return hot.has(resolve(cliDir, args.path)) ? undefined : external(args.importer, args.path);
      if (args.path === './builtins.js') return external(args.importer, args.path); // help, version, completion
      if (args.importer.startsWith(`${cliDir}/`)) return undefined; // a hot command, context.js, pushOption.js
      return external(args.importer, args.path);
    });
  },
};
const r = await build({
  entryPoints: [join(cliDir, 'main.js')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [lazyElsewhere],
  // Whitespace only: ~2 ms less to compile on every cold start, and names stay in stack traces
  // (`node --enable-source-maps` maps them back through the linked map).
  minifyWhitespace: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
if (r.warnings.length > 0 || r.errors.length > 0) process.exit(1);
// Every kilobyte here is compiled on every cold start: a static import of something heavy into the
// hot path (yaml, the serve code, …) shows up as a jump in size. Make such imports dynamic.
// 440 KB: the generated protobuf code (every record kind's messages, ~95 KB) and the command table
// grow with the product; the bench's cold-resolve ratio is what holds the line.
const { statSync } = await import('node:fs');
const kb = Math.round(statSync(outfile).size / 1024);
if (kb > 440) console.warn(`warning: ${outfile} is ${kb} KB; a heavy module reached the CLI's hot path (make that import dynamic)`);
