import { type Deferred, deferred } from "../deferred.js";

/** How much a consumer lets a producer send ahead (PROTOCOL.md 8.7). */
export interface WindowLimits {
  /** Items the consumer grants at most at once: the producer's credit never passes it. */
  readonly streamWindow: number;
  /** Bytes of unread items past which the consumer grants nothing more. */
  readonly streamBufferBytes: number;
}

/** The first grant, before the items' size is known: a small window, like TCP's slow start. */
export const INITIAL_CREDIT = 16;

/**
 * The consumer's side of a stream's flow control (PROTOCOL.md 8.7). Credit is counted in items:
 * the producer may send as many as were granted. The first grant is {@link INITIAL_CREDIT} items
 * (at most the window); then, whenever the items in flight and the ones read but not yet taken are
 * down to half of `streamWindow`, the consumer tops them up to the window, bounded in bytes: at
 * the average size of the items so far, what is in flight or unread stays within
 * `streamBufferBytes`, and nothing is granted while unread items hold that much. So a slow reader
 * holds its producer back instead of growing a buffer, and a fast one keeps a window of items in
 * flight (the window is what bounds throughput, at one round trip per half window).
 *
 * @example
 * ```ts
 * const window = new ConsumerWindow({ streamWindow: 16_384, streamBufferBytes: 1 << 20 });
 * sendCredit(window.grant()); // 16
 * if (!window.arrived(bytes)) failStream("credit exceeded");
 * window.taken(bytes); const more = window.grant(); // up to the window once half of it is free
 * ```
 */
export class ConsumerWindow {
  private granted = 0;
  private received = 0;
  private receivedBytes = 0;
  private buffered = 0;
  private bufferedBytes = 0;

  constructor(private readonly limits: WindowLimits) {}

  /** Items to grant now (0 for none), counted as granted. */
  grant(): number {
    const { streamWindow, streamBufferBytes } = this.limits;
    if (this.bufferedBytes >= streamBufferBytes) return 0;
    const inFlight = this.granted - this.received;
    const used = inFlight + this.buffered;
    let n: number;
    if (this.received === 0) {
      n = Math.min(streamWindow, INITIAL_CREDIT) - used;
    } else {
      if (used > streamWindow / 2) return 0;
      const average = Math.max(1, this.receivedBytes / this.received);
      const room = Math.floor((streamBufferBytes - this.bufferedBytes) / average) - inFlight;
      n = Math.min(streamWindow - used, room);
    }
    if (n <= 0) return 0;
    this.granted += n;
    return n;
  }

  /** An item of `bytes` arrived; false when it is beyond the credit granted (it is not counted). */
  arrived(bytes: number): boolean {
    if (this.received >= this.granted) return false;
    this.received++;
    this.receivedBytes += bytes;
    this.buffered++;
    this.bufferedBytes += bytes;
    return true;
  }

  /** The consumer took an item of `bytes` (it read it). */
  taken(bytes: number): void {
    this.buffered--;
    this.bufferedBytes -= bytes;
  }
}

/**
 * The producer's side: the credit the consumer granted and not yet used, and a wait for more.
 * `take()` resolves at once while credit is left; otherwise when `add` brings some, or with false
 * when the stream ends first.
 */
export class ProducerCredit {
  private available = 0;
  private waiter: Deferred<boolean> | undefined;
  private closed = false;

  /** Credit now. */
  get credit(): number {
    return this.available;
  }

  /** The consumer granted `n` more items. */
  add(n: number): void {
    this.available += n;
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.waiter = undefined;
    waiter.resolve(true);
  }

  /** Uses one item of credit, waiting for it if needed; false if the stream ended meanwhile. */
  take(): boolean | Promise<boolean> {
    if (this.closed) return false;
    if (this.available > 0) {
      this.available--;
      return true;
    }
    this.waiter ??= deferred<boolean>(true);
    return this.waiter.promise.then((ok) => (ok ? this.take() : false));
  }

  /** The stream ended: whoever waits for credit stops. */
  close(): void {
    this.closed = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(false);
  }
}
