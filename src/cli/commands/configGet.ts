import { defineCommand } from '../command.js';
import { emit, open, type GlobalArgs } from '../context.js';
import { identityArgs } from '../secretArgs.js';

interface ConfigGetArgs extends GlobalArgs {
  project: string;
  env: string;
  channel?: string;
  at?: string;
  showLayers?: boolean;
  resolveSecrets?: boolean;
  identity?: string[];
}

const HIDDEN = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const escapeHidden = (t: string) => t.replace(HIDDEN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * A value on a `KEY=value` line: plain words as they are, other text as a JSON string, a typed
 * value as its JSON; control and bidi characters always escaped, so a value cannot reach the
 * terminal as an escape sequence or reorder the line.
 */
export function shownValue(v: unknown, json = typeof v !== 'string'): string {
  if (json) return escapeHidden(typeof v === 'string' ? v : JSON.stringify(v));
  const text = String(v);
  if (/^[\w.\/@:+,~^%#=-]*$/.test(text)) return text;
  return escapeHidden(JSON.stringify(text));
}

export default defineCommand<ConfigGetArgs>({
  async run(ctx, args) {
    const { readConfig, resolveConfigSecrets } = await import('../../api/config/readConfig.js');
    const repo = await open(ctx, args);
    let view = readConfig(repo, { project: args.project, env: args.env, channel: args.channel, at: args.at, showLayers: args.showLayers });
    if (args.resolveSecrets) view = await resolveConfigSecrets(repo, view, identityArgs(ctx, args.identity));
    emit(ctx, args, view, () => Object.entries(view.config).map(([k, v]) => `${k}=${shownValue(v)}${view.layers ? `  # ${view.layers[k]}` : ''}`));
  },
});
