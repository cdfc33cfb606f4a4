/**
 * The pipeline file (`meta pipeline set --file pipeline.yaml`) read into the typed stages the
 * pipeline record holds. Pure: the same text always gives the same stages or the same problems,
 * each naming the path of the bad field (`stages[1].gates[2].http.timeout: '5x' is not a
 * duration`), so a person fixes the file once instead of once per error.
 */
import { parseDocument } from 'yaml';
import { MetaError } from '../errors/MetaError.js';
import { checkChannel } from '../records/names.js';
import type { Gate, GateType, PipelineStage, RolloutPolicy } from '../records/types.js';
import { orList, suggest } from '../util/suggest.js';
import { parseDurationMs, parsePercent } from './parseDuration.js';

export interface ParsedPipeline {
  stages: PipelineStage[];
  validate: string;
  onPromote: string;
}

export interface ParsePipelineOptions {
  /** The channels a stage may name (declared in meta.yaml or already holding records); default: any valid name. */
  channels?: readonly string[];
}

/** The gate types a pipeline may use, in the order the README documents them. */
export const GATE_TYPES: readonly GateType[] = ['soak', 'http', 'fleet', 'verification', 'approvals', 'command'];

/** Gate types a stage may hold several of (different URLs, names or commands); the others once. */
const REPEATABLE: ReadonlySet<GateType> = new Set(['http', 'verification', 'command']);

const LIMITS = {
  sourceBytes: 64 * 1024,
  stages: 32,
  gates: 16,
  waves: 20,
  retries: 10,
  httpTimeoutMs: 60_000,
  commandTimeoutMs: 60 * 60_000,
  soakMs: 365 * 86_400_000,
  intervalMs: 30 * 86_400_000,
  approvals: 100,
} as const;

const DEFAULTS = { httpExpect: 200, httpTimeoutMs: 5000, httpRetries: 0, commandTimeoutMs: 60_000 } as const;

type Problems = string[];

const show = (v: unknown): string => {
  if (typeof v === 'string') return `'${v.length > 60 ? `${v.slice(0, 60)}…` : v}'`;
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return String(v);
};

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reports keys outside `allowed` (with the closest allowed one). */
function onlyKeys(p: Problems, path: string, v: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(v)) {
    if (allowed.includes(k)) continue;
    const near = suggest(k, [...allowed]);
    p.push(`${path}${path ? '.' : ''}${k}: unknown key${near.length ? `; did you mean ${orList(near)}?` : ''} (allowed: ${allowed.join(', ')})`);
  }
}

function duration(p: Problems, path: string, v: unknown, max: number, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  const ms = parseDurationMs(v);
  if (ms === undefined) {
    p.push(`${path}: ${show(v)} is not a duration (write it as 30s, 5m, 1h30m, 250ms)`);
    return 0;
  }
  if (ms > max) p.push(`${path}: ${show(v)} is longer than the most allowed here (${max / 1000}s)`);
  return ms;
}

function percent(p: Problems, path: string, v: unknown, min = 0): number {
  const n = parsePercent(v);
  if (n === undefined || n < min) {
    p.push(`${path}: ${show(v)} is not a percentage (a whole number ${min}–100, written 20% or 20)`);
    return 0;
  }
  return n;
}

function integer(p: Problems, path: string, v: unknown, min: number, max: number, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    p.push(`${path}: ${show(v)} is not a whole number from ${min} to ${max}`);
    return min;
  }
  return v;
}

function text(p: Problems, path: string, v: unknown, opts: { required?: boolean; line?: boolean } = {}): string {
  if (v === undefined || v === null) {
    if (opts.required) p.push(`${path}: is required`);
    return '';
  }
  if (typeof v !== 'string') {
    p.push(`${path}: ${show(v)} is not text`);
    return '';
  }
  if (opts.required && v.trim() === '') p.push(`${path}: must not be empty`);
  // eslint-disable-next-line no-control-regex
  if ((opts.line ? /[\0-\x1f\x7f]/ : /[\0-\x08\x0b-\x1f\x7f]/).test(v)) p.push(`${path}: contains a control character`);
  return v;
}

function httpUrl(p: Problems, path: string, v: unknown): string {
  const s = text(p, path, v, { required: true, line: true });
  if (!s) return s;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    p.push(`${path}: ${show(s)} is not a URL`);
    return s;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') p.push(`${path}: ${show(u.protocol)} is not http: or https:`);
  if (u.username || u.password) p.push(`${path}: holds credentials; put them nowhere in the pipeline (a health check needs none)`);
  return s;
}

function parseGate(p: Problems, path: string, g: unknown, stage: { first: boolean }): Gate | null {
  if (!isMap(g) || Object.keys(g).length !== 1) {
    p.push(`${path}: a gate is a map with one key, its type (${GATE_TYPES.join(', ')}), e.g. '- soak: 30m'`);
    return null;
  }
  const type = Object.keys(g)[0]!;
  const v = g[type];
  const at = `${path}.${type}`;
  const map = (allowed: readonly string[]): Record<string, unknown> | null => {
    if (!isMap(v)) {
      p.push(`${at}: ${show(v)} is not a map (keys: ${allowed.join(', ')})`);
      return null;
    }
    onlyKeys(p, at, v, allowed);
    return v;
  };
  switch (type) {
    case 'soak':
      return { type: 'soak', seconds: Math.ceil(duration(p, at, v, LIMITS.soakMs) / 1000) };
    case 'http': {
      const m = map(['url', 'expect', 'timeout', 'retries']);
      if (!m) return null;
      return {
        type: 'http', url: httpUrl(p, `${at}.url`, m.url), expect: integer(p, `${at}.expect`, m.expect, 100, 599, DEFAULTS.httpExpect),
        timeoutMs: duration(p, `${at}.timeout`, m.timeout, LIMITS.httpTimeoutMs, DEFAULTS.httpTimeoutMs), retries: integer(p, `${at}.retries`, m.retries, 0, LIMITS.retries, DEFAULTS.httpRetries),
      };
    }
    case 'fleet': {
      const m = map(['percent']);
      if (!m) return null;
      if (m.percent === undefined) p.push(`${at}.percent: is required`);
      else if (stage.first) p.push(`${at}: the first stage has no 'after' stage whose hosts could be counted`);
      return { type: 'fleet', percent: m.percent === undefined ? 0 : percent(p, `${at}.percent`, m.percent, 1) };
    }
    case 'verification': {
      const m = map(['name']);
      if (!m) return null;
      const name = text(p, `${at}.name`, m.name, { required: true, line: true });
      if (name.length > 128) p.push(`${at}.name: is longer than 128 characters`);
      return { type: 'verification', name };
    }
    case 'approvals': {
      const m = map(['count']);
      if (!m) return null;
      return { type: 'approvals', count: integer(p, `${at}.count`, m.count, 1, LIMITS.approvals, 1) };
    }
    case 'command': {
      const m = map(['run', 'timeout']);
      if (!m) return null;
      return { type: 'command', run: text(p, `${at}.run`, m.run, { required: true }), timeoutMs: duration(p, `${at}.timeout`, m.timeout, LIMITS.commandTimeoutMs, DEFAULTS.commandTimeoutMs) };
    }
  }
  const near = suggest(type, [...GATE_TYPES]);
  p.push(`${at}: unknown gate type${near.length ? `; did you mean ${orList(near)}?` : ''} (known: ${GATE_TYPES.join(', ')})`);
  return null;
}

function parseRollout(p: Problems, path: string, v: unknown): RolloutPolicy | null {
  if (v === undefined || v === null) return null;
  if (!isMap(v)) {
    p.push(`${path}: ${show(v)} is not a map (keys: waves, interval, max_failed)`);
    return null;
  }
  onlyKeys(p, path, v, ['waves', 'interval', 'max_failed']);
  const waves: number[] = [];
  if (!Array.isArray(v.waves) || v.waves.length === 0) {
    p.push(`${path}.waves: is required: a list of cumulative percentages, ascending, the last 100 (e.g. [10, 50, 100])`);
  } else if (v.waves.length > LIMITS.waves) {
    p.push(`${path}.waves: has ${v.waves.length} waves; at most ${LIMITS.waves}`);
  } else {
    v.waves.forEach((w, i) => {
      const n = percent(p, `${path}.waves[${i}]`, w, 1);
      if (n && waves.length && n <= waves[waves.length - 1]!) p.push(`${path}.waves[${i}]: ${n}% is not above the wave before it (${waves[waves.length - 1]}%); waves are cumulative and ascending`);
      waves.push(n);
    });
    if (waves[waves.length - 1] !== 100) p.push(`${path}.waves: the last wave must be 100% (every host), not ${waves[waves.length - 1]}%`);
  }
  if (v.interval === undefined) p.push(`${path}.interval: is required (how long each wave runs before the next, e.g. 15m)`);
  const interval = v.interval === undefined ? 0 : duration(p, `${path}.interval`, v.interval, LIMITS.intervalMs);
  const maxFailed = v.max_failed === undefined ? 0 : percent(p, `${path}.max_failed`, v.max_failed, 1);
  return { waves, intervalSeconds: Math.ceil(interval / 1000), maxFailedPercent: maxFailed };
}

/**
 * Reads a pipeline file. Throws INVALID_ARGUMENT listing every problem, each with the path of
 * its field, and `data.problems` holding them all.
 *
 * @example
 * const p = parsePipeline('stages:\n  - channel: dev\n    auto: true\n  - channel: stable\n    gates:\n      - soak: 30m\n', { channels: ['dev', 'stable'] });
 * p.stages[1] // { channel: 'stable', after: 'dev', auto: false, gates: [{ type: 'soak', seconds: 1800 }], rollout: null }
 */
export function parsePipeline(source: string, opts: ParsePipelineOptions = {}): ParsedPipeline {
  const p: Problems = [];
  const fail = (): never => {
    const shown = p.slice(0, 8).join('; ');
    throw new MetaError('INVALID_ARGUMENT', `pipeline refused: ${shown}${p.length > 8 ? `; and ${p.length - 8} more` : ''}`, { problems: p });
  };
  if (Buffer.byteLength(source) > LIMITS.sourceBytes) {
    p.push(`the file is larger than ${LIMITS.sourceBytes / 1024} KiB`);
    fail();
  }
  const doc = parseDocument(source, { uniqueKeys: true, prettyErrors: false, strict: true });
  for (const e of doc.errors.slice(0, 5)) p.push(`not valid YAML: ${e.message.split('\n')[0]}`);
  if (p.length) fail();
  let root: unknown;
  try {
    // Aliases could multiply a small file into a huge one; a pipeline has no use for them.
    root = doc.toJS({ maxAliasCount: 0 });
  } catch {
    p.push('YAML aliases (*name) are not accepted in a pipeline file');
    fail();
  }
  if (!isMap(root)) {
    p.push(`the file must be a map with 'stages' (and optionally 'validate', 'on_promote'), not ${show(root)}`);
    fail();
  }
  const r = root as Record<string, unknown>;
  onlyKeys(p, '', r, ['stages', 'validate', 'on_promote']);
  const stages: PipelineStage[] = [];
  if (!Array.isArray(r.stages) || r.stages.length === 0) {
    p.push(`stages: is required: a list of stages, each '- channel: <name>'`);
  } else if (r.stages.length > LIMITS.stages) {
    p.push(`stages: has ${r.stages.length} stages; at most ${LIMITS.stages}`);
  } else {
    const seen = new Map<string, number>();
    r.stages.forEach((s, i) => {
      const at = `stages[${i}]`;
      if (!isMap(s)) {
        p.push(`${at}: ${show(s)} is not a map (keys: channel, after, auto, gates, rollout)`);
        return;
      }
      onlyKeys(p, at, s, ['channel', 'after', 'auto', 'gates', 'rollout']);
      const channel = text(p, `${at}.channel`, s.channel, { required: true, line: true });
      if (channel) {
        try {
          checkChannel(channel);
          if (opts.channels && !opts.channels.includes(channel)) {
            const near = suggest(channel, [...opts.channels]);
            p.push(`${at}.channel: ${show(channel)} is not a declared channel${near.length ? `; did you mean ${orList(near)}?` : ''} (declared: ${opts.channels.join(', ') || 'none'}; add one with 'meta channel add ${channel}')`);
          }
        } catch (e) {
          p.push(`${at}.channel: ${(e as Error).message}`);
        }
        if (seen.has(channel)) p.push(`${at}.channel: ${show(channel)} is already stages[${seen.get(channel)}]; a channel is one stage`);
      }
      let after = i === 0 ? '' : stages[i - 1]?.channel ?? '';
      if (s.after !== undefined) {
        const a = text(p, `${at}.after`, s.after, { required: true, line: true });
        if (i === 0) p.push(`${at}.after: the first stage takes every new release; it has no stage before it`);
        else if (a && !seen.has(a)) p.push(`${at}.after: ${show(a)} is not an earlier stage (earlier: ${[...seen.keys()].join(', ')})`);
        else after = a;
      }
      if (s.auto !== undefined && typeof s.auto !== 'boolean') p.push(`${at}.auto: ${show(s.auto)} is not true or false`);
      const gates: Gate[] = [];
      if (s.gates !== undefined && s.gates !== null) {
        if (!Array.isArray(s.gates)) p.push(`${at}.gates: ${show(s.gates)} is not a list`);
        else if (s.gates.length > LIMITS.gates) p.push(`${at}.gates: has ${s.gates.length} gates; at most ${LIMITS.gates}`);
        else {
          const once = new Map<string, number>();
          s.gates.forEach((g, j) => {
            const gate = parseGate(p, `${at}.gates[${j}]`, g, { first: i === 0 });
            if (!gate) return;
            const key = REPEATABLE.has(gate.type) ? `${gate.type}:${gate.type === 'http' ? gate.url : gate.type === 'verification' ? gate.name : gate.type === 'command' ? gate.run : ''}` : gate.type;
            if (once.has(key)) p.push(`${at}.gates[${j}].${gate.type}: the same gate as gates[${once.get(key)}]; ${REPEATABLE.has(gate.type) ? 'list it once' : `a stage has one ${gate.type} gate`}`);
            once.set(key, j);
            gates.push(gate);
          });
        }
      }
      const rollout = parseRollout(p, `${at}.rollout`, s.rollout);
      if (channel) seen.set(channel, i);
      stages.push({ channel, after, auto: s.auto === true, gates, rollout });
    });
  }
  const validate = text(p, 'validate', r.validate);
  const onPromote = text(p, 'on_promote', r.on_promote);
  if (p.length) fail();
  return { stages, validate, onPromote };
}
