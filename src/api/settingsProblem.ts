/**
 * One thing wrong in meta.yaml, found by the settings validator: where (a dotted key such as
 * `webhooks.1.url`), which entry (its name, when it has one), and what to fix.
 */
export interface SettingsProblem {
  /** Dotted path of the setting, list items by index: `serve.tokens.0.sha256`. */
  key: string;
  /** The entry's own name (a webhook's or token's), when it has a valid one. */
  name?: string;
  message: string;
  /** Worth saying, but the settings still work (an unknown key): not a reason to refuse them. */
  warning?: boolean;
}

/**
 * One line for a problem: `webhooks.1 (deploys): needs an http(s) url`.
 *
 * @example
 * formatProblem({ key: 'channels.2', message: "'Stable' differs only in case from 'stable'" })
 */
export function formatProblem(p: SettingsProblem): string {
  return `${p.key}${p.name ? ` (${p.name})` : ''}: ${p.message}`;
}
