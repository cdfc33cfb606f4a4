/** One commit of the branch's first-parent history, with what it added. */
export interface LogEntry {
  commit: string;
  /** Committer time, seconds since the epoch. */
  time: number;
  author: string;
  subject: string;
  /** Paths of files this commit added. */
  added: string[];
  /** Paths this commit modified, deleted or changed the type of (only settings files, in a healthy repository). */
  changed: string[];
}

/** A {@link LogEntry} as the log index stores it: `[commit, time, author, subject, added, changed]`. */
export type LogRow = [string, number, string, string, string[], string[]];

/**
 * The entry a stored row describes.
 *
 * @example
 * toLogEntry(['ab12…', 1767225600, 'ci', 'record release', ['projects/x/project.pb'], []]).subject; // 'record release'
 */
export function toLogEntry(r: LogRow): LogEntry {
  return { commit: r[0], time: r[1], author: r[2], subject: r[3], added: r[4], changed: r[5] };
}
