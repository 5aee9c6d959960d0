/**
 * Small, dependency-free statistics for benchmark samples. Every function copies before sorting,
 * so callers may pass the arrays they keep recording into.
 */

/** Median, minimum and maximum of a set of repetitions. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Number of samples summarised. */
  n: number;
}

function sorted(values: ArrayLike<number>): Float64Array {
  const copy = Float64Array.from(values as ArrayLike<number>);
  copy.sort();
  return copy;
}

function assertSamples(values: ArrayLike<number>, what: string): void {
  if (values.length === 0) throw new RangeError(`${what} of an empty sample set`);
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) throw new RangeError(`${what} of a sample set containing NaN`);
  }
}

/**
 * The value below which `p` percent of the samples fall, by linear interpolation between the two
 * nearest ranks (the same definition as numpy's default and HdrHistogram's "interpolated" mode).
 * `p` is 0..100; 0 gives the minimum and 100 the maximum.
 *
 * @example
 * ```ts
 * percentile([1, 2, 3, 4], 50); // 2.5
 * ```
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  assertSamples(values, "percentile");
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  return percentileOfSorted(sorted(values), p);
}

/** {@link percentile} on samples already sorted ascending; several percentiles share one sort. */
export function percentileOfSorted(ascending: ArrayLike<number>, p: number): number {
  const n = ascending.length;
  if (n === 1) return ascending[0] as number;
  const rank = (p / 100) * (n - 1);
  const lower = Math.floor(rank);
  const upper = Math.min(lower + 1, n - 1);
  const low = ascending[lower] as number;
  const high = ascending[upper] as number;
  return low + (high - low) * (rank - lower);
}

/**
 * Median of the samples (the mean of the two middle values for an even count).
 *
 * @example
 * ```ts
 * median([5, 1, 3]); // 3
 * ```
 */
export function median(values: ArrayLike<number>): number {
  assertSamples(values, "median");
  return percentileOfSorted(sorted(values), 50);
}

/**
 * Median with min and max, the form every table cell of the report uses.
 *
 * @example
 * ```ts
 * summarize([3, 1, 2]); // { median: 2, min: 1, max: 3, n: 3 }
 * ```
 */
export function summarize(values: ArrayLike<number>): Summary {
  assertSamples(values, "summary");
  const s = sorted(values);
  return {
    median: percentileOfSorted(s, 50),
    min: s[0] as number,
    max: s[s.length - 1] as number,
    n: s.length,
  };
}

/** Latency percentiles of one run, in the unit of the samples. */
export interface LatencySummary {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  count: number;
}

/**
 * p50, p99, p99.9, max and mean of a latency recording.
 *
 * @example
 * ```ts
 * latencySummary(rttMicros).p99;
 * ```
 */
export function latencySummary(values: ArrayLike<number>): LatencySummary {
  assertSamples(values, "latency summary");
  const s = sorted(values);
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i] as number;
  return {
    p50: percentileOfSorted(s, 50),
    p99: percentileOfSorted(s, 99),
    p999: percentileOfSorted(s, 99.9),
    max: s[s.length - 1] as number,
    mean: sum / s.length,
    count: s.length,
  };
}

/**
 * Ratios of paired repetitions (`a[i] / b[i]`). Pairing runs taken back to back cancels most of
 * the drift a shared, noisy machine adds over a whole run.
 *
 * @example
 * ```ts
 * pairedRatios([10, 12], [5, 4]); // [2, 3]
 * ```
 */
export function pairedRatios(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  if (a.length !== b.length)
    throw new RangeError(`paired samples differ in count: ${a.length} vs ${b.length}`);
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) out.push((a[i] as number) / (b[i] as number));
  return out;
}
