import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';

/** One resolved address of a webhook host. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (`dns.lookup` with `all`; tests inject their own). */
export type HostLookup = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemLookup: HostLookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** Ranges a webhook may not reach, with the reason a refusal names. */
const V4: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved / broadcast'],
];
const V6: [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['100::', 64, 'discard-only'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique-local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local (private)'],
  ['ff00::', 8, 'multicast'],
];

type Rule = [BlockList, string];
let rules: { v4: Rule[]; v6: Rule[] } | undefined;

/** One BlockList per range, so a match can say which range it was. */
function ruleSets(): { v4: Rule[]; v6: Rule[] } {
  const make = (list: [string, number, string][], type: 'ipv4' | 'ipv6'): Rule[] => list.map(([net, prefix, why]) => {
    const b = new BlockList();
    b.addSubnet(net, prefix, type);
    return [b, why];
  });
  rules ??= { v4: make(V4, 'ipv4'), v6: make(V6, 'ipv6') };
  return rules;
}

/** Parses an IPv6 address (with an optional trailing dotted quad) into 16 bytes; undefined if it is not one. */
export function ipv6Bytes(ip: string): Uint8Array | undefined {
  let s = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(s) !== 6) return undefined;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: number[] = [];
  if (quad) {
    tail = quad[1]!.split('.').map(Number);
    s = s.slice(0, -quad[1]!.length);
    s = s.endsWith('::') ? s : s.endsWith(':') ? s.slice(0, -1) : s;
  }
  const [head, rest] = s.includes('::') ? s.split('::') as [string, string] : [s, undefined];
  const words = (t: string) => (t ? t.split(':').map((w) => parseInt(w, 16)) : []);
  const hw = words(head);
  const rw = rest === undefined ? [] : words(rest);
  const fill = 8 - tail.length / 2 - hw.length - rw.length;
  const all = rest === undefined ? hw : [...hw, ...Array(fill).fill(0), ...rw];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  tail.forEach((b, i) => (out[12 + i] = b));
  return out;
}

/**
 * Why a webhook may not be delivered to `ip` (a textual IPv4 or IPv6 address), or undefined when
 * it is a public unicast address. IPv6 forms that embed an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`,
 * IPv4-compatible `::a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by the address
 * they carry, so `::ffff:127.0.0.1` is loopback.
 */
export function blockedReason(ip: string): string | undefined {
  const { v4, v6 } = ruleSets();
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const kind = isIP(bare);
  if (kind === 4) {
    return v4.find(([b]) => b.check(bare, 'ipv4'))?.[1];
  }
  if (kind !== 6) return 'not an IP address';
  const b = ipv6Bytes(bare)!;
  const v4At = (i: number) => `${b[i]}.${b[i + 1]}.${b[i + 2]}.${b[i + 3]}`;
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated; :: and ::1 are handled below).
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return embedded(v4At(12), 'IPv4-mapped');
  if (zeros(0, 8) && b[8] === 0xff && b[9] === 0xff && zeros(10, 12)) return embedded(v4At(12), 'IPv4-translated');
  if (zeros(0, 12) && !zeros(12, 16) && !(zeros(12, 15) && b[15] === 1)) return embedded(v4At(12), 'IPv4-compatible');
  // 64:ff9b::/96 (well-known NAT64 prefix) and 64:ff9b:1::/48 (local-use NAT64).
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    if (zeros(4, 12)) return embedded(v4At(12), 'NAT64');
    if (b[4] === 0x00 && b[5] === 0x01) return 'local-use NAT64';
  }
  if (b[0] === 0x20 && b[1] === 0x02) return embedded(v4At(2), '6to4');
  return v6.find(([b]) => b.check(bare, 'ipv6'))?.[1];
}

function embedded(v4: string, form: string): string | undefined {
  const why = blockedReason(v4);
  return why ? `${form} ${v4}: ${why}` : undefined;
}

/** A webhook URL's host and the one address a delivery connects to. */
export interface CheckedTarget {
  url: URL;
  /** The host as written in the URL (Host header, TLS server name). */
  hostname: string;
  address: string;
  family: 4 | 6;
}

export class TargetRefused extends Error {}

/**
 * Resolves a webhook URL's host once and returns the address to connect to. Unless
 * `allowPrivate`, refuses when ANY address of the host is loopback, private, link-local,
 * unique-local, unspecified, multicast, reserved, or an IPv6 form of one of those: a name that
 * answers with both a public and a private address must not get a second chance at the private
 * one, and the caller connects to the returned address without resolving again (DNS rebinding).
 * The URL is parsed as a browser would, so `http://2130706433/` and `http://0x7f.1/` are 127.0.0.1.
 */
export async function checkTarget(rawUrl: string, opts: { allowPrivate: boolean; lookup?: HostLookup }): Promise<CheckedTarget> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new TargetRefused('refused: the url does not parse');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetRefused(`refused: ${url.protocol} is not http(s)`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addrs: ResolvedAddress[];
  const literal = isIP(host);
  if (literal) addrs = [{ address: host, family: literal === 6 ? 6 : 4 }];
  else {
    try {
      addrs = await (opts.lookup ?? systemLookup)(host);
    } catch (e) {
      throw new TargetRefused(`cannot resolve ${host}: ${(e as { code?: string }).code ?? (e as Error).message}`);
    }
    if (addrs.length === 0) throw new TargetRefused(`cannot resolve ${host}: no addresses`);
  }
  if (!opts.allowPrivate) {
    for (const a of addrs) {
      const why = blockedReason(a.address);
      if (why) {
        throw new TargetRefused(`refused: ${host} ${literal ? 'is' : `resolves to ${a.address}, which is`} a non-public address (${why}); meta serve delivers there only with --allow-private-webhooks`);
      }
    }
  }
  const first = addrs[0]!;
  return { url, hostname: host, address: first.address, family: first.family };
}

/**
 * The reason a URL in meta.yaml will be refused, when that is known without DNS (an IP literal
 * or `localhost`): for a warning when the subscription is read.
 */
export function literalTargetProblem(rawUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return 'the url does not parse';
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const why = blockedReason(host);
    return why ? `${host} is a non-public address (${why})` : undefined;
  }
  if (/^localhost\.?$|\.localhost\.?$/i.test(host)) return `${host} is loopback`;
  return undefined;
}
