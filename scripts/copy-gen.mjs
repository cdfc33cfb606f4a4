// tsc does not copy the generated JavaScript; dist/ needs it next to the compiled codec.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'dist/gen'), { recursive: true });
for (const f of ['meta.js', 'meta.d.ts']) copyFileSync(join(root, 'src/gen', f), join(root, 'dist/gen', f));
