// The server behind test/helpers/gitHttpServer.ts, in its own process so tests may block their
// event loop (execFileSync('git', ...)) while git talks to it. Config: one JSON argument.
// Prints `listening <port>` once ready, `req <method> <url>` per request and `auth <header>` per
// Authorization header it sees.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';

const opts = JSON.parse(process.argv[2]);
const backend = `${execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim()}/git-http-backend`;
const expected = opts.auth ? `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}` : undefined;
const children = new Set();

const server = createServer((req, res) => {
  const authz = req.headers.authorization;
  process.stdout.write(`req ${req.method} ${req.url}\n`);
  if (authz) process.stdout.write(`auth ${authz}\n`);
  if (expected && authz !== expected) {
    req.resume();
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
    res.end('authentication required\n');
    return;
  }
  const u = new URL(req.url ?? '/', 'http://127.0.0.1');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_PROJECT_ROOT: opts.root,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(u.pathname),
    QUERY_STRING: u.search.slice(1),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: '127.0.0.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    // Pushes over HTTP are refused unless a user authenticated or this is set.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'true',
  };
  // Extra protected (command-line scope) git config for the CGI, e.g. uploadpack.packObjectsHook.
  for (const [k, v] of Object.entries(opts.config ?? {})) {
    const n = Number(env.GIT_CONFIG_COUNT);
    env[`GIT_CONFIG_KEY_${n}`] = k;
    env[`GIT_CONFIG_VALUE_${n}`] = v;
    env.GIT_CONFIG_COUNT = String(n + 1);
  }
  if (opts.auth) env.REMOTE_USER = opts.auth.username;
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);
  const child = spawn(backend, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.on('close', () => children.delete(child));
  child.on('error', () => { if (!res.headersSent) res.writeHead(500); res.end(); });
  child.stderr.on('data', (d) => process.stderr.write(d));
  req.pipe(child.stdin);
  child.stdin.on('error', () => { /* the CGI may exit before reading everything */ });
  // CGI output: headers, a blank line, then the body.
  let head = Buffer.alloc(0);
  let inBody = false;
  child.stdout.on('data', (chunk) => {
    if (inBody) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    let sep = head.indexOf('\r\n\r\n');
    let sepLen = 4;
    if (sep < 0) {
      sep = head.indexOf('\n\n');
      sepLen = 2;
    }
    if (sep < 0) return;
    let status = 200;
    const headers = {};
    for (const line of head.subarray(0, sep).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const k = line.slice(0, i).trim();
      const v = line.slice(i + 1).trim();
      if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10);
      else headers[k] = v;
    }
    res.writeHead(status, headers);
    inBody = true;
    const rest = head.subarray(sep + sepLen);
    if (rest.length) res.write(rest);
  });
  child.stdout.on('end', () => {
    if (!inBody && !res.headersSent) res.writeHead(502);
    res.end();
  });
});

function stop() {
  for (const c of children) c.kill('SIGKILL');
  server.closeAllConnections();
  server.close(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent closing our stdin (or dying) stops us too: no orphan servers after a crashed test run.
process.stdin.on('end', stop);
process.stdin.resume();
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
