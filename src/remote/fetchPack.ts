import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { MetaError } from '../errors/MetaError.js';
import { authHeader, scrubSecrets } from './credentials.js';
import { httpRequest, readBody, type HttpResponse } from './httpRequest.js';
import { installPack } from './indexPack.js';
import { unlinkIfPresent, writeAll } from '../store/fs.js';
import type { PackDestination } from '../store/Repository.js';
import { pktLine, type Advertisement, type RemoteTarget } from './smartHttp.js';

const AGENT = 'boot-meta/0.1';

export interface UploadPackRequest {
  /** Commits we want (the remote's tips). */
  wants: string[];
  /** Commits we have, most recent first: the server leaves out what they reach. */
  haves: string[];
  /** Shallow fetch: the last N commits from each want. */
  depth?: number;
  /** Our shallow boundary commits (the `shallow` file), so the server knows where our history stops. */
  shallow?: string[];
}

export interface UploadPackResult {
  /** The installed pack's id, or undefined when the server sent no objects. */
  pack?: string;
  objects: number;
  /** Commits that are now shallow boundaries / no longer are. */
  shallow: string[];
  unshallow: string[];
}

/**
 * Feeds each chunk of `body` to `onChunk` as it arrives, until the end or until `onChunk` returns
 * false. Flowing mode, not `for await`: the async iterator's `read()` concatenates every chunk
 * buffered meanwhile into a fresh buffer, which doubled the garbage (and the peak RSS) of a clone.
 */
function drain(body: Readable, onChunk: (chunk: Buffer) => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (e?: unknown): void => {
      if (done) return;
      done = true;
      if (e) reject(e);
      else resolve();
    };
    body.on('data', (chunk: Buffer) => {
      if (done) return;
      try {
        if (!onChunk(chunk)) {
          finish();
          body.destroy();
        }
      } catch (e) {
        finish(e);
        body.destroy();
      }
    });
    body.on('end', () => finish());
    body.on('error', (e) => finish(e));
    body.on('close', () => finish(new Error('the connection closed before the response ended')));
  });
}

function fail(target: RemoteTarget, why: string, data: Record<string, unknown> = {}): MetaError {
  const shown = scrubSecrets(target.url, target.credentials);
  return new MetaError('REMOTE', `fetching from ${shown} failed: ${scrubSecrets(why, target.credentials)}`, { url: shown, ...data });
}

/**
 * Fetches a pack from `git-upload-pack` (smart HTTP, protocol v0/v1, one stateless request with
 * `done`: our histories are linear, so the haves we send are the negotiation) and streams it to a
 * temp file in the destination's pack directory (through the repository's file system), then
 * indexes it and moves `.pack` and `.idx` into place. The pack never sits in memory whole. Asks for `ofs-delta` and `side-band-64k` when offered, never `thin-pack`
 * (every delta base must be in the pack we index).
 *
 * @example
 * const adv = await advertisedRefs(target, 'git-upload-pack');
 * const tip = adv.refs.get('refs/heads/main')!;
 * await fetchPack(target, adv, { wants: [tip], haves: [] }, repository.transport().packDestination());
 */
export async function fetchPack(target: RemoteTarget, adv: Advertisement, req: UploadPackRequest, dest: PackDestination): Promise<UploadPackResult> {
  const { fs, dir: packDir } = dest;
  const caps = adv.capabilities;
  const band = caps.has('side-band-64k') ? 'side-band-64k' : caps.has('side-band') ? 'side-band' : undefined;
  const ask = [band, caps.has('ofs-delta') ? 'ofs-delta' : undefined, caps.has('no-progress') ? 'no-progress' : undefined, caps.has('shallow') ? 'shallow' : undefined, `agent=${AGENT}`].filter(Boolean).join(' ');
  if (req.depth !== undefined && !caps.has('shallow')) throw fail(target, 'the server does not support shallow fetches; clone without --depth');
  const parts: Buffer[] = req.wants.map((w, i) => pktLine(`want ${w}${i === 0 ? ` ${ask}` : ''}\n`));
  if (caps.has('shallow')) for (const s of req.shallow ?? []) parts.push(pktLine(`shallow ${s}\n`));
  if (req.depth !== undefined) parts.push(pktLine(`deepen ${req.depth}\n`));
  parts.push(Buffer.from('0000'));
  for (const h of req.haves) parts.push(pktLine(`have ${h}\n`));
  parts.push(pktLine('done\n'));

  const shown = scrubSecrets(target.url, target.credentials);
  const headers: Record<string, string> = {
    'User-Agent': `git/2.0 (${AGENT})`,
    'Content-Type': 'application/x-git-upload-pack-request',
    Accept: 'application/x-git-upload-pack-result',
  };
  if (target.credentials) headers.Authorization = authHeader(target.credentials);
  let res: HttpResponse;
  try {
    res = await httpRequest(`${target.url.replace(/\/+$/, '')}/git-upload-pack`, { method: 'POST', headers, body: Buffer.concat(parts) });
  } catch (e) {
    const why = scrubSecrets(String((e as Error & { cause?: Error }).cause?.message ?? (e as Error).message), target.credentials);
    throw new MetaError('REMOTE', `cannot reach ${shown}: ${why}; check the URL and your network`, { url: shown });
  }
  if (res.status === 401 || res.status === 403) {
    res.body.resume();
    throw new MetaError('AUTH', `${shown} refused ${target.credentials ? 'the credentials' : 'access without credentials'} (HTTP ${res.status}); set $META_GIT_TOKEN, or $META_GIT_USERNAME and $META_GIT_PASSWORD, or $META_GIT_CREDENTIAL_HELPER`, { url: shown, status: res.status });
  }
  if (res.status === 404) {
    res.body.resume();
    throw new MetaError('NOT_FOUND', `no git repository at ${shown} (HTTP 404); check the URL`, { url: shown, status: 404 });
  }
  if (res.status < 200 || res.status > 299) {
    const text = await readBody(res.body).then((b) => b.toString('utf8'), () => '');
    throw fail(target, `HTTP ${res.status}: ${text.slice(0, 200).trim()}`, { status: res.status });
  }

  fs.mkdirSync(packDir, { recursive: true });
  const tmpPack = `${packDir}/tmp_pack_${process.pid}_${randomBytes(6).toString('hex')}`;
  const fd = fs.openSync(tmpPack, 'wx', 0o600);
  const shallow: string[] = [];
  const unshallow: string[] = [];
  let written = 0;
  let fatal = '';
  let closed = false;
  try {
    // States: negotiation pkt-lines (shallow info, ACK/NAK), then the pack, side-band framed or raw.
    let phase: 'nego' | 'band' | 'raw' | 'end' = 'nego';
    let pending: Buffer = Buffer.alloc(0);
    const write = (b: Buffer): void => {
      writeAll(fs, fd, b);
      written += b.length;
    };
    // Band 1 is pack data, band 3 a fatal error; band 2 is progress text, which we asked the server not to send.
    const band1or3 = (b: number, data: Buffer): void => {
      if (b === 1) write(data);
      else if (b === 3) fatal += data.toString('utf8');
    };
    // Bytes still due of a side-band payload that began in an earlier chunk, and its band.
    let carry = 0;
    let carryBand = 0;
    const consume = (): void => {
      let i = 0;
      while (phase !== 'end') {
        if (phase === 'raw') {
          write(pending.subarray(i));
          i = pending.length;
          break;
        }
        if (i + 4 > pending.length) break;
        const len = Number.parseInt(pending.toString('latin1', i, i + 4), 16);
        if (Number.isNaN(len)) throw fail(target, 'the server sent a malformed pkt-line');
        if (len < 4) {
          i += 4;
          if (phase === 'band') phase = 'end';
          continue;
        }
        if (i + len > pending.length) {
          // A side-band payload running past this chunk goes straight through, not into `pending`:
          // concatenating every 64 KiB chunk onto the last doubled the garbage a clone leaves.
          if (phase !== 'band' || i + 5 > pending.length) break;
          carryBand = pending[i + 4]!;
          band1or3(carryBand, pending.subarray(i + 5));
          carry = i + len - pending.length;
          i = pending.length;
          break;
        }
        const line = pending.subarray(i + 4, i + len);
        i += len;
        if (phase === 'nego') {
          const text = line.toString('latin1').replace(/\n$/, '');
          if (text.startsWith('shallow ')) shallow.push(text.slice(8));
          else if (text.startsWith('unshallow ')) unshallow.push(text.slice(10));
          else if (text.startsWith('ERR ')) throw fail(target, text.slice(4));
          else if (text === 'NAK' || text.startsWith('ACK ')) phase = band ? 'band' : 'raw';
          else throw fail(target, `unexpected reply '${text.slice(0, 80)}'`);
        } else {
          band1or3(line[0]!, line.subarray(1));
        }
      }
      pending = pending.subarray(i);
    };
    const onChunk = (chunk: Buffer): boolean => {
      let rest = chunk;
      if (carry > 0) {
        const take = Math.min(carry, rest.length);
        band1or3(carryBand, rest.subarray(0, take));
        carry -= take;
        rest = rest.subarray(take);
        if (carry > 0 || rest.length === 0) return true;
      }
      pending = pending.length ? Buffer.concat([pending, rest]) : rest;
      consume();
      return !(fatal && carry === 0);
    };
    await drain(res.body, onChunk);
    fs.closeSync(fd);
    closed = true;
    if (fatal) throw fail(target, `the server said: ${fatal.trim()}`);
    if (phase === 'nego') throw fail(target, 'the server closed the connection before sending a pack');
    if (written === 0) {
      unlinkIfPresent(fs, tmpPack);
      return { objects: 0, shallow, unshallow };
    }
    const installed = installPack(fs, packDir, tmpPack);
    return { pack: installed.id, objects: installed.objects, shallow, unshallow };
  } catch (e) {
    if (!closed) fs.closeSync(fd);
    unlinkIfPresent(fs, tmpPack);
    if (e instanceof MetaError) throw e;
    throw fail(target, String((e as Error).message ?? e));
  }
}
