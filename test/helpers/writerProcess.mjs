// A writer in its own process, using the built library (run `npm run build` first).
// argv[2] is JSON: { dir, count, prefix, push?: boolean, loop?: boolean, attempts?: number }
// Prints `ready` once the library is loaded and the repository open, then one JSON line per
// record written: { version, commit }. With `loop`, appends until killed.
import { openMeta, recordRelease } from '../../dist/index.js';
import { setAutoPush } from '../../dist/api/autoPush.js';

const opts = JSON.parse(process.argv[2]);
const repo = openMeta({ dir: opts.dir });
if (opts.push) setAutoPush(repo, { maxAttempts: opts.attempts ?? 60, backoffMs: 20 });
process.stdout.write('ready\n');
for (let i = 0; opts.loop || i < opts.count; i++) {
  const version = `${opts.prefix}.${i}`;
  const r = await recordRelease(repo, { project: 'acme/app', version, sources: [{ url: 'https://git.example/acme/app', commit: 'a'.repeat(40) }] });
  process.stdout.write(`${JSON.stringify({ version, commit: r.commit })}\n`);
}
