import { type Deferred, deferred } from "../deferred.js";
import { ConsumerWindow, type Grant, type WindowLimits } from "./credit.js";

/** Items read before the queue's array drops them (see `next`). */
const COMPACT_AFTER = 64;

/** What an item queue tells the stream it belongs to. */
export interface QueueOwner {
  /** The consumer made room: grant the producer more. */
  grant(grant: Grant): void;
  /** The consumer stopped reading before the end (`break`, `return`, a throw in its loop). */
  abandoned(): void;
}

/**
 * The receiving end of one direction of a stream: items arrive (within the credit granted), the
 * application reads them with `for await`, and reading makes room for more (see
 * {@link ConsumerWindow}). It ends once, with the end of the items or an error; leaving the loop
 * early tells the owner, which cancels the stream.
 *
 * @example
 * ```ts
 * const queue = new ItemQueue<Line>(limits, owner);
 * owner.grant(queue.initialCredit());
 * for await (const line of queue) console.log(line);
 * ```
 */
export class ItemQueue<T> implements AsyncIterableIterator<T> {
  private readonly window: ConsumerWindow;
  private items: { value: T; bytes: number }[] = [];
  private head = 0;
  private waiting: Deferred<IteratorResult<T>> | undefined;
  /** Set once: the end of the items, or why they stopped. */
  private outcome: { error: unknown } | "done" | undefined;
  private left = false;

  constructor(
    limits: WindowLimits,
    private readonly owner: QueueOwner,
  ) {
    this.window = new ConsumerWindow(limits);
  }

  /** The credit to grant when the stream starts: the whole window. */
  initialCredit(): Grant {
    return this.window.grant() as Grant;
  }

  /** Whether the queue has ended (all read, failed, or left). */
  get ended(): boolean {
    return this.outcome !== undefined;
  }

  /** An item of `bytes` arrived; false when it was beyond the credit granted (dropped). */
  push(value: T, bytes: number): boolean {
    if (this.outcome !== undefined) return true;
    if (!this.window.arrived(bytes)) return false;
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      this.window.taken(bytes);
      this.topUp();
      waiting.resolve({ value, done: false });
    } else this.items.push({ value, bytes });
    return true;
  }

  /** No more items: the reader finishes once it has read those already here. */
  end(): void {
    if (this.outcome !== undefined) return;
    this.outcome = "done";
    if (this.waiting !== undefined && this.head === this.items.length) this.settleWaiting();
  }

  /** The items stopped with `error`: the reader gets those already here, then the error. */
  fail(error: unknown): void {
    if (this.outcome !== undefined) return;
    this.outcome = { error };
    if (this.waiting !== undefined && this.head === this.items.length) this.settleWaiting();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const { value, bytes } = this.items[this.head++] as { value: T; bytes: number };
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
      } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.items.length) {
        // A reader that never quite catches up never empties the queue: drop what it has read,
        // or the array (and the items it still references) would grow for as long as it reads.
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.window.taken(bytes);
      this.topUp();
      return Promise.resolve({ value, done: false });
    }
    const outcome = this.outcome;
    if (outcome === "done" || this.left) return Promise.resolve({ value: undefined, done: true });
    if (outcome !== undefined) return Promise.reject(outcome.error);
    this.waiting ??= deferred<IteratorResult<T>>();
    return this.waiting.promise;
  }

  /** The reader left the loop: the stream is cancelled unless it had ended. */
  return(): Promise<IteratorResult<T>> {
    this.leave();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Same as {@link return}: an exception in the reader's loop ends the stream. */
  throw(): Promise<IteratorResult<T>> {
    this.leave();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private leave(): void {
    if (this.left) return;
    this.left = true;
    this.items = [];
    this.head = 0;
    const ended = this.outcome !== undefined;
    this.outcome ??= "done";
    if (this.waiting !== undefined) this.settleWaiting();
    if (!ended) this.owner.abandoned();
  }

  private topUp(): void {
    const more = this.window.grant();
    if (more !== undefined) this.owner.grant(more);
  }

  private settleWaiting(): void {
    const waiting = this.waiting as Deferred<IteratorResult<T>>;
    this.waiting = undefined;
    const outcome = this.outcome;
    if (outcome === "done" || outcome === undefined || this.left) {
      waiting.resolve({ value: undefined, done: true });
    } else waiting.reject(outcome.error);
  }
}
