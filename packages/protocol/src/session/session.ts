import { FRAME_PREFIX_BYTES } from "../constants.js";
import {
  type Envelope,
  encodeEnvelope,
  patchRequestFrame,
  wireDeadline,
} from "../envelope/envelope.js";
import { Kind } from "../envelope/kinds.js";
import { ErrorCode } from "../errors/codes.js";
import { handlerFailed } from "../errors/handler-failed.js";
import { isSockwireError, SockwireError } from "../errors/sockwire-error.js";
import { WireCode } from "../errors/wire-codes.js";
import type { Reason } from "../handshake/handshake.js";
import { encodeControl } from "../message/control.js";
import { type MessageCodec, messageCodecFor } from "../message/message-codec.js";
import { dropOutgoing, type OutgoingFrame, outgoingBytes } from "../message/outgoing-frame.js";
import {
  ACTIVE,
  type CloseEvent,
  CloseReasons,
  type CloseState,
  closeTransition,
} from "./close-sequencer.js";
import { isThenable, noop, rejected } from "./deferred.js";
import { InboundReader, type InboundSink } from "./inbound-reader.js";
import {
  type IncomingHost,
  type IncomingRequest,
  IncomingRequests,
  type RequestContext,
} from "./incoming-requests.js";
import { type HeartbeatSettings, Liveness } from "./liveness.js";
import { OutboundWriter, type StallListener } from "./outbound-writer.js";
import { PendingRequests } from "./pending-requests.js";
import { PingWaiters } from "./ping-waiters.js";
import { dispatchInbound } from "./session-dispatch.js";
import {
  cancelled,
  lost,
  notConnected,
  outboundFull,
  slowConsumer,
  tooLargeForPeer,
} from "./session-errors.js";
import type {
  CloseInfo,
  SessionHooks,
  SessionOptions,
  SessionState,
  SessionStats,
} from "./session-types.js";
import type { SocketLike } from "./socket-like.js";
import type { Tickable } from "./ticker.js";
import { clip, wireCodeOf } from "./wire-error.js";

export type {
  CloseInfo,
  SessionHooks,
  SessionLimits,
  SessionOptions,
  SessionState,
  SessionStats,
} from "./session-types.js";

/** Where a socket keeps its session, for the listeners every socket shares. */
const SESSION = Symbol("sockwire.session");
/** The heartbeat before the handshake settles one: none. Shared, never mutated. */
const NO_HEARTBEAT: HeartbeatSettings = Object.freeze({ intervalMs: 0, timeoutMs: 0 });
/**
 * How long a peer closed for abuse (too many pings) has to read what it was sent and close its
 * side before the socket is destroyed: short, since it is misbehaving already.
 */
const ABUSE_LINGER_MS = 1000;
type OwnedSocket = SocketLike & { [SESSION]?: Session };

/**
 * One framed, typed conversation over a socket, shared by the server's connections and the
 * client. It wires the parts together and routes each received frame by kind (`dispatch`, in
 * session-dispatch.ts); each part does one job:
 *
 * - {@link InboundReader}: socket chunks to envelopes, input paused for backpressure;
 * - {@link MessageCodec} (shared): messages to frames and back, validated against the contract;
 * - {@link OutboundWriter}: frames to the socket in batches, soft mark, hard cap, write deadline;
 * - {@link IncomingRequests} and {@link PendingRequests}: the peer's requests and ours;
 * - {@link Liveness} and {@link PingWaiters}: heartbeat, ping strikes, round trips;
 * - the close sequence: an explicit state machine (close-sequencer.ts) and one reason record.
 *
 * The owner supplies the handshake and what happens to validated messages ({@link SessionHooks}).
 */
export class Session implements Tickable, StallListener, InboundSink, IncomingHost {
  private static readonly socketListeners = {
    data(this: OwnedSocket, chunk: Buffer): void {
      this[SESSION]?.reader.received(chunk);
    },
    end(this: OwnedSocket): void {
      this[SESSION]?.reader.peerEnded();
    },
    error(this: OwnedSocket, error: Error): void {
      this[SESSION]?.onSocketError(error);
    },
    close(this: OwnedSocket): void {
      this[SESSION]?.onSocketClose();
    },
  };

  state: SessionState = "handshake";
  /** @internal The shared message codec (contract, side, payload codec, validation). */
  readonly messages: MessageCodec;
  /** @internal The receive side; the dispatcher reads its state. */
  readonly reader: InboundReader;
  /** @internal Requests we sent, awaiting answers. */
  readonly pending = new PendingRequests();
  /** @internal Requests the peer sent, being handled. */
  readonly incoming: IncomingRequests;
  /** @internal Heartbeat and ping-strike bookkeeping. */
  readonly liveness: Liveness;
  private readonly writer: OutboundWriter;
  /** Created on the first `ping()`: most connections never measure a round trip. */
  private pings: PingWaiters | undefined;
  private closing: CloseState = ACTIVE;
  private readonly reasons = new CloseReasons();
  private closeTimer: NodeJS.Timeout | undefined;
  private peerMaxFrameBytes: number;
  /** Event handlers whose promise has not settled; they count towards maxInFlight. */
  private pendingEventHandlers = 0;

  constructor(
    readonly options: SessionOptions,
    private readonly socket: SocketLike,
    /** @internal What happens to validated messages. */
    readonly hooks: SessionHooks,
  ) {
    const limits = options.limits;
    this.messages = messageCodecFor(
      options.contract,
      options.side,
      options.codec,
      options.validateOutbound,
    );
    this.peerMaxFrameBytes = limits.maxFrameBytes;
    this.liveness = new Liveness(
      NO_HEARTBEAT,
      limits.frameTimeoutMs,
      limits.maxPingStrikes,
      Date.now(),
    );
    this.reader = new InboundReader(limits, socket, this.liveness, this);
    this.writer = new OutboundWriter(socket, limits, this);
    this.incoming = new IncomingRequests(this);
    socket.setNoDelay?.(true);
    // One set of listener functions serves every socket (each finds its session through a symbol
    // property): four closures per connection cost about 270 bytes of heap on an idle server.
    (socket as OwnedSocket)[SESSION] = this;
    socket.on("data", Session.socketListeners.data);
    socket.on("end", Session.socketListeners.end);
    socket.on("error", Session.socketListeners.error);
    socket.on("close", Session.socketListeners.close);
    options.ticker.add(this);
  }

  // ── public surface for owners ───────────────────────────────────────────────────────────

  /** Ends the handshake: from now on events and requests flow. */
  open(peerMaxFrameBytes: number, heartbeat: HeartbeatSettings): void {
    if (this.state !== "handshake") return;
    this.state = "open";
    this.peerMaxFrameBytes = peerMaxFrameBytes;
    this.liveness.setHeartbeat(heartbeat);
    this.liveness.received(Date.now());
    if (heartbeat.intervalMs > 0)
      this.options.ticker.atMost(
        Math.min(heartbeat.intervalMs, heartbeat.timeoutMs || heartbeat.intervalMs) / 5,
      );
  }

  /** The receive limit the peer announced (what we may send in one frame). */
  get peerFrameLimit(): number {
    return this.peerMaxFrameBytes;
  }

  /** True once the session has ended. */
  get finished(): boolean {
    return this.closing.phase === "closed";
  }

  /** Sends a control frame (hello, welcome, reject) during the handshake. */
  sendControl(kind: Kind, payload: unknown): void {
    void this.writer.enqueue(encodeEnvelope({ kind }, encodeControl(payload))).catch(noop);
  }

  /** Bytes accepted for sending and not yet passed to the kernel. */
  get bufferedAmount(): number {
    return this.writer.bufferedAmount;
  }

  /** False above the soft mark of the outbound queue. */
  get hasRoom(): boolean {
    return this.writer.hasRoom;
  }

  /** Resolves when the outbound queue is below its soft mark. */
  waitForRoom(): Promise<void> {
    return this.writer.waitForRoom();
  }

  /**
   * Sends an event; resolves when it is handed to the socket. The frame is encoded straight into
   * the frame arena and joins this tick's batch without a buffer of its own.
   */
  emit(name: string, data: unknown): Promise<void> {
    let frame: OutgoingFrame;
    try {
      frame = this.messages.event(name, data);
    } catch (error) {
      return rejected(error);
    }
    return this.submit(frame);
  }

  /** Queues an already-encoded frame (a broadcast shares one buffer between sessions). */
  sendFrame(frame: Buffer): Promise<void> {
    return this.submit(frame);
  }

  /** Sends a request and resolves with the validated response. */
  request(
    name: string,
    input: unknown,
    options: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<unknown> {
    if (this.state !== "open") return rejected(notConnected(this.state));
    const signal = options.signal;
    if (signal?.aborted) return rejected(cancelled(name, signal.reason));
    const timeoutMs = options.timeoutMs ?? this.options.limits.requestTimeoutMs;
    const id = this.pending.allocateId();
    let frame: OutgoingFrame;
    try {
      frame = this.messages.request(id, name, input, timeoutMs);
    } catch (error) {
      return rejected(error);
    }
    const refusal = this.admit(outgoingBytes(frame));
    if (refusal) {
      dropOutgoing(frame);
      return rejected(refusal);
    }
    return this.track(id, name, timeoutMs, signal, frame);
  }

  /** Registers request `id` as pending and queues its frame. */
  private track(
    id: number,
    name: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    frame: OutgoingFrame,
  ): Promise<unknown> {
    const result = this.pending.add(id, name, {
      timeoutMs,
      signal,
      onGiveUp: (gaveUp) => this.sendCancel(gaveUp),
    });
    this.writer.send(frame).catch((error) => this.pending.reject(id, lost(name, error)));
    return result;
  }

  /**
   * Sends request `name` encoded ahead of time (`MessageCodec.requestBuffer`): its id and
   * deadline are filled in now, in place, and it resolves like {@link request}. A frame sent
   * before must be passed as a copy: the socket may still hold the first one.
   */
  requestFrame(
    name: string,
    frame: Buffer,
    options: { timeoutMs: number; signal?: AbortSignal | undefined },
  ): Promise<unknown> {
    if (this.state !== "open") return rejected(notConnected(this.state));
    const signal = options.signal;
    if (signal?.aborted) return rejected(cancelled(name, signal.reason));
    const refusal = this.admit(frame.length);
    if (refusal) return rejected(refusal);
    const id = this.pending.allocateId();
    const timeoutMs = options.timeoutMs;
    patchRequestFrame(frame, id, timeoutMs > 0 ? wireDeadline(timeoutMs) : undefined);
    return this.track(id, name, timeoutMs, signal, frame);
  }

  /** Measures a round trip with a ping; resolves with milliseconds (NaN if the connection ends). */
  ping(timeoutMs = 5000): Promise<number> {
    if (this.state !== "open") return rejected(notConnected(this.state));
    this.pings ??= new PingWaiters();
    const { id, rtt } = this.pings.start(timeoutMs);
    this.sendRaw(encodeEnvelope({ kind: Kind.PING, id }, undefined));
    return rtt;
  }

  /**
   * Graceful close: goaway, let in-flight requests finish both ways, flush everything accepted,
   * half-close (FIN; a client waits for the server's first), keep reading until the peer's FIN,
   * then close. After `closeTimeoutMs` the socket is destroyed instead.
   */
  close(code: string = WireCode.NORMAL, message = "", reconnectAfterMs?: number): void {
    if (this.closing.phase !== "active") return;
    const wasOpen = this.state === "open";
    this.reasons.record(code, message, "local", undefined);
    if (wasOpen) {
      const reason: Reason = {
        code,
        ...(message ? { message } : {}),
        ...(reconnectAfterMs !== undefined ? { reconnectAfterMs } : {}),
      };
      this.sendRaw(encodeEnvelope({ kind: Kind.GOAWAY }, encodeControl(reason)));
    }
    this.move({ type: "begin", goaway: wasOpen });
  }

  /** Sends a final control frame (reject) and closes without goaway. */
  closeWith(kind: Kind, payload: Reason, error?: SockwireError): void {
    if (this.closing.phase !== "active") return;
    this.reasons.record(payload.code, payload.message ?? "", "local", error);
    this.sendRaw(encodeEnvelope({ kind }, encodeControl(payload)));
    this.move({ type: "begin", goaway: false });
  }

  /** @internal The writer's stall report: the peer stopped reading past the write deadline. */
  writeStalled(): void {
    this.destroy(
      WireCode.SLOW_CONSUMER,
      slowConsumer("the peer stopped reading past the write deadline"),
    );
  }

  /** Immediate close: pending output is dropped (lossy by design). */
  destroy(code: string = WireCode.NORMAL, error?: SockwireError): void {
    if (this.finished) return;
    this.reasons.record(code, error?.message ?? "", "local", error);
    this.socket.destroy();
    this.finish(false);
  }

  /** Counters for `stats()`. */
  stats(): SessionStats {
    return {
      messagesIn: this.reader.messagesIn,
      messagesOut: this.writer.framesWritten,
      bytesIn: this.reader.bytesIn,
      bytesOut: this.writer.bytesWritten,
      bufferedBytes: this.writer.bufferedAmount,
      retainedChunks: this.reader.decoder.retainedChunks,
      inFlightIn: this.incoming.size,
      inFlightOut: this.pending.size,
      lateResponses: this.pending.lateResponses,
    };
  }

  /** Periodic check from the shared ticker: heartbeat and frame deadline. */
  tick(now: number): void {
    if (this.finished) return;
    switch (this.liveness.check(now)) {
      case "ping":
        if (this.state === "open") this.sendRaw(encodeEnvelope({ kind: Kind.PING }, undefined));
        return;
      case "dead":
        this.destroy(
          WireCode.HEARTBEAT_TIMEOUT,
          new SockwireError(
            ErrorCode.CONNECTION_LOST,
            "no frame from the peer within heartbeat interval + timeout",
          ),
        );
        return;
      case "frame-stalled":
        this.fail(
          new SockwireError(
            ErrorCode.FRAME_TIMEOUT,
            "a partial frame did not complete within the frame deadline",
          ),
        );
        return;
      default:
    }
  }

  // ── receiving (InboundSink) ─────────────────────────────────────────────────────────────

  /** @internal One received frame: routed by kind (session-dispatch.ts). */
  dispatch(envelope: Envelope): void {
    dispatchInbound(this, envelope);
  }

  /** @internal The input broke the frame or envelope format. */
  broken(error: SockwireError): void {
    this.fail(error);
  }

  /**
   * @internal The peer's FIN, after every frame before it. It sends nothing more, so answers we
   * still wait for will never come; its requests in flight are still answered (it may read).
   */
  ended(truncated: SockwireError | undefined): void {
    if (truncated && this.closing.phase === "active") {
      // A protocol error like any other (PROTOCOL.md 8.4): the peer may still read, so it is
      // told why before our FIN. The close is the peer's doing (it ended mid-frame).
      this.fail(truncated);
      this.reasons.blamePeer();
      this.move({ type: "peer-fin" });
      return;
    }
    // Already closing (a goaway, a reject): the reason that started the close stands.
    this.reasons.record(
      truncated ? WireCode.PROTOCOL_ERROR : WireCode.NORMAL,
      truncated ? truncated.message : "the peer closed the connection",
      "remote",
      truncated,
    );
    // A plain FIN has no error of its own; say so in the cause, as finish() does, so callers
    // always learn why. Built only when a request is waiting: an error captures a stack, and
    // most FINs find none.
    let cause: SockwireError | undefined;
    this.pending.rejectAll((name) => {
      const reason = this.reasons.current;
      cause ??=
        reason?.error ??
        new SockwireError(
          ErrorCode.CONNECTION_CLOSED,
          `the peer closed the connection (${reason?.code ?? WireCode.NORMAL})`,
        );
      return lost(name, cause);
    });
    this.move({ type: "peer-fin" });
  }

  /** @internal The peer's goaway: the graceful close begins on our side too. */
  goawayReceived(reason: Reason): void {
    if (this.state !== "open") return;
    this.reasons.record(reason.code, reason.message ?? "", "remote", undefined, {
      replace: true,
      reconnectAfterMs: reason.reconnectAfterMs,
    });
    this.hooks.goaway(reason);
    this.move({ type: "begin", goaway: true });
  }

  /** @internal The peer's error with id 0: it is about to close for that reason. */
  connectionErrorReceived(error: SockwireError, reason: Reason): void {
    // Its reason becomes the close reason, not the FIN that follows.
    this.reasons.record(reason.code, reason.message ?? "", "remote", error);
    this.report(error);
  }

  /** @internal A validated event from the peer, for the owner's handlers. */
  deliverEvent(name: string, data: unknown): void {
    try {
      const result = this.hooks.event(name, data);
      // A slow async handler is work in flight like a request: counting it stops a peer from
      // piling up unbounded handler promises (reading pauses at maxInFlight).
      if (isThenable(result)) {
        this.pendingEventHandlers++;
        this.workChanged();
        result.then(
          () => this.eventHandlerSettled(),
          (error: unknown) => {
            this.report(handlerFailed(`event ${name} handler`, error));
            this.eventHandlerSettled();
          },
        );
      }
    } catch (error) {
      this.report(handlerFailed(`event ${name} handler`, error));
    }
  }

  // ── the peer's requests (IncomingHost) ─────────────────────────────────────────────────

  /** @internal */
  runHandler(name: string, params: unknown, context: RequestContext): unknown {
    return this.hooks.request(name, params, context);
  }

  /** @internal Queues a response, or an error in its place when it is over the peer's limit. */
  respond(request: IncomingRequest, frame: OutgoingFrame): void {
    const bytes = outgoingBytes(frame);
    const bodyBytes = bytes - FRAME_PREFIX_BYTES;
    if (bodyBytes > this.peerMaxFrameBytes) {
      dropOutgoing(frame);
      this.report(tooLargeForPeer(bodyBytes, this.peerMaxFrameBytes));
      this.answerError(request.id, {
        code: WireCode.FRAME_TOO_LARGE,
        message: "response exceeds the requester's receive limit",
      });
      return;
    }
    if (this.mayQueueRaw(bytes)) void this.writer.send(frame).catch(noop);
    else dropOutgoing(frame);
  }

  /** @internal */
  answerError(id: number, reason: Reason): void {
    this.sendRaw(encodeEnvelope({ kind: Kind.ERROR, id }, encodeControl(reason)));
  }

  /** @internal Work in flight changed: pause or resume reading, and end if closing. */
  workChanged(): void {
    if (this.finished) return;
    if (this.incoming.size + this.pendingEventHandlers >= this.options.limits.maxInFlight) {
      this.reader.pause();
    } else this.reader.resume();
    this.maybeEnd();
  }

  /** @internal A non-fatal problem, for the owner's error hook. */
  report(error: unknown): void {
    this.hooks.error(isSockwireError(error) ? error : handlerFailed("a handler", error));
  }

  /** @internal Every ping is answered at once, in any state. */
  answerPing(id: number): void {
    this.sendRaw(encodeEnvelope({ kind: Kind.PONG, id }, undefined));
  }

  /** @internal A pong arrived. */
  pongReceived(id: number): void {
    this.pings?.pong(id);
  }

  /** @internal An answer (or an error answer) settled one of our requests: maybe end. */
  answered(): void {
    this.maybeEnd();
  }

  // ── closing ────────────────────────────────────────────────────────────────────────────

  /**
   * Fatal protocol error: tell the peer why (error frame, id 0, with `code`), stop interpreting
   * input, abandon work both ways, and close gracefully so that frame is not lost to an RST.
   * `lingerMs` bounds the close when the peer is misbehaving.
   */
  fail(error: SockwireError, code = wireCodeOf(error), lingerMs?: number): void {
    if (this.finished || isDiscarding(this.closing)) return;
    this.reader.discard();
    this.reasons.record(code, error.message, "local", error, { replace: true });
    this.sendRaw(
      encodeEnvelope({ kind: Kind.ERROR }, encodeControl({ code, message: clip(error.message) })),
    );
    this.incoming.abandonAll({ code, message: "connection failed" });
    this.pending.rejectAll((name) => lost(name, error));
    this.move({ type: "protocol-error" }, lingerMs);
  }

  /** @internal Too many pings: closed like a protocol error, so earlier pongs still arrive. */
  pingedTooOften(): void {
    this.fail(
      new SockwireError(ErrorCode.CONNECTION_LOST, "the peer pinged too often"),
      WireCode.TOO_MANY_PINGS,
      ABUSE_LINGER_MS,
    );
  }

  /** Applies a close event and performs what entering the new phase takes. */
  private move(event: CloseEvent, timeoutMs = this.options.limits.closeTimeoutMs): void {
    const before = this.closing;
    const after = closeTransition(before, event, this.options.side);
    if (after === before) return;
    // Recorded before the effects below, which can come back here (a FIN held back by paused
    // input arrives when reading resumes): each effect happens once.
    this.closing = after;
    if (before.phase === "active") {
      this.state = "closing";
      this.closeTimer = setTimeout(() => this.closeTimedOut(), timeoutMs);
    }
    if (after.phase === "draining") {
      // Nothing in flight (or input discarded): straight on to the FIN.
      this.maybeEnd();
      return;
    }
    if (after.phase === before.phase) return;
    if (after.phase === "awaiting-peer-fin" || after.phase === "fin-sent") {
      this.writer.flush();
      this.reader.resume();
      if (after.phase === "fin-sent") this.socket.end();
    }
  }

  /** Half-closes once nothing is in flight either way (at once when discarding input). */
  private maybeEnd(): void {
    const closing = this.closing;
    if (closing.phase !== "draining") return;
    if (!closing.discard && (this.incoming.size > 0 || this.pending.size > 0)) return;
    this.move({ type: "work-done" });
  }

  private closeTimedOut(): void {
    const error = new SockwireError(
      ErrorCode.CONNECTION_CLOSED,
      "close timed out; socket destroyed",
    );
    // The reason stays (a goaway's code); the timeout becomes its error so the close reads as abnormal.
    this.reasons.failed(error);
    this.destroy(this.reasons.current?.code ?? WireCode.NORMAL, error);
  }

  private onSocketError(error: Error): void {
    if (this.finished) return;
    this.reasons.record(
      WireCode.SOCKET_ERROR,
      error.message,
      "remote",
      new SockwireError(ErrorCode.SOCKET_ERROR, `socket error: ${error.message}`, { cause: error }),
    );
  }

  private onSocketClose(): void {
    this.finish(this.closing.phase === "fin-sent" && this.reasons.current?.error === undefined);
  }

  private finish(graceful: boolean): void {
    if (this.finished) return;
    this.closing = closeTransition(this.closing, { type: "closed" }, this.options.side);
    this.state = "closed";
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.options.ticker.delete(this);
    const info = this.reasons.info(graceful);
    // The errors below are built only if something is still waiting to be told (a queued send,
    // a pending request): most connections close with nothing in flight, and each error costs a
    // stack capture (~2.5 µs), which showed in the connection-churn profile.
    const clean = info.initiator === "local" && info.error === undefined;
    let closedCause: SockwireError | undefined;
    const cause = (): SockwireError => {
      if (info.error) return info.error;
      closedCause ??= new SockwireError(
        ErrorCode.CONNECTION_CLOSED,
        `connection closed (${info.code})`,
      );
      return closedCause;
    };
    this.writer.close(() =>
      clean
        ? new SockwireError(ErrorCode.CONNECTION_CLOSED, "the connection was closed")
        : new SockwireError(ErrorCode.CONNECTION_LOST, `the connection was lost (${info.code})`, {
            cause: cause(),
          }),
    );
    this.pending.rejectAll((name) =>
      clean
        ? new SockwireError(
            ErrorCode.CONNECTION_CLOSED,
            `request ${name} was abandoned: the connection was closed`,
          )
        : lost(name, cause()),
    );
    this.incoming.clear({ code: info.code, message: "the connection ended" });
    this.pings?.clear();
    this.hooks.closed(info);
  }

  // ── sending helpers ────────────────────────────────────────────────────────────────────

  /** Queues a user frame after the checks: open, the peer's receive limit, the hard cap. */
  private submit(frame: OutgoingFrame): Promise<void> {
    const refusal =
      this.state !== "open" ? notConnected(this.state) : this.admit(outgoingBytes(frame));
    if (refusal === undefined) return this.writer.send(frame);
    dropOutgoing(frame);
    return rejected(refusal);
  }

  /** Checks a user frame of `bytes` against the peer's receive limit and our hard cap. */
  private admit(bytes: number): SockwireError | undefined {
    const bodyBytes = bytes - FRAME_PREFIX_BYTES;
    if (bodyBytes > this.peerMaxFrameBytes)
      return tooLargeForPeer(bodyBytes, this.peerMaxFrameBytes);
    if (!this.writer.wouldOverflow(bytes)) return undefined;
    const full = outboundFull(this.writer.bufferedAmount, this.options.limits.sendHardBytes);
    if (this.options.overflow === "close")
      this.destroy(WireCode.SLOW_CONSUMER, slowConsumer("the outbound queue passed its hard cap"));
    return full;
  }

  /** Queues a protocol-generated frame (answers, pongs, goaway); a full queue closes as slow consumer. */
  private sendRaw(frame: Buffer): void {
    if (this.mayQueueRaw(frame.length)) this.writer.enqueue(frame).catch(noop);
  }

  /** Whether a protocol-generated frame of `bytes` may be queued; over the hard cap it may close. */
  private mayQueueRaw(bytes: number): boolean {
    const phase = this.closing.phase;
    if (phase === "fin-sent" || phase === "closed") return false;
    if (this.writer.wouldOverflow(bytes) && this.options.overflow === "close") {
      this.destroy(WireCode.SLOW_CONSUMER, slowConsumer("the outbound queue passed its hard cap"));
      return false;
    }
    return true;
  }

  private sendCancel(id: number): void {
    if (this.state === "open" || this.state === "closing")
      this.sendRaw(encodeEnvelope({ kind: Kind.CANCEL, id }, undefined));
    this.maybeEnd();
  }

  private eventHandlerSettled(): void {
    this.pendingEventHandlers--;
    this.workChanged();
  }
}

function isDiscarding(state: CloseState): boolean {
  return (state.phase === "draining" || state.phase === "fin-sent") && state.discard;
}
