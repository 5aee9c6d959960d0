import { ErrorCode, SockwireError } from "@sockwire/protocol";

/** Bounds of the offline queue. */
export interface OfflineQueueLimits {
  /** Most bytes held, counted as whole encoded frames (see {@link QueueItem.bytes}). */
  maxBytes: number;
  /** Most messages held. */
  maxMessages: number;
}

/** Something waiting in the offline queue: an encoded event or an idempotent request. */
export interface QueueItem {
  /**
   * Size charged against `maxBytes`: the whole frame as it will go on the wire (4-byte length
   * prefix, envelope header with the message name, and the encoded payload). An event named `m`
   * with the JSON payload `1234` is 4 + 7 + 1 + 4 = 16 bytes.
   */
  readonly bytes: number;
  /** Called once when the item's time in the queue ran out (it has already been removed). */
  expire(): void;
  /** Called once when the queue is emptied without sending (client closed, reconnect given up). */
  fail(error: SockwireError): void;
}

/**
 * Messages accepted while the connection is down, held until it is back and then delivered once,
 * in the order they were accepted. Bounded by bytes and by count; an item may carry its own expiry,
 * after which it leaves the queue and its sender is told (`expire()`), so no promise waits forever.
 *
 * Items live in a `Map` (insertion-ordered, O(1) removal), so removing an expired or cancelled
 * item from the middle costs the same as taking the head.
 *
 * @example
 * ```ts
 * const queue = new OfflineQueue({ maxBytes: 8 << 20, maxMessages: 10_000 });
 * const refused = queue.offer(item, 5_000); // undefined when accepted
 * for (let next = queue.shift(); next; next = queue.shift()) send(next);
 * ```
 */
export class OfflineQueue<T extends QueueItem> {
  private readonly items = new Map<T, NodeJS.Timeout | undefined>();
  private heldBytes = 0;

  constructor(private readonly limits: OfflineQueueLimits) {}

  /** Messages held. */
  get size(): number {
    return this.items.size;
  }

  /** Bytes held (sum of {@link QueueItem.bytes}). */
  get bytes(): number {
    return this.heldBytes;
  }

  /**
   * Appends `item`, optionally expiring after `expireAfterMs`. Returns `undefined` when accepted,
   * or an `ERR_OUTBOUND_BUFFER_FULL` error (and holds nothing) when the item does not fit.
   */
  offer(item: T, expireAfterMs?: number): SockwireError | undefined {
    if (
      this.items.size + 1 > this.limits.maxMessages ||
      this.heldBytes + item.bytes > this.limits.maxBytes
    ) {
      return new SockwireError(ErrorCode.OUTBOUND_BUFFER_FULL, "the offline queue is full", {
        details: {
          queuedMessages: this.items.size,
          queuedBytes: this.heldBytes,
          itemBytes: item.bytes,
          maxMessages: this.limits.maxMessages,
          maxBytes: this.limits.maxBytes,
        },
      });
    }
    let timer: NodeJS.Timeout | undefined;
    if (expireAfterMs !== undefined && Number.isFinite(expireAfterMs)) {
      timer = setTimeout(
        () => {
          if (this.remove(item)) item.expire();
        },
        Math.max(0, expireAfterMs),
      );
    }
    this.items.set(item, timer);
    this.heldBytes += item.bytes;
    return undefined;
  }

  /** Removes `item` (cancelled or timed out by its owner). Returns false if it was not held. */
  remove(item: T): boolean {
    if (!this.items.has(item)) return false;
    const timer = this.items.get(item);
    if (timer) clearTimeout(timer);
    this.items.delete(item);
    this.heldBytes -= item.bytes;
    return true;
  }

  /** Takes the oldest item, or `undefined` when empty. Its expiry no longer applies. */
  shift(): T | undefined {
    const first = this.items.keys().next();
    if (first.done) return undefined;
    this.remove(first.value);
    return first.value;
  }

  /** Empties the queue, failing every item with `error`, oldest first. */
  failAll(error: SockwireError): void {
    for (let item = this.shift(); item; item = this.shift()) item.fail(error);
  }
}
