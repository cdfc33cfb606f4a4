import type { Repository } from '../store/Repository.js';

/** What git runs to turn a record's bytes into text (`.gitattributes`: `*.pb binary diff=meta-record`). */
export const RECORD_TEXTCONV = 'meta show --raw-stdin';

/**
 * The config value: {@link RECORD_TEXTCONV} when `meta` is on the PATH, else one line saying so,
 * because git stops the whole `git log -p` with "unable to read files to diff" when a textconv
 * command cannot run. Written in git-config quoting: the whole value quoted, so `;` does not start
 * a comment, and `\"` for a literal quote.
 */
const CONFIG_VALUE = `"sh -c 'if command -v meta >/dev/null 2>&1; then exec ${RECORD_TEXTCONV} \\"$1\\"; else echo \\"(a boot-meta record: put meta on the PATH to see it decoded)\\"; fi' textconv"`;

/**
 * Makes `git log -p` and `git show <commit>` print records decoded in a repository `meta init` or
 * `meta clone` made. A bare repository reads attributes from `info/attributes`, not from the tree,
 * so the `.gitattributes` of the tip is copied there; and a diff driver only runs a command the
 * repository's own config names (git never takes one from the tree), so `diff.meta-record.textconv`
 * is written into `<gitdir>/config` unless it is set already. It needs `meta` on the PATH of
 * whoever runs git.
 *
 * @example
 * installRecordDiff(repo.store); // then: git --git-dir /srv/meta log -p
 */
export function installRecordDiff(store: Repository): void {
  const attrs = store.snapshot().read('.gitattributes');
  if (attrs) store.stateDir('info').write('attributes', attrs);
  let config = store.readConfig();
  if (/^\s*\[diff\s+"meta-record"\]/m.test(config)) return;
  if (config && !config.endsWith('\n')) config += '\n';
  config += `[diff "meta-record"]\n\ttextconv = ${CONFIG_VALUE}\n`;
  store.transport().writeConfig(config);
}
