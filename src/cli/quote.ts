/**
 * A user's word in a message: plain words in single quotes, anything unusual as a JSON string
 * (so control characters and quotes stay visible); long ones shortened to `max` characters.
 */
export function quote(s: string, max = 60): string {
  const t = s.length > max ? `${s.slice(0, max - 3)}...` : s;
  return /^[\w.\/@:+=,~^-]*$/.test(t) ? `'${t}'` : JSON.stringify(t);
}

/** A path in a message: as typed when it is plain, else as a JSON string. */
export function quotePath(p: string): string {
  return /^[\w.\/@:+=,~^-]+$/.test(p) ? p : JSON.stringify(p);
}
