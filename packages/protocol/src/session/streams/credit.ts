import { type Deferred, deferred } from "../deferred.js";

/** How much a consumer lets a producer send ahead (PROTOCOL.md 8.7). */
export interface WindowLimits {
  /** Items in flight or unread at most: the item credit never passes it. */
  readonly streamWindow: number;
  /** Payload bytes in flight or unread at most (plus the one item that may overshoot). */
  readonly streamBufferBytes: number;
}

/** A grant: more items, more payload bytes, or both (PROTOCOL.md 8.7, `stream-credit`). */
export interface Grant {
  readonly items: number;
  readonly bytes: number;
}

/**
 * The consumer's side of a stream's flow control (PROTOCOL.md 8.7). Credit has two parts, items
 * and payload bytes: the producer may send an item while it has an item of credit and its byte
 * credit is above zero (so the last item may overshoot the bytes by its own size). At the start
 * the consumer grants the whole window (`streamWindow` items, `streamBufferBytes` bytes); then,
 * whenever the items or the bytes in flight and read but not yet taken are down to half of their
 * window, it tops both up. So at most `streamBufferBytes` plus one item is ever in flight or
 * waiting, whatever the items' sizes, and a slow reader holds its producer back instead of
 * growing a buffer, while a fast one keeps enough in flight that the round trip of its grants
 * does not limit throughput.
 *
 * @example
 * ```ts
 * const window = new ConsumerWindow({ streamWindow: 16_384, streamBufferBytes: 1 << 20 });
 * sendCredit(window.grant()); // { items: 16384, bytes: 1048576 }
 * if (!window.arrived(bytes)) failStream("credit exceeded");
 * window.taken(bytes); const more = window.grant(); // undefined until half of either is free
 * ```
 */
export class ConsumerWindow {
  private grantedItems = 0;
  private grantedBytes = 0;
  private receivedItems = 0;
  private receivedBytes = 0;
  private buffered = 0;
  private bufferedBytes = 0;

  constructor(private readonly limits: WindowLimits) {}

  /** What to grant now, counted as granted; undefined when nothing is due. */
  grant(): Grant | undefined {
    const { streamWindow, streamBufferBytes } = this.limits;
    const usedItems = this.grantedItems - this.receivedItems + this.buffered;
    // The producer's byte credit left (negative after the last item overshot it) plus what is
    // unread: a grant brings that to the window, so unread bytes plus the credit never pass it.
    const usedBytes = this.grantedBytes - this.receivedBytes + this.bufferedBytes;
    const fresh = this.grantedItems === 0;
    if (!fresh && usedItems > streamWindow / 2 && usedBytes > streamBufferBytes / 2)
      return undefined;
    const items = Math.max(0, streamWindow - usedItems);
    const bytes = Math.max(0, streamBufferBytes - usedBytes);
    if (items === 0 && bytes === 0) return undefined;
    this.grantedItems += items;
    this.grantedBytes += bytes;
    return { items, bytes };
  }

  /**
   * An item of `bytes` payload bytes arrived; false when the producer had no credit for it (no
   * item left, or no byte credit left before it): it is not counted.
   */
  arrived(bytes: number): boolean {
    if (this.receivedItems >= this.grantedItems || this.receivedBytes >= this.grantedBytes) {
      return false;
    }
    this.receivedItems++;
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
 * `take()` resolves at once while an item of credit is left and the byte credit is above zero;
 * otherwise when `add` brings enough, or with false when the stream ends first. `spent(bytes)`
 * charges the item actually sent.
 */
export class ProducerCredit {
  private items = 0;
  private bytes = 0;
  private waiter: Deferred<boolean> | undefined;
  private closed = false;

  /** The consumer granted more. */
  add(grant: Grant): void {
    this.items += grant.items;
    this.bytes += grant.bytes;
    const waiter = this.waiter;
    if (waiter === undefined || !this.ready) return;
    this.waiter = undefined;
    waiter.resolve(true);
  }

  /** Uses one item of credit, waiting for it if needed; false if the stream ended meanwhile. */
  take(): boolean | Promise<boolean> {
    if (this.closed) return false;
    if (this.ready) {
      this.items--;
      return true;
    }
    this.waiter ??= deferred<boolean>(true);
    return this.waiter.promise.then((ok) => (ok ? this.take() : false));
  }

  /** The item taken was sent with `bytes` payload bytes. */
  spent(bytes: number): void {
    this.bytes -= bytes;
  }

  /** The stream ended: whoever waits for credit stops. */
  close(): void {
    this.closed = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(false);
  }

  private get ready(): boolean {
    return this.items > 0 && this.bytes > 0;
  }
}
