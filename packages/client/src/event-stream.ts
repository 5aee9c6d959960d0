import { ErrorCode, SockwireError } from "@sockwire/protocol";

/**
 * Options of `client.events()`.
 *
 * @example
 * ```ts
 * const ticks = client.events("tick", { signal: AbortSignal.timeout(60_000), bufferSize: 100 });
 * ```
 */
export interface EventStreamOptions {
  /** Aborting it ends the stream (the loop finishes normally after the events already buffered). */
  signal?: AbortSignal | undefined;
  /**
   * Events held for a consumer that has fallen behind. When one more arrives, the stream fails
   * with `ERR_EVENT_BUFFER_FULL` after yielding what it holds, instead of growing without bound.
   * Default 1024.
   */
  bufferSize?: number | undefined;
}

/**
 * Default of {@link EventStreamOptions.bufferSize}: 1024 events.
 *
 * @example
 * ```ts
 * client.events("tick", { bufferSize: DEFAULT_EVENT_BUFFER * 4 });
 * ```
 */
export const DEFAULT_EVENT_BUFFER = 1024;

type Waiter<T> = { resolve(result: IteratorResult<T>): void; reject(error: unknown): void };

/**
 * Async iterator over one server event. Events arriving while nobody awaits are buffered (bounded);
 * a pending `next()` is resolved directly. The stream survives reconnects and ends when the client
 * closes, when its signal aborts, or when the loop exits (`return()`), always removing its
 * listener.
 *
 * @example
 * ```ts
 * for await (const tick of client.events("tick", { signal: AbortSignal.timeout(10_000) })) {
 *   console.log(tick.at);
 * }
 * ```
 */
export class EventStream<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private done = false;
  private failure: SockwireError | undefined;
  private readonly bufferSize: number;
  private readonly unsubscribe: () => void;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = () => this.end();

  /**
   * @param subscribe registers `push` as the event listener and returns its remover.
   */
  constructor(
    subscribe: (push: (value: T) => void) => () => void,
    options: EventStreamOptions = {},
  ) {
    const size = options.bufferSize ?? DEFAULT_EVENT_BUFFER;
    if (!Number.isInteger(size) || size < 1) {
      throw new SockwireError(
        ErrorCode.INVALID_ARGUMENT,
        `bufferSize must be a positive integer, got ${String(size)}`,
      );
    }
    this.bufferSize = size;
    this.signal = options.signal;
    this.unsubscribe = subscribe((value) => this.push(value));
    if (this.signal?.aborted) this.end();
    else this.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /** True once the stream has ended (its listener is removed). */
  get ended(): boolean {
    return this.done;
  }

  /** Events buffered and not yet consumed. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Delivers one event. */
  push(value: T): void {
    if (this.done) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.resolve({ value, done: false });
      return;
    }
    if (this.buffer.length >= this.bufferSize) {
      this.end(
        new SockwireError(
          ErrorCode.EVENT_BUFFER_FULL,
          `event stream buffer of ${this.bufferSize} overflowed: the consumer fell behind`,
          {
            details: { bufferSize: this.bufferSize },
          },
        ),
      );
      return;
    }
    this.buffer.push(value);
  }

  /** Ends the stream: buffered events are still yielded, then `error` (if any) or done. */
  end(error?: SockwireError): void {
    if (this.done) return;
    this.done = true;
    this.failure = error;
    this.unsubscribe();
    this.signal?.removeEventListener("abort", this.onAbort);
    for (const waiter of this.waiters.splice(0)) {
      if (error) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0)
      return Promise.resolve({ value: this.buffer.shift() as T, done: false });
    if (this.done) {
      const failure = this.failure;
      if (failure) {
        this.failure = undefined; // reported once; later calls just say done
        return Promise.reject(failure);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Called by `for await` on `break`/`throw`: stops listening and drops what is buffered. */
  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    this.end();
    this.failure = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
