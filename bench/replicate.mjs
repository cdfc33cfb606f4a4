#!/usr/bin/env node
// `npm run bench:replicate`: peak memory of `meta binary replicate` against the size of the
// binary. For each size (default 20 MB and 200 MB) it records a binary held in a directory,
// starts a local S3-compatible server (s3rver) with two buckets, and runs the real CLI to copy the
// binary to both (multipart uploads, read back and sha-256 checked). The copying process's peak
// RSS (VmHWM from /proc) is the number: it must stay flat as the binary grows, since every copy
// streams in constant memory. Wall time is printed too, for reference only.
//
//   node bench/replicate.mjs [--sizes 20,200] [--dir <tmp>]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import S3rver from 's3rver';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (p) => import(new URL(`../dist/${p}`, import.meta.url).href);

const o = { sizes: [20, 200], dir: join(tmpdir(), `meta-bench-replicate-${process.pid}`) };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--sizes') o.sizes = process.argv[++i].split(',').map(Number);
  else if (a === '--dir') o.dir = process.argv[++i];
  else throw new Error(`unknown option ${a}`);
}

/** Writes `mb` MiB of random bytes, streamed (the bench itself must not hold the binary). */
async function makeBinary(path, mb) {
  const out = createWriteStream(path);
  for (let i = 0; i < mb; i++) if (!out.write(randomBytes(1 << 20))) await new Promise((r) => out.once('drain', r));
  await new Promise((r) => out.end(r));
}

/** Runs `meta …`, sampling its peak RSS (VmHWM) until it exits. */
function runSampled(args, env) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [join(root, 'bin/meta'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let peakKb = 0;
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.resume();
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch { /* exited */ }
    };
    const t = setInterval(sample, 20);
    child.on('exit', (code) => {
      clearInterval(t);
      resolve({ code, peakMb: peakKb / 1024, seconds: Number(process.hrtime.bigint() - started) / 1e9, err });
    });
  });
}

rmSync(o.dir, { recursive: true, force: true });
mkdirSync(o.dir, { recursive: true });
const { initMeta } = await dist('api/initMeta.js');
const { addProject, recordRelease, recordBinary } = await dist('index.js');
console.log(`meta binary replicate: peak RSS of the copying process by binary size (2 destinations on s3rver, multipart, read back)`);
console.log(`${'size'.padStart(8)} ${'peak RSS'.padStart(10)} ${'time'.padStart(8)}`);
try {
  for (const mb of o.sizes) {
    const dir = join(o.dir, `${mb}mb`);
    mkdirSync(dir, { recursive: true });
    const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 's3'), configureBuckets: [{ name: 'eu-builds' }, { name: 'ap-builds' }] });
    const { port } = await s3.run();
    try {
      const repo = await initMeta({ dir: join(dir, 'meta'), actor: 'bench <bench@example.com>', env: {} });
      await addProject(repo, { name: 'acme/app', repoUrl: 'https://git.example/acme/app' });
      await recordRelease(repo, { project: 'acme/app', version: '1.0.0', sources: [{ url: 'https://git.example/acme/app', commit: '1'.repeat(40) }] });
      const bin = join(dir, 'app');
      await makeBinary(bin, mb);
      await recordBinary(repo, { project: 'acme/app', version: '1.0.0', platform: 'linux/amd64', file: bin, urls: [`file://${bin}`] });
      repo.close?.();
      const env = {
        AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1',
        AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_EC2_METADATA_DISABLED: 'true', META_ACTOR: 'bench <bench@example.com>',
      };
      const r = await runSampled(['binary', 'replicate', 'acme/app', '1.0.0', '--platform', 'linux/amd64', '--repo', join(dir, 'meta'),
        '--to', 's3://eu-builds/acme/app/1.0.0/linux-amd64', '--region', 'eu', '--to', 's3://ap-builds/acme/app/1.0.0/linux-amd64', '--region', 'ap'], env);
      if (r.code !== 0) throw new Error(`replicate exited ${r.code}: ${r.err}`);
      console.log(`${`${mb} MB`.padStart(8)} ${`${r.peakMb.toFixed(0)} MB`.padStart(10)} ${`${r.seconds.toFixed(1)} s`.padStart(8)}`);
    } finally {
      await s3.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(o.dir, { recursive: true, force: true });
}
