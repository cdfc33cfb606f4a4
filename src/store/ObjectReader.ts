import type { Commit, ObjectType, RawObject, TreeEntry } from './gitObjects.js';

/**
 * Read access to a repository's git objects by id (immutable, so parsed trees and commits may be
 * cached). The object store implements it; snapshots, the log index, ancestry walks and the
 * remote code read through it and never write.
 *
 * @example
 * const parent = objects.readCommit(tip).parents[0];
 */
export interface ObjectReader {
  /** Whether the object is in the repository (or an alternate). */
  has(oid: string): boolean;
  /** The object, or undefined when the repository does not have it. Read the bytes, never write them. */
  tryRead(oid: string): RawObject | undefined;
  /** The object; NOT_FOUND when missing, INTEGRITY when it is not of the `expected` type. */
  read(oid: string, expected?: ObjectType): RawObject;
  /** A parsed commit (cached). */
  readCommit(oid: string): Commit;
  /** A parsed tree (cached); its entries in git's order. */
  readTree(oid: string): TreeEntry[];
}
