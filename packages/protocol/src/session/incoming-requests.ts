import { WireCode } from "../errors/wire-codes.js";

/**
 * What a request handler gets besides its input. The `signal` is created only when a handler
 * reads it, so handlers that never look pay nothing for it.
 */
export interface RequestContext {
  /** The request id on the wire. */
  readonly id: number;
  /** Fires on the requester's cancel, at the request's deadline, and when the connection ends. */
  readonly signal: AbortSignal;
}

/** Why an incoming request was abandoned; the reason's `code` is a wire code. */
export interface AbandonReason {
  code: typeof WireCode.CANCELLED | typeof WireCode.TIMEOUT | string;
  message: string;
}

/** One request being handled. */
export class IncomingRequest implements RequestContext {
  private controller: AbortController | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  /** Set once the request is cancelled, timed out or its connection ended. */
  abandoned: AbandonReason | undefined;

  constructor(
    readonly id: number,
    readonly name: string,
    /** Absolute time (Date.now() ms) after which the requester has given up, or Infinity. */
    readonly expiresAt: number,
  ) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abandoned) this.controller.abort(this.abandoned);
      else if (Number.isFinite(this.expiresAt)) {
        // Only a handler that listens needs a timer; others are checked when they finish.
        const delay = Math.max(0, this.expiresAt - Date.now());
        this.deadlineTimer = setTimeout(
          () => this.abandon({ code: WireCode.TIMEOUT, message: "request deadline passed" }),
          delay,
        );
      }
    }
    return this.controller.signal;
  }

  /** True when the answer would arrive too late to matter. */
  get expired(): boolean {
    return this.abandoned !== undefined || Date.now() > this.expiresAt;
  }

  abandon(reason: AbandonReason): void {
    if (this.abandoned) return;
    this.abandoned = reason;
    this.clear();
    this.controller?.abort(reason);
  }

  clear(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
  }
}
