import { IntRanges } from "./ranges.js";

/** A {@link SeqLog} as it travels between processes. */
export interface SeqSummary {
  /** The numbers received, as IntRanges pairs. */
  got: number[];
  /** Arrivals whose number was not above the previous one. */
  orderViolations: number;
  /** Arrivals of a number already received. */
  duplicates: number;
}

/**
 * The numbered messages one side received on one session, in arrival order: which numbers, and
 * how often one came out of order or twice. A session delivers its sequenced frames once and in
 * order across its links, so both counts must stay 0 whatever happened to the links.
 *
 * @example
 * ```ts
 * const log = new SeqLog();
 * for (const n of [1, 2, 2, 3]) log.receive(n);
 * log.duplicates; // 1 (and orderViolations 1: the second 2 was not above 2)
 * ```
 */
export class SeqLog {
  readonly got: IntRanges;
  orderViolations: number;
  duplicates: number;
  private last = 0;

  constructor(summary?: SeqSummary) {
    this.got = new IntRanges(summary?.got);
    this.orderViolations = summary?.orderViolations ?? 0;
    this.duplicates = summary?.duplicates ?? 0;
    this.last = this.got.max;
  }

  receive(n: number): void {
    if (n <= this.last) this.orderViolations++;
    this.last = Math.max(this.last, n);
    if (!this.got.add(n)) this.duplicates++;
  }

  toJSON(): SeqSummary {
    return {
      got: this.got.toJSON(),
      orderViolations: this.orderViolations,
      duplicates: this.duplicates,
    };
  }
}
