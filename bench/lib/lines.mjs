// Request/response over a child's stdin/stdout, one line (or one cat-file record) at a time.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Reads a child's stdout as a byte queue that callers can take lines and fixed sizes from. */
class ByteQueue {
  constructor(stream) {
    this.buf = Buffer.alloc(0);
    this.waiter = null;
    stream.on('data', (d) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      const w = this.waiter;
      if (w) { this.waiter = null; w(); }
    });
  }
  async line() {
    for (;;) {
      const i = this.buf.indexOf(10);
      if (i >= 0) {
        const s = this.buf.toString('utf8', 0, i);
        this.buf = this.buf.subarray(i + 1);
        return s;
      }
      await new Promise((r) => { this.waiter = r; });
    }
  }
  async bytes(n) {
    while (this.buf.length < n) await new Promise((r) => { this.waiter = r; });
    const b = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return b;
  }
}

/** Peak RSS (KiB) of a live child process, from /proc. */
export function peakRssKB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The boot-meta worker (bench/lib/worker.mjs) on a repository. */
export class MetaWorker {
  constructor(dir) {
    this.p = spawn(process.execPath, [new URL('./worker.mjs', import.meta.url).pathname, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.q = new ByteQueue(this.p.stdout);
  }
  async call(op, args = {}) {
    this.p.stdin.write(`${JSON.stringify({ op, ...args })}\n`);
    const r = JSON.parse(await this.q.line());
    if (!r.ok) throw new Error(`worker ${op}: ${r.error}`);
    return r.value;
  }
  rssKB() { return peakRssKB(this.p.pid); }
  async close() { this.p.stdin.end(); await new Promise((r) => this.p.on('exit', r)); }
}

/** `git cat-file --batch` kept open. */
export class CatFile {
  constructor(dir) {
    this.p = spawn('git', ['-C', dir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.q = new ByteQueue(this.p.stdout);
  }
  /** { oid, type, data } or undefined when missing. */
  async get(spec) {
    this.p.stdin.write(`${spec}\n`);
    const head = await this.q.line();
    if (head.endsWith(' missing')) return undefined;
    const [oid, type, size] = head.split(' ');
    const data = await this.q.bytes(Number(size) + 1);
    return { oid, type, data: data.subarray(0, Number(size)) };
  }
  rssKB() { return peakRssKB(this.p.pid); }
  async close() { this.p.stdin.end(); await new Promise((r) => this.p.on('exit', r)); }
}

/** `git fast-import` kept open on a branch; every commit is made visible with a checkpoint. */
export class FastImport {
  constructor(dir, ref) {
    this.ref = ref;
    this.p = spawn('git', ['-C', dir, 'fast-import', '--quiet', '--date-format=raw'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.q = new ByteQueue(this.p.stdout);
    this.n = 0;
    this.first = true;
  }
  async commit(path, data, message, from) {
    const t = Math.floor(Date.now() / 1000);
    const person = `bench <bench@example.com> ${t} +0000`;
    const tag = `c${++this.n}`;
    const head = `commit ${this.ref}\nauthor ${person}\ncommitter ${person}\ndata ${Buffer.byteLength(message)}\n${message}\n${this.first ? `from ${from}\n` : ''}M 100644 inline ${path}\ndata ${data.length}\n`;
    this.first = false;
    this.p.stdin.write(Buffer.concat([Buffer.from(head), Buffer.from(data), Buffer.from(`\ncheckpoint\nprogress ${tag}\n`)]));
    for (;;) if ((await this.q.line()) === `progress ${tag}`) return;
  }
  rssKB() { return peakRssKB(this.p.pid); }
  async close() { this.p.stdin.end(); await new Promise((r) => this.p.on('exit', r)); }
}
