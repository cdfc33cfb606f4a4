import { MetaError } from '../errors/MetaError.js';

/** `--listen` as [host, port]: `host:port`, `[v6]:port` or a bare port (host 127.0.0.1). */
export function splitListen(listen: string): [string, string] {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen) ?? /^()()(\d+)$/.exec(listen);
  if (!m) throw new MetaError('INVALID_ARGUMENT', `--listen '${listen}' must be host:port (e.g. 127.0.0.1:8080)`, { listen });
  return [m[1] ?? (m[2] || '127.0.0.1'), m[3]!];
}
