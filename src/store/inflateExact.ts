import * as zlib from 'node:zlib';

/**
 * Inflates one zlib stream whose inflated size is known in advance (every pack entry declares it),
 * reusing a single native zlib handle across calls.
 *
 * Why: `zlib.inflateSync` builds a whole stream object (a Duplex, listeners, a native handle, a
 * 64 KiB window) per call and tears it down again. A pack read resolves a delta chain of up to
 * ~50 entries of a few hundred bytes each, so that set-up, not the inflating, was most of the cost
 * of a first read (measured 3–4 µs per entry against 1 µs for a reused, reset handle, plus the
 * garbage it leaves for the collector). Node has no public API for a reusable synchronous
 * inflater, so this drives the handle the way `zlib.inflateSync` itself does (`reset`, then
 * `writeSync` into a caller-sized buffer); when that internal shape is missing (another runtime or
 * Node version) it falls back to `inflateSync` with the same contract. Tests run both engines.
 */

/** How {@link inflateExact} fails, as a stable reason the pack reader turns into its own error. */
export type InflateFailure = 'truncated' | 'overlong' | 'short' | 'corrupt';

/** Error thrown by {@link inflateExact}; `reason` says which way the stream was bad. */
export class InflateError extends Error {
  constructor(
    readonly reason: InflateFailure,
    message: string,
  ) {
    super(message);
    this.name = 'InflateError';
  }
}

/** The two implementations: the reused native handle, or one `inflateSync` per call. */
export type InflateEngine = 'handle' | 'inflateSync';

/** What {@link inflateExact} returns: the inflated bytes and how much of the input the stream used. */
export interface Inflated {
  data: Buffer;
  /** Compressed bytes consumed: where the next pack entry starts, for a reader walking a pack. */
  used: number;
}

interface ZlibHandle {
  reset(): void;
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  onerror: (message: string, errno: number, code?: string) => void;
}

let handle: ZlibHandle | undefined;
let writeState: Uint32Array | undefined;
let handleError: { message: string; code?: string } | undefined;

function openHandle(): boolean {
  if (handle) return true;
  try {
    const z = new zlib.Inflate() as unknown as { _handle?: ZlibHandle; _writeState?: Uint32Array };
    const h = z._handle;
    if (!h || typeof h.writeSync !== 'function' || typeof h.reset !== 'function' || !(z._writeState instanceof Uint32Array)) {
      return false;
    }
    // The stream object would turn errors into 'error' events and destroy itself; we read them
    // synchronously instead and keep the handle for the next call.
    h.onerror = (message, _errno, code) => {
      handleError = { message, code };
    };
    handle = h;
    writeState = z._writeState;
    return true;
  } catch {
    return false;
  }
}

/**
 * The engine {@link inflateExact} uses on this runtime. The handle is made on first use, not at
 * import: every command imports the store, few read a pack.
 */
export function inflateEngine(): InflateEngine {
  return openHandle() ? 'handle' : 'inflateSync';
}

/** Options of {@link inflateExact}. */
export interface InflateOptions {
  /**
   * Where the output goes (at least `size + 1` bytes): a reused scratch buffer, for a reader that
   * consumes each object before inflating the next. Default: a new buffer per call.
   */
  out?: Buffer;
  /** Which implementation (tests run both); default the handle, where this runtime has one. */
  engine?: InflateEngine;
}

/**
 * Inflates the zlib stream at the start of `input` (trailing bytes after the stream's end are
 * ignored) and checks that it inflates to exactly `size` bytes.
 *
 * Throws {@link InflateError}: `truncated` when `input` ends before the stream does (read more and
 * retry), `overlong` when the stream inflates past `size`, `short` when it ends before `size`,
 * `corrupt` for anything zlib rejects. Never allocates more than `size + 1` bytes of output, so a
 * corrupt size or stream cannot balloon memory.
 *
 * @example
 * const packed = zlib.deflateSync(Buffer.from('hello'));
 * inflateExact(packed, 5).data.toString(); // 'hello'
 */
export function inflateExact(input: Uint8Array, size: number, opts: InflateOptions = {}): Inflated {
  const engine = opts.engine ?? 'handle';
  if (opts.out && opts.out.length < size + 1) throw new RangeError(`output buffer of ${opts.out.length} bytes for ${size} + 1`);
  return engine === 'handle' && openHandle() ? viaHandle(input, size, opts.out) : viaInflateSync(input, size);
}

function viaHandle(input: Uint8Array, size: number, into: Buffer | undefined): Inflated {
  const h = handle!;
  // One spare byte: a stream that keeps going past `size` fills it, which tells "overlong" apart
  // from "exactly right" without a second call.
  const out = into ?? Buffer.allocUnsafe(size + 1);
  handleError = undefined;
  h.reset();
  h.writeSync(zlib.constants.Z_FINISH, input, 0, input.length, out, 0, size + 1);
  const err = handleError as { message: string; code?: string } | undefined;
  if (err) {
    handleError = undefined;
    // zlib reports input that ends mid-stream under Z_FINISH as Z_BUF_ERROR ("unexpected end of file").
    if (err.code === 'Z_BUF_ERROR') throw new InflateError('truncated', 'zlib stream is truncated');
    throw new InflateError('corrupt', `zlib: ${err.message}`);
  }
  const produced = size + 1 - writeState![0]!;
  if (produced > size) throw new InflateError('overlong', 'inflates past its declared size');
  if (produced < size) throw new InflateError('short', `inflated to ${produced} bytes, header declared ${size}`);
  return { data: out.subarray(0, size), used: input.length - writeState![1]! };
}

function viaInflateSync(input: Uint8Array, size: number): Inflated {
  let out: Buffer;
  let used: number;
  try {
    // chunkSize: the default 16 KiB output chunk is allocated per call, more than a typical delta.
    // `info` exposes the engine, whose bytesWritten is the compressed input consumed.
    const r = zlib.inflateSync(input, { maxOutputLength: size + 1, chunkSize: Math.max(64, size + 1), info: true } as zlib.ZlibOptions) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    out = r.buffer;
    used = r.engine.bytesWritten;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR') throw new InflateError('truncated', 'zlib stream is truncated');
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new InflateError('overlong', 'inflates past its declared size');
    throw new InflateError('corrupt', `zlib: ${(e as Error).message}`);
  }
  if (out.length > size) throw new InflateError('overlong', 'inflates past its declared size');
  if (out.length < size) throw new InflateError('short', `inflated to ${out.length} bytes, header declared ${size}`);
  return { data: out, used };
}
