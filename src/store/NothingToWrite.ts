/**
 * What a plan throws when the repository already holds what it would write (a promotion to the
 * version the channel is on, a secret set to the value it has, a recipient already listed): the
 * append then writes nothing, and {@link unlessNothingToWrite} turns the signal into the caller's
 * answer. `value` carries what the plan found (the unchanged state) out of the plan.
 *
 * @example
 * const plan = (snap) => { if (same(snap)) throw new NothingToWrite(current(snap)); return { files, message }; };
 */
export class NothingToWrite<T = undefined> extends Error {
  constructor(readonly value: T) {
    super('nothing to write');
    this.name = 'NothingToWrite';
  }
}

/**
 * Runs an append; when its plan threw {@link NothingToWrite}, resolves to `ifNothing(value)`
 * instead. Any other failure is passed on.
 *
 * @example
 * const r = await unlessNothingToWrite(appendWithPolicy(repo, plan, opts), () => ({ changed: false }));
 */
export async function unlessNothingToWrite<R, T, V = undefined>(append: Promise<R>, ifNothing: (value: V) => T): Promise<R | T> {
  try {
    return await append;
  } catch (e) {
    if (e instanceof NothingToWrite) return ifNothing(e.value as V);
    throw e;
  }
}
