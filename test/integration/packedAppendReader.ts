// A reader in its own process for packedAppend.test.ts (bundled with esbuild there): reads every
// file at the branch tip over and over, with one long-lived Store (stale pack listing, open fds)
// and a fresh Store per round, until `<dir>/stop-reader` exists or `maxRounds` is reached.
// argv: dir maxRounds. Prints `ready`, then one JSON line { rounds, reads } and exits 0; any read
// error is printed and exits 1.
import * as fs from 'node:fs';
import { Store } from '../../src/store/Store.js';

const [dir, maxRoundsArg] = process.argv.slice(2) as [string, string];
const maxRounds = Number(maxRoundsArg);
const longLived = Store.open({ fs, dir });

function readAll(store: Store): number {
  const snap = store.snapshot();
  let n = 0;
  for (const e of snap.walk('')) {
    store.objects.read(e.oid, 'blob');
    n++;
  }
  return n;
}

let rounds = 0;
let reads = 0;
process.stdout.write('ready\n');
try {
  while (rounds < maxRounds && !fs.existsSync(`${dir}/stop-reader`)) {
    reads += readAll(longLived);
    const fresh = Store.open({ fs, dir });
    try {
      reads += readAll(fresh);
    } finally {
      fresh.close();
    }
    rounds++;
  }
  process.stdout.write(`${JSON.stringify({ rounds, reads })}\n`);
} catch (e) {
  process.stdout.write(`ERROR ${(e as Error).stack}\n`);
  process.exit(1);
}
