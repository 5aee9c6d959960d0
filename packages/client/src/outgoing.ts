import { ErrorCode, isSockwireError, SockwireError } from "@sockwire/protocol";
import {
  type Deferred,
  deferred,
  disabledRefusal,
  messageKey,
  type Session,
} from "@sockwire/protocol/internal";
import type { QueueItem } from "./offline-queue.js";

/** Something the offline queue can hand to an open session. */
export interface Outgoing extends QueueItem {
  /** Passes the message to `session`; its promise settles the caller's. */
  send(session: Session): void;
  /** The caller's promise. */
  readonly promise: Promise<unknown>;
}

/** An encoded event waiting for the connection. */
export class QueuedEvent implements Outgoing {
  private readonly result: Deferred<void> = deferred<void>(true);
  readonly bytes: number;

  constructor(
    private readonly frame: Buffer,
    private readonly name: string,
    /** Told when the item leaves the queue without being sent (room for producers). */
    private readonly onLeave: () => void,
  ) {
    this.bytes = frame.length;
  }

  get promise(): Promise<void> {
    return this.result.promise;
  }

  send(session: Session): void {
    // sendFrame skips emit's check: an event the server's contract disables is refused here.
    const refused =
      session.terms && disabledRefusal(session.terms, messageKey("client", "events", this.name));
    if (refused) this.result.reject(refused);
    else session.sendFrame(this.frame).then(this.result.resolve, this.result.reject);
  }

  expire(): void {
    this.result.reject(
      new SockwireError(
        ErrorCode.MESSAGE_EXPIRED,
        `event ${this.name} expired in the offline queue`,
      ),
    );
    this.onLeave();
  }

  fail(error: SockwireError): void {
    this.result.reject(error);
  }
}

/** Options a queued request keeps until it is sent. */
export interface QueuedRequestOptions {
  /** Absolute time (performance.now() ms) after which the request has timed out, or Infinity. */
  deadline: number;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** Sent again after a reconnect when its connection is lost before the answer. */
  idempotent: boolean;
}

/** What a queued request asks of the queue it lives in. */
export interface RequestQueueHooks {
  /** Removes the request from the offline queue; returns false if it already left. */
  remove(): boolean;
  /** Told when the request leaves the queue without being sent (room for producers). */
  leave(): void;
  /**
   * Puts the request back in the queue after its connection was lost before the answer (only
   * idempotent requests ask). Returns false when it cannot wait (no reconnect will come, the
   * queue is full); the request then fails with the loss.
   */
  requeue(request: QueuedRequest): boolean;
}

/**
 * A request waiting for the connection, or an idempotent one on its way. Its timeout keeps
 * counting from the call and its signal still cancels it while it waits; either removes it from
 * the queue. An idempotent request whose connection is lost after it was written waits in the
 * queue again and is sent once more after the reconnect; any other request fails with
 * `ERR_CONNECTION_LOST` then (it may or may not have run).
 */
export class QueuedRequest implements Outgoing {
  private readonly result: Deferred<unknown> = deferred<unknown>(true);
  private readonly timeoutError: SockwireError;
  private readonly onAbort = () => {
    if (!this.hooks.remove()) return;
    this.result.reject(cancelled(this.name, this.options.signal?.reason));
    this.hooks.leave();
  };

  readonly bytes: number;
  /** Whether `frame` has been handed to a socket already (a resend then sends a copy). */
  private written = false;

  constructor(
    private readonly name: string,
    /** The request encoded once, at the call; its id and deadline are filled in when sent. */
    private readonly frame: Buffer,
    private readonly options: QueuedRequestOptions,
    private readonly hooks: RequestQueueHooks,
  ) {
    this.bytes = frame.length;
    // Created now so the stack points at the caller, as for requests sent at once.
    this.timeoutError = new SockwireError(
      ErrorCode.REQUEST_TIMEOUT,
      `request ${name} got no response within ${options.timeoutMs} ms`,
      {
        details: { timeoutMs: options.timeoutMs, queued: true },
      },
    );
    this.attach();
  }

  get promise(): Promise<unknown> {
    return this.result.promise;
  }

  /** Milliseconds left before the request times out (Infinity without a timeout). */
  get remainingMs(): number {
    return this.options.deadline - performance.now();
  }

  send(session: Session): void {
    this.detach();
    const remaining = this.remainingMs;
    if (remaining <= 0) {
      this.result.reject(this.timeoutError);
      return;
    }
    const timeoutMs = Number.isFinite(remaining) ? Math.max(1, Math.ceil(remaining)) : 0;
    const frame = this.written ? Buffer.from(this.frame) : this.frame;
    this.written = true;
    session
      .requestFrame(this.name, frame, { timeoutMs, signal: this.options.signal })
      .then(this.result.resolve, (error: unknown) => {
        if (this.options.idempotent && isLost(error) && !this.options.signal?.aborted) {
          this.attach();
          if (this.hooks.requeue(this)) return;
          this.detach();
        }
        this.result.reject(error);
      });
  }

  expire(): void {
    this.detach();
    this.result.reject(this.timeoutError);
    this.hooks.leave();
  }

  fail(error: SockwireError): void {
    this.detach();
    this.result.reject(error);
  }

  private attach(): void {
    this.options.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  private detach(): void {
    this.options.signal?.removeEventListener("abort", this.onAbort);
  }
}

/** A request that was written and lost with its connection (not timed out, cancelled, refused). */
function isLost(error: unknown): boolean {
  return isSockwireError(error) && error.code === ErrorCode.CONNECTION_LOST;
}

function cancelled(name: string, reason: unknown): SockwireError {
  return new SockwireError(ErrorCode.REQUEST_CANCELLED, `request ${name} was cancelled`, {
    cause: reason,
  });
}
