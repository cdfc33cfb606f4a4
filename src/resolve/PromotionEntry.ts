import type { Promotion } from '../records/types.js';

/** One record of a channel, with where it is stored. */
export interface PromotionEntry {
  path: string;
  /** Blob hash of the promotion record. */
  githash: string;
  record: Promotion;
}
