import { isSockwireError } from "@sockwire/protocol";
import { IntRanges } from "./ranges.js";

/** The outcome of a request that was answered with its own value. */
export const OK = "OK";

/** Error code of a rejection (`ERR_REMOTE/<wire code>` for a remote one), or a marker for an uncoded one. */
export function codeOf(error: unknown): string {
  if (isSockwireError(error))
    return error.remoteCode ? `${error.code}/${error.remoteCode}` : error.code;
  return `uncoded:${String(error)}`;
}

/**
 * How each numbered request ended, by outcome (`OK` or an error code): which numbers, not just
 * how many, so that the soak can hold every outcome against what the other side did with that
 * very request (ran its handler or not, on which session).
 *
 * @example
 * ```ts
 * const outcomes = new Outcomes();
 * outcomes.add(OK, 1);
 * outcomes.add("ERR_REQUEST_TIMEOUT", 2);
 * outcomes.codeOf(2); // "ERR_REQUEST_TIMEOUT"
 * ```
 */
export class Outcomes {
  private readonly byCode = new Map<string, IntRanges>();

  /** Rebuilds a set from {@link toJSON}. */
  constructor(json: Record<string, number[]> = {}) {
    for (const [code, pairs] of Object.entries(json)) this.byCode.set(code, new IntRanges(pairs));
  }

  /** Records that request `n` ended with `code`; false if `n` had already ended (twice). */
  add(code: string, n: number): boolean {
    if (this.codeOf(n) !== undefined) return false;
    let set = this.byCode.get(code);
    if (!set) {
      set = new IntRanges();
      this.byCode.set(code, set);
    }
    return set.add(n);
  }

  /** The outcome of request `n`, if it has ended. */
  codeOf(n: number): string | undefined {
    for (const [code, set] of this.byCode) if (set.has(n)) return code;
    return undefined;
  }

  /** The numbers that ended with `code` (empty when none did). */
  get(code: string): IntRanges {
    return this.byCode.get(code) ?? new IntRanges();
  }

  /** Requests ended, all outcomes together. */
  get size(): number {
    let total = 0;
    for (const set of this.byCode.values()) total += set.size;
    return total;
  }

  /** How many ended with each outcome. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.byCode].map(([code, set]) => [code, set.size]));
  }

  toJSON(): Record<string, number[]> {
    return Object.fromEntries([...this.byCode].map(([code, set]) => [code, set.toJSON()]));
  }
}
