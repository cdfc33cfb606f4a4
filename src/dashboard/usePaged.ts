import { useState } from 'preact/hooks';
import { useData, type Loaded } from './useData.js';

interface PageAnswer<T> { items: T[]; next: string | null }

export interface Paged<T, P extends PageAnswer<T>> extends Loaded<P> {
  /** Every item of the pages loaded so far. */
  items: T[];
  /** Loads one more page; undefined when the last page is loaded. */
  more: (() => void) | undefined;
}

/**
 * A paginated list (`?limit=&cursor=`) grown page by page with a "more" button. A reload (live
 * update, `deps` change) reloads as many pages as were shown, so the list does not collapse.
 */
export function usePaged<T, P extends PageAnswer<T>>(fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<P>, deps: unknown[]): Paged<T, P> {
  const [count, setCount] = useState(1);
  const loaded = useData(async (signal) => {
    let first: P | undefined;
    const items: T[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < count; i++) {
      const p = await fetchPage(cursor, signal);
      first ??= p;
      items.push(...p.items);
      if (!p.next) {
        cursor = undefined;
        break;
      }
      cursor = p.next;
    }
    return { first: first!, items, next: cursor };
  }, [...deps, count]);
  return {
    data: loaded.data?.first, error: loaded.error, loading: loaded.loading, items: loaded.data?.items ?? [],
    more: loaded.data?.next ? () => setCount((c) => c + 1) : undefined,
  };
}
