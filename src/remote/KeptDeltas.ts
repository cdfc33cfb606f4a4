const DELTA_CHUNK = 1 << 20;

/**
 * The inflated deltas of pass 1, copied into large chunks (no Buffer object per delta) up to a
 * byte budget and addressed by an int32 (chunk number · chunk size + offset): at most 1 GiB.
 *
 * @example
 * const kept = new KeptDeltas(entries, 8 << 20);
 * kept.keep(k, inflated);
 * const delta = kept.get(k, size) ?? inflateAgain(k);
 */
export class KeptDeltas {
  private readonly chunks: Buffer[] = [];
  private readonly at: Int32Array;
  private chunkUsed = DELTA_CHUNK;
  private kept = 0;
  private readonly budget: number;

  constructor(n: number, budget: number) {
    this.at = new Int32Array(n).fill(-1);
    this.budget = Math.min(budget, 1 << 30);
  }

  keep(k: number, data: Buffer): void {
    const len = data.length;
    if (this.kept + len > this.budget || len > DELTA_CHUNK) return;
    if (this.chunkUsed + len > DELTA_CHUNK) {
      this.chunks.push(Buffer.allocUnsafe(Math.min(DELTA_CHUNK, this.budget - this.kept)));
      this.chunkUsed = 0;
    }
    const chunk = this.chunks[this.chunks.length - 1]!;
    if (this.chunkUsed + len > chunk.length) return;
    data.copy(chunk, this.chunkUsed);
    this.at[k] = (this.chunks.length - 1) * DELTA_CHUNK + this.chunkUsed;
    this.chunkUsed += len;
    this.kept += len;
  }

  /** Delta `k` (`size` bytes) if it was kept, else undefined. */
  get(k: number, size: number): Buffer | undefined {
    const at = this.at[k]!;
    if (at < 0) return undefined;
    const c = Math.floor(at / DELTA_CHUNK);
    const o = at - c * DELTA_CHUNK;
    return this.chunks[c]!.subarray(o, o + size);
  }
}
