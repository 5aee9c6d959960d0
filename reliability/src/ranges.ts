/**
 * A set of positive integers kept as sorted, disjoint, non-adjacent ranges. Sequence numbers
 * mostly arrive in order, so a million of them usually cost a handful of ranges: this is how the
 * soak keeps every message it sent and received without its own memory drowning the figures it
 * measures, and how it ships them between processes.
 *
 * @example
 * ```ts
 * const got = new IntRanges();
 * for (const n of [1, 2, 3, 7]) got.add(n);
 * got.toJSON(); // [1, 3, 7, 7]
 * ```
 */
export class IntRanges {
  /** Flat pairs: start0, end0, start1, end1, ... (inclusive), sorted. */
  private readonly bounds: number[];
  private total = 0;

  /** Rebuilds a set from {@link toJSON}'s pairs (any order; overlaps are merged). */
  constructor(flat: readonly number[] = []) {
    this.bounds = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      this.addRange(flat[i] as number, flat[i + 1] as number);
  }

  /** How many numbers the set holds. */
  get size(): number {
    return this.total;
  }

  /** Highest number held, or 0 when empty. */
  get max(): number {
    return this.bounds.at(-1) ?? 0;
  }

  /** Adds `n`; returns false if it was already there. Appending in order costs O(1). */
  add(n: number): boolean {
    const b = this.bounds;
    const last = b.length - 1;
    if (last < 0 || n > (b[last] as number) + 1) {
      b.push(n, n);
    } else if (n === (b[last] as number) + 1) {
      b[last] = n;
    } else {
      return this.insert(n);
    }
    this.total++;
    return true;
  }

  /** Adds every number from `start` to `end` inclusive. */
  addRange(start: number, end: number): void {
    const b = this.bounds;
    if (b.length === 0 || start > (b.at(-1) as number) + 1) {
      b.push(start, end);
      this.total += end - start + 1;
      return;
    }
    for (let n = start; n <= end; n++) this.add(n);
  }

  has(n: number): boolean {
    return this.find(n) >= 0;
  }

  /** Numbers of this set missing from `other`, counted; `sample` receives the first few. */
  missingFrom(other: IntRanges, sample: number[] = [], sampleSize = 5): number {
    let missing = 0;
    for (const n of this.values()) {
      if (other.has(n)) continue;
      missing++;
      if (sample.length < sampleSize) sample.push(n);
    }
    return missing;
  }

  /** Every number, ascending. */
  *values(): IterableIterator<number> {
    for (let i = 0; i < this.bounds.length; i += 2) {
      const end = this.bounds[i + 1] as number;
      for (let n = this.bounds[i] as number; n <= end; n++) yield n;
    }
  }

  /** Flat [start, end, ...] pairs, for IPC and JSON. */
  toJSON(): number[] {
    return [...this.bounds];
  }

  /** Index of the pair holding `n` (even), or -1. */
  private find(n: number): number {
    let lo = 0;
    let hi = this.bounds.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const start = this.bounds[2 * mid] as number;
      const end = this.bounds[2 * mid + 1] as number;
      if (n < start) hi = mid - 1;
      else if (n > end) lo = mid + 1;
      else return 2 * mid;
    }
    return -1;
  }

  /** Out-of-order insert: merges with neighbours; O(ranges). */
  private insert(n: number): boolean {
    if (this.find(n) >= 0) return false;
    const b = this.bounds;
    let i = 0;
    while (i < b.length && (b[i + 1] as number) < n) i += 2;
    // b[i] is the first range ending at or after n; n lies before it (not inside).
    const joinsPrev = i > 0 && (b[i - 1] as number) === n - 1;
    const joinsNext = i < b.length && (b[i] as number) === n + 1;
    if (joinsPrev && joinsNext) b.splice(i - 1, 2);
    else if (joinsPrev) b[i - 1] = n;
    else if (joinsNext) b[i] = n;
    else b.splice(i, 0, n, n);
    this.total++;
    return true;
  }
}
