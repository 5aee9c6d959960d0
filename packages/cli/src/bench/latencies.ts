/** Latency percentiles of a run, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * Every round trip of a run, kept whole (8 bytes each: a million requests take 8 MB), so that
 * the percentiles are exact rather than estimated from buckets.
 *
 * @example
 * ```ts
 * const latencies = new Latencies();
 * latencies.add(0.25);
 * latencies.summary()?.p99; // 0.25
 * ```
 */
export class Latencies {
  private values = new Float64Array(1024);
  private size = 0;

  get count(): number {
    return this.size;
  }

  add(ms: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = ms;
  }

  /** The percentiles (nearest rank), or undefined when nothing was measured. */
  summary(): LatencySummary | undefined {
    if (this.size === 0) return undefined;
    const sorted = this.values.slice(0, this.size).sort();
    const at = (p: number) =>
      sorted[Math.min(this.size - 1, Math.ceil((p / 100) * this.size) - 1)] as number;
    let total = 0;
    for (const value of sorted) total += value;
    return {
      count: this.size,
      min: sorted[0] as number,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      max: sorted[this.size - 1] as number,
      mean: total / this.size,
    };
  }
}
