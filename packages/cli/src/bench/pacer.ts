/**
 * Spaces messages to a rate: message n (from 0) is due `n / rate` seconds after the start, so a
 * sender that falls behind catches up at once instead of drifting (the schedule is absolute, as
 * in nats bench's publisher). A rate of 0 or less means "as fast as possible".
 *
 * @example
 * ```ts
 * const pacer = new Pacer(1000, performance.now());
 * const wait = pacer.waitFor(sent, performance.now()); // ms to wait before sending, 0 if due
 * ```
 */
export class Pacer {
  constructor(
    private readonly rate: number,
    private readonly start: number,
  ) {}

  /** Milliseconds until message `n` is due (0 when it is due now or late). */
  waitFor(n: number, now: number): number {
    if (this.rate <= 0) return 0;
    return Math.max(0, this.start + (n * 1000) / this.rate - now);
  }
}
