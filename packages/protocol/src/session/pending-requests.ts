import { MAX_REQUEST_ID } from "../constants.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { NO_ENTRIES } from "./no-entries.js";

/** How a pending request ended. */
export type Settlement = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Entry {
  name: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Date.now() after which the request times out; Infinity for none. */
  deadline: number;
  timeoutMs: number;
  onGiveUp: ((id: number) => void) | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Options of {@link PendingRequests.add}. */
export interface PendingOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Called when the request times out or is aborted, so the owner can send `cancel`. */
  onGiveUp?: ((id: number) => void) | undefined;
}

/**
 * The table of requests we sent and await answers for. Each entry settles exactly once (answer,
 * remote error, timeout, abort or connection loss) and every path removes its abort listener; the
 * one deadline timer is shared by all entries and cleared when none is left, so nothing outlives
 * the requests.
 *
 * ```
 *   add() ─► pending ─┬─ resolve(id)      ─► settled: value
 *                     ├─ reject(id, err)  ─► settled: remote error
 *                     ├─ timer fires      ─► settled: ERR_REQUEST_TIMEOUT   (+ onGiveUp)
 *                     ├─ signal aborts    ─► settled: ERR_REQUEST_CANCELLED (+ onGiveUp)
 *                     └─ rejectAll(cause) ─► settled: ERR_CONNECTION_LOST / CLOSED
 * ```
 */
export class PendingRequests {
  /** Allocated on the first request (an idle connection never needs it); see NO_ENTRIES. */
  private entries = NO_ENTRIES as Map<number, Entry>;
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  /** Deadline the timer is armed for. */
  private timerAt = Number.POSITIVE_INFINITY;
  /** Answers that arrived for an id no longer pending (timed out, cancelled): dropped. */
  lateResponses = 0;

  /** Requests awaiting an answer. */
  get size(): number {
    return this.entries.size;
  }

  /** Reserves a fresh id (never 0, never one in use), wrapping after 2^32 - 1. */
  allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id >= MAX_REQUEST_ID ? 1 : id + 1;
      if (!this.entries.has(id)) return id;
    }
  }

  /**
   * Registers request `id` and returns its promise.
   *
   * Performance: this runs once per request, so it arms no timer and builds no error. All
   * deadlines share one timer (see {@link armFor}), and the `ERR_REQUEST_TIMEOUT` error is built
   * only when a request actually times out. Building it here, for its stack, cost about 2.5 µs per
   * request (a stack capture), more than the rest of a round trip on the requesting side; the
   * error's message names the request instead.
   */
  add(id: number, name: string, options: PendingOptions): Promise<unknown> {
    const timed = options.timeoutMs > 0 && Number.isFinite(options.timeoutMs);
    return new Promise<unknown>((resolve, reject) => {
      const entry: Entry = {
        name,
        resolve,
        reject,
        deadline: timed ? Date.now() + options.timeoutMs : Number.POSITIVE_INFINITY,
        timeoutMs: options.timeoutMs,
        onGiveUp: options.onGiveUp,
        signal: options.signal,
        onAbort: undefined,
      };
      if (options.signal) {
        entry.onAbort = () => {
          if (this.take(id)) {
            options.onGiveUp?.(id);
            reject(cancelled(name, options.signal?.reason));
          }
        };
        options.signal.addEventListener("abort", entry.onAbort, { once: true });
      }
      if (this.entries === NO_ENTRIES) this.entries = new Map();
      this.entries.set(id, entry);
      if (timed) this.armFor(entry.deadline);
    });
  }

  /** Settles `id` with a value. Returns false (and counts a late response) if it is not pending. */
  resolve(id: number, value: unknown): boolean {
    const entry = this.take(id);
    if (!entry) {
      this.lateResponses++;
      return false;
    }
    entry.resolve(value);
    return true;
  }

  /** Settles `id` with an error. Returns false (and counts a late response) if it is not pending. */
  reject(id: number, error: unknown): boolean {
    const entry = this.take(id);
    if (!entry) {
      this.lateResponses++;
      return false;
    }
    entry.reject(error);
    return true;
  }

  /** Name of the pending request `id`, for decoding its answer. */
  nameOf(id: number): string | undefined {
    return this.entries.get(id)?.name;
  }

  /** Rejects every pending request with an error built from `cause` (connection left open state). */
  rejectAll(makeError: (name: string) => unknown): void {
    if (this.entries.size === 0) return;
    for (const id of [...this.entries.keys()]) {
      const entry = this.take(id);
      entry?.reject(makeError(entry.name));
    }
  }

  /**
   * One timer serves every deadline: it is armed for the earliest one and re-armed only when a
   * request with an earlier deadline arrives (rare: with one timeout for all, deadlines grow in
   * call order), so a request that is answered in time costs no timer work at all. When it fires,
   * one pass rejects whatever has expired and re-arms for the next deadline. It is cleared as soon
   * as nothing is pending, so an idle table keeps no timer (and no process) alive.
   */
  private armFor(deadline: number): void {
    if (this.timer !== undefined && deadline >= this.timerAt) return;
    this.disarm();
    this.timerAt = deadline;
    this.timer = setTimeout(() => this.expire(), Math.max(0, deadline - Date.now()));
  }

  private disarm(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private expire(): void {
    this.timer = undefined;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [id, entry] of this.entries) {
      if (entry.deadline > now) {
        if (entry.deadline < next) next = entry.deadline;
        continue;
      }
      this.take(id);
      entry.onGiveUp?.(id);
      entry.reject(
        new SockwireError(
          ErrorCode.REQUEST_TIMEOUT,
          `request ${entry.name} got no response within ${entry.timeoutMs} ms`,
          {
            details: { timeoutMs: entry.timeoutMs },
          },
        ),
      );
    }
    if (next !== Number.POSITIVE_INFINITY && this.entries.size > 0) this.armFor(next);
  }

  private take(id: number): Entry | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    if (this.entries.size === 0) this.disarm();
    if (entry.onAbort) entry.signal?.removeEventListener("abort", entry.onAbort);
    return entry;
  }
}

function cancelled(name: string, reason: unknown): SockwireError {
  return new SockwireError(ErrorCode.REQUEST_CANCELLED, `request ${name} was cancelled`, {
    cause: reason,
  });
}
