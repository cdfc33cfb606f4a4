/**
 * The write token typed into the page. It lives in sessionStorage only (gone with the tab), is
 * sent only as an Authorization header to this origin, and never appears in a URL or a log.
 */
const KEY = 'boot-meta.records-token';

export function readToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode): the token then lasts as long as the page's memory.
  }
}
