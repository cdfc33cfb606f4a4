/**
 * The `format` of a meta.yaml, read from its one top-level `format: <n>` line without a YAML
 * parser: opening a repository reads it on every command, and the parser stays off that path.
 * Settings writes check the same line, so no valid edit can leave a repository that no longer
 * opens.
 */

/**
 * The number on meta.yaml's single top-level `format:` line (plain or quoted), or undefined
 * when there is no such line, more than one, or it holds something else.
 *
 * @example
 * formatLineOf('format: 1\nchannels: [stable]\n') // 1
 */
export function formatLineOf(text: string): number | undefined {
  const lines = [...text.replace(/\r/g, '').matchAll(/^format[ \t]*:[ \t]*(.*?)[ \t]*(?:#.*)?$/gm)];
  const m = lines.length === 1 ? /^(?:(\d{1,6})|"(\d{1,6})"|'(\d{1,6})')$/.exec(lines[0]![1]!) : null;
  return m ? Number(m[1] ?? m[2] ?? m[3]) : undefined;
}
