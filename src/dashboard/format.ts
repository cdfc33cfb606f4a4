/** Small text formatters: every status is said in words, never by colour alone. */

/** `2026-03-01 14:02 UTC` from an ISO time ('' stays ''). */
export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `3 h 12 min`, `2 d 4 h`, `45 s`. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** `12.3 MB` */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function short(hash: string | null | undefined, n = 12): string {
  return hash ? hash.slice(0, n) : '';
}

/** The words for a channel record's action. */
export const ACTION_TEXT: Record<string, string> = {
  promote: 'promoted', rollback: 'rolled back', hold: 'held', 'release-hold': 'unheld', yank: 'yanked', wave: 'next wave',
};
