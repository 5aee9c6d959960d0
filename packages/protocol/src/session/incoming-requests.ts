import type { RequestSchema } from "../contract/types.js";
import type { Envelope } from "../envelope/envelope.js";
import { handlerFailed } from "../errors/handler-failed.js";
import type { SockwireError } from "../errors/sockwire-error.js";
import { WireCode } from "../errors/wire-codes.js";
import type { Reason } from "../handshake/handshake.js";
import type { MessageCodec } from "../message/message-codec.js";
import type { OutgoingFrame } from "../message/outgoing-frame.js";
import { isThenable } from "./deferred.js";
import { NO_ENTRIES } from "./no-entries.js";
import { reasonForInvalid, reasonForThrown } from "./wire-error.js";

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

/** What the table of incoming requests needs from its session. */
export interface IncomingHost {
  readonly messages: MessageCodec;
  /** True once the session has ended: answers are no longer sent. */
  readonly finished: boolean;
  /** Runs the application's handler of request `name`; returns its result (value or promise). */
  runHandler(name: string, params: unknown, context: RequestContext): unknown;
  /** Runs the application's handlers of event `name`; returns a promise while any still runs. */
  runEventHandlers(name: string, data: unknown): unknown;
  /** Where answers go (it checks the peer's receive limit and the hard cap). */
  readonly output: {
    respond(frame: OutgoingFrame): SockwireError | undefined;
    answerError(id: number, reason: Reason): void;
  };
  /** Reports a local problem: a handler that failed, an answer that could not be encoded. */
  report(error: SockwireError): void;
  /** A request was taken in or settled: the host decides whether to read on and whether to end. */
  workChanged(): void;
}

/**
 * The work the peer started here. Its requests: each one is decoded and validated,
 * handed to the application, and answered exactly once (a response, or an error with its code),
 * unless it expired, was cancelled or its connection ended, when nothing is sent. The table
 * starts as the shared empty map and gets a Map of its own on the first request: most
 * connections never receive one. Its events' async handlers are counted too, as work in flight.
 *
 * ```
 *   start() ─► decode ─ invalid ─► error answer (VALIDATION_ERROR, INVALID_PAYLOAD...)
 *                 │
 *                 ▼
 *              handling ─ handler returns ─► response (or FRAME_TOO_LARGE / INTERNAL)
 *                 │     ─ handler throws  ─► error answer (the AppError's code, or INTERNAL)
 *                 └──── cancel / deadline / connection ends ─► abandoned: nothing is sent
 * ```
 */
export class IncomingRequests {
  private table = NO_ENTRIES as Map<number, IncomingRequest>;
  /** Event handlers whose promise has not settled; they count as work in flight too. */
  private eventHandlers = 0;

  constructor(private readonly host: IncomingHost) {}

  /** Requests being handled. */
  get size(): number {
    return this.table.size;
  }

  /**
   * Work the peer has started here: requests being handled plus async event handlers. Reading
   * pauses while it is at the session's `maxInFlight`, so a peer cannot pile up unbounded work.
   */
  get inFlight(): number {
    return this.table.size + this.eventHandlers;
  }

  /** Hands a validated event to the application; a promise its handlers return is work in flight. */
  deliverEvent(name: string, data: unknown): void {
    const host = this.host;
    try {
      const result = host.runEventHandlers(name, data);
      if (!isThenable(result)) return;
      this.eventHandlers++;
      host.workChanged();
      result.then(
        () => this.eventSettled(),
        (error: unknown) => {
          host.report(handlerFailed(`event ${name} handler`, error));
          this.eventSettled();
        },
      );
    } catch (error) {
      host.report(handlerFailed(`event ${name} handler`, error));
    }
  }

  /** Whether request `id` is being handled (an id the peer may not reuse yet). */
  has(id: number): boolean {
    return this.table.has(id);
  }

  /**
   * Handles request `envelope` of `schema` (the caller checked the id and the session's state):
   * decodes and validates its input, then runs the handler and answers when it settles.
   */
  start(envelope: Envelope, schema: RequestSchema): void {
    const { id, type: name } = envelope;
    const host = this.host;
    let params: unknown;
    try {
      params = host.messages.readRequest(envelope, schema);
    } catch (error) {
      host.output.answerError(id, reasonForInvalid(error as SockwireError));
      return;
    }
    const deadlineMs = envelope.deadlineMs;
    // A deadline of 0 has passed already: the requester is not waiting, so nothing runs and
    // nothing is answered (PROTOCOL.md section 3).
    if (deadlineMs === 0) return;
    const expiresAt = deadlineMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + deadlineMs;
    const request = new IncomingRequest(id, name, expiresAt);
    if (this.table === NO_ENTRIES) this.table = new Map();
    this.table.set(id, request);
    host.workChanged();
    let result: unknown;
    try {
      result = host.runHandler(name, params, request);
    } catch (error) {
      this.finish(request, false, error);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (value) => this.finish(request, true, value),
        (error: unknown) => this.finish(request, false, error),
      );
    } else this.finish(request, true, result);
  }

  /** The requester gave up on `id`; a cancel for an id not in flight is ignored. */
  cancel(id: number): void {
    this.table
      .get(id)
      ?.abandon({ code: WireCode.CANCELLED, message: "cancelled by the requester" });
  }

  /** Abandons every request (their handlers' signals fire); answers will not be sent. */
  abandonAll(reason: AbandonReason): void {
    for (const request of this.table.values()) request.abandon(reason);
  }

  /** Abandons every request and forgets them (the session has ended). */
  clear(reason: AbandonReason): void {
    this.abandonAll(reason);
    this.table.clear();
  }

  private eventSettled(): void {
    this.eventHandlers--;
    this.host.workChanged();
  }

  private finish(request: IncomingRequest, ok: boolean, outcome: unknown): void {
    this.table.delete(request.id);
    request.clear();
    const host = this.host;
    if (host.finished) return;
    if (!request.expired) {
      if (ok) this.respond(request, outcome);
      else {
        const { reason, internal } = reasonForThrown(outcome);
        if (internal) host.report(handlerFailed(`request ${request.name} handler`, outcome));
        host.output.answerError(request.id, reason);
      }
    }
    host.workChanged();
  }

  private respond(request: IncomingRequest, value: unknown): void {
    const host = this.host;
    let frame: OutgoingFrame;
    try {
      frame = host.messages.response(request.name, request.id, value);
    } catch (error) {
      host.report(handlerFailed(`request ${request.name} handler`, error));
      host.output.answerError(request.id, { code: WireCode.INTERNAL, message: "internal error" });
      return;
    }
    // A response over the requester's receive limit is replaced by an error it can read.
    const tooLarge = host.output.respond(frame);
    if (tooLarge === undefined) return;
    host.report(tooLarge);
    host.output.answerError(request.id, {
      code: WireCode.FRAME_TOO_LARGE,
      message: "response exceeds the requester's receive limit",
    });
  }
}
