// Bundles the dashboard (src/dashboard/, Preact + htm) for the browser into dist/dashboard/:
// index.html plus content-hashed assets/ (served by `meta serve` at /ui/, cached for a year;
// index.html is never cached, so a new build is picked up at once). Everything the page needs is
// in these files: no CDN, font or script from anywhere else (the server's CSP forbids it too).
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/dashboard');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
const r = await build({
  entryPoints: [join(root, 'src/dashboard/main.ts')],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  metafile: true,
  tsconfig: join(root, 'src/dashboard/tsconfig.json'),
  logLevel: 'warning',
});
if (r.warnings.length > 0 || r.errors.length > 0) process.exit(1);
const outputs = Object.entries(r.metafile.outputs).filter(([, o]) => o.entryPoint || o.cssBundle === undefined);
const js = Object.keys(r.metafile.outputs).find((p) => p.endsWith('.js'));
const css = Object.keys(r.metafile.outputs).find((p) => p.endsWith('.css'));
if (!js || !css || outputs.length === 0) throw new Error('the dashboard bundle has no script or stylesheet');
const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>boot-meta dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/assets/${basename(css)}">
<script type="module" src="/ui/assets/${basename(js)}"></script>
</head>
<body>
<div id="app"><noscript>The boot-meta dashboard needs JavaScript; the same data is in the JSON API (GET / lists it).</noscript></div>
</body>
</html>
`;
writeFileSync(join(out, 'index.html'), page);
