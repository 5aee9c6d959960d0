import { MAX_REQUEST_ID } from "../constants.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";

/** How a pending request ended. */
export type Settlement = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Entry {
  name: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | undefined;
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
 * remote error, timeout, abort or connection loss) and every path clears its timer and removes its
 * abort listener, so nothing outlives the request.
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
  private readonly entries = new Map<number, Entry>();
  private nextId = 1;
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
   * Registers request `id` and returns its promise. The timeout error is created here, at call
   * time, so its stack points at the caller.
   */
  add(id: number, name: string, options: PendingOptions): Promise<unknown> {
    const timeoutError = new SockwireError(
      ErrorCode.REQUEST_TIMEOUT,
      `request ${name} got no response within ${options.timeoutMs} ms`,
      { details: { timeoutMs: options.timeoutMs } },
    );
    return new Promise<unknown>((resolve, reject) => {
      const entry: Entry = {
        name,
        resolve,
        reject,
        timer: undefined,
        signal: options.signal,
        onAbort: undefined,
      };
      if (options.timeoutMs > 0 && Number.isFinite(options.timeoutMs)) {
        entry.timer = setTimeout(() => {
          if (this.take(id)) {
            options.onGiveUp?.(id);
            reject(timeoutError);
          }
        }, options.timeoutMs);
      }
      if (options.signal) {
        entry.onAbort = () => {
          if (this.take(id)) {
            options.onGiveUp?.(id);
            reject(cancelled(name, options.signal?.reason));
          }
        };
        options.signal.addEventListener("abort", entry.onAbort, { once: true });
      }
      this.entries.set(id, entry);
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
    for (const id of [...this.entries.keys()]) {
      const entry = this.take(id);
      entry?.reject(makeError(entry.name));
    }
  }

  private take(id: number): Entry | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.onAbort) entry.signal?.removeEventListener("abort", entry.onAbort);
    return entry;
  }
}

function cancelled(name: string, reason: unknown): SockwireError {
  return new SockwireError(ErrorCode.REQUEST_CANCELLED, `request ${name} was cancelled`, {
    cause: reason,
  });
}
