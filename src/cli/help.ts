import type { CommandSpec, OptionSpec } from './grammar.js';
import { childrenOf, findCommand, usage } from './parse.js';
import { COMMANDS, GLOBAL_OPTIONS, GROUPS, ROOT_OPTIONS } from './specs.js';

/** Help text, rendered from the same declarations the parser reads. */

function wrap(text: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width - indent) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Two columns: names on the left, descriptions wrapped on the right. */
function table(rows: [string, string][], width: number): string[] {
  const left = Math.min(32, Math.max(...rows.map(([l]) => l.length)) + 2);
  const out: string[] = [];
  for (const [l, r] of rows) {
    const text = wrap(r, width, left + 2);
    if (l.length + 2 > left) {
      out.push(`  ${l}`);
      for (const t of text) out.push(`${' '.repeat(left + 2)}${t}`);
    } else {
      out.push(`  ${l.padEnd(left)}${text[0] ?? ''}`.trimEnd());
      for (const t of text.slice(1)) out.push(`${' '.repeat(left + 2)}${t}`);
    }
  }
  return out;
}

function optionRows(options: Readonly<Record<string, OptionSpec>>): [string, string][] {
  return Object.entries(options).filter(([, o]) => !o.hidden).map(([name, o]) => {
    const short = (o.aliases ?? []).filter((a) => a.length === 1).map((a) => `-${a}, `).join('');
    let spelling: string;
    if (o.type === 'boolean') spelling = o.default === true ? `--no-${name}` : o.negatable ? `--${name}, --no-${name}` : `--${name}`;
    else spelling = `${name.length === 1 ? '-' : '--'}${name} <${o.placeholder ?? (o.type === 'number' ? 'n' : 'value')}>`;
    const notes: string[] = [];
    if (o.type === 'array') notes.push('repeatable');
    if (o.required) notes.push('required');
    if (o.choices) notes.push(`one of: ${o.choices.join(', ')}`);
    if (o.default !== undefined && o.type !== 'boolean') notes.push(`default: ${String(o.default)}`);
    const describe = o.describe ?? '';
    const extra = notes.filter((n) => !describe.includes(n)).join('; ');
    return [`${short}${spelling}`, [describe, extra ? `(${extra})` : ''].filter(Boolean).join(' ')];
  });
}

function globalRows(root: boolean): [string, string][] {
  return optionRows(root ? { ...GLOBAL_OPTIONS, ...ROOT_OPTIONS } : GLOBAL_OPTIONS);
}

export function commandHelp(spec: CommandSpec, width = 100): string {
  const lines = [`usage: ${usage(spec)}`, '', ...wrap(spec.describe, width, 0)];
  const pos = (spec.positionals ?? []).filter((p) => p.describe || p.choices);
  if (pos.length) {
    lines.push('', 'Arguments:');
    lines.push(...table(pos.map((p) => [`<${p.name}>${p.variadic ? '...' : ''}`, [p.describe ?? '', p.choices ? `(one of: ${p.choices.join(', ')})` : ''].filter(Boolean).join(' ')]), width));
  }
  const own = optionRows(spec.options ?? {});
  if (own.length) lines.push('', 'Options:', ...table(own, width));
  lines.push('', 'Global options:', ...table(globalRows(false), width));
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}

function commandRows(prefix: readonly string[]): [string, string][] {
  return COMMANDS.filter((c) => prefix.every((w, i) => c.path[i] === w) && c.path.length > prefix.length)
    .map((c) => [usage(c).replace(/^meta /, '').replace(/ \[options\]$/, ''), c.describe]);
}

export function groupHelp(words: readonly string[], width = 100): string {
  const group = GROUPS.find((g) => g.name === words[0]);
  const lines = [`usage: meta ${words.join(' ')} <${childrenOf(words).join('|')}> [options]`, '', ...wrap(group?.describe ?? '', width, 0), '', 'Commands:'];
  lines.push(...table(commandRows(words), width));
  lines.push('', `'meta ${words.join(' ')} <command> --help' shows a command's options.`);
  return `${lines.join('\n')}\n`;
}

export function rootHelp(width = 100): string {
  const lines = [
    'usage: meta <command> [options]',
    '',
    'Deployment metadata (releases, binaries, channels, instance reports, secrets) in an append-only',
    'git repository. See README.md for the walkthrough.',
    '',
    'Commands:',
    ...table(commandRows([]), width),
    '',
    'Global options (anywhere on the line):',
    ...table(globalRows(true), width),
    '',
    "'meta help <command>' or 'meta <command> --help' shows a command's options;",
    "'meta completion bash|zsh|fish' prints a shell completion script.",
  ];
  return `${lines.join('\n')}\n`;
}

/** Help for `words`: the root, a group or a command; undefined when they name nothing. */
export function helpFor(words: readonly string[], width = 100): string | undefined {
  if (words.length === 0) return rootHelp(width);
  const spec = findCommand(words);
  if (spec) return commandHelp(spec, width);
  if (childrenOf(words).length > 0) return groupHelp(words, width);
  return undefined;
}
