import { FRAME_PREFIX_BYTES } from "../constants.js";
import type { Side } from "../contract/types.js";
import { outboundValue, PayloadRole } from "../contract/validate.js";
import { encodeWireValue } from "../contract/wire-form.js";
import { type Envelope, encodeEnvelope, wireDeadline } from "../envelope/envelope.js";
import { Kind } from "../envelope/kinds.js";
import { decodePayload, decodeValidated } from "../envelope/received-envelope.js";
import { ErrorCode } from "../errors/codes.js";
import { handlerFailed } from "../errors/handler-failed.js";
import { isSockwireError, SockwireError } from "../errors/sockwire-error.js";
import { WireCode } from "../errors/wire-codes.js";
import { FrameDecoder } from "../frame/frame-decoder.js";
import { decodeControl, encodeControl } from "../handshake/control.js";
import { type Reason, reasonSchema } from "../handshake/handshake.js";
import { noop, rejected } from "./deferred.js";
import { ARENA_BUSY, encodeInArena } from "./encode-in-arena.js";
import { releaseArenaFrame } from "./frame-arena.js";
import { IncomingRequest } from "./incoming-requests.js";
import { type HeartbeatSettings, Liveness } from "./liveness.js";
import { NO_ENTRIES } from "./no-entries.js";
import { OutboundWriter, type StallListener } from "./outbound-writer.js";
import { PendingRequests } from "./pending-requests.js";
import {
  encodeEventFrame,
  isThenable,
  lost,
  notConnected,
  slowConsumer,
  tooLargeForPeer,
  unexpected,
  unknownType,
} from "./session-helpers.js";
import type {
  CloseInfo,
  SessionHooks,
  SessionOptions,
  SessionState,
  SessionStats,
} from "./session-types.js";
import type { SocketLike } from "./socket-like.js";
import type { Tickable } from "./ticker.js";
import { clip, reasonForInvalid, reasonForThrown, remoteError, wireCodeOf } from "./wire-error.js";

export { encodeEventFrame, encodeSharedEventFrame } from "./session-helpers.js";
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
/**
 * How long a peer closed for abuse (too many pings) has to read what it was sent and close its
 * side before the socket is destroyed: short, since it is misbehaving already.
 */
const ABUSE_LINGER_MS = 1000;
/** The heartbeat before the handshake settles one: none. Shared, never mutated. */
const NO_HEARTBEAT: HeartbeatSettings = Object.freeze({ intervalMs: 0, timeoutMs: 0 });
type OwnedSocket = SocketLike & { [SESSION]?: Session };

/**
 * One framed, typed conversation over a socket, shared by the server's connections and the
 * client: decoding, routing by kind, validation against the contract, request tables, liveness,
 * backpressure and the graceful close. The owner supplies the handshake and what happens to
 * validated messages.
 */
export class Session implements Tickable, StallListener {
  private static readonly socketListeners = {
    data(this: OwnedSocket, chunk: Buffer): void {
      this[SESSION]?.onData(chunk);
    },
    end(this: OwnedSocket): void {
      this[SESSION]?.onEnd();
    },
    error(this: OwnedSocket, error: Error): void {
      this[SESSION]?.onSocketError(error);
    },
    close(this: OwnedSocket): void {
      this[SESSION]?.onSocketClose();
    },
  };

  state: SessionState = "handshake";
  private readonly socket: SocketLike;
  private readonly side: Side;
  private readonly remoteSide: Side;
  private readonly decoder: FrameDecoder;
  private readonly writer: OutboundWriter;
  private readonly pending = new PendingRequests();
  // The two tables below start as the shared empty map and get a Map of their own on first
  // `set` (see NO_ENTRIES): most connections never receive a request or send a ping.
  private incoming = NO_ENTRIES as Map<number, IncomingRequest>;
  private readonly liveness: Liveness;
  private pingWaiters = NO_ENTRIES as Map<number, { start: number; resolve(ms: number): void }>;
  private nextPingId = 1;
  private peerMaxFrameBytes: number;
  private inputPaused = false;
  /** The peer's FIN arrived while input was paused; handled on resume. */
  private endDeferred = false;
  /** Event handlers whose promise has not settled; they count towards maxInFlight. */
  private pendingEventHandlers = 0;
  private discarding = false;
  private endSent = false;
  /** A goaway went one way or the other while open: both sides are closing gracefully. */
  private goawayExchanged = false;
  /** The peer's FIN has been handled. */
  private peerEnded = false;
  private closeTimer: NodeJS.Timeout | undefined;
  private closeInfo: Omit<CloseInfo, "graceful"> | undefined;
  private messagesIn = 0;
  private bytesIn = 0;
  private finished = false;

  constructor(
    private readonly options: SessionOptions,
    socket: SocketLike,
    private readonly hooks: SessionHooks,
  ) {
    const limits = options.limits;
    this.socket = socket;
    this.side = options.side;
    this.remoteSide = options.side === "client" ? "server" : "client";
    this.peerMaxFrameBytes = limits.maxFrameBytes;
    this.decoder = new FrameDecoder({
      maxFrameBytes: limits.maxFrameBytes,
      maxRetainedChunks: limits.maxRetainedChunks,
    });
    this.writer = new OutboundWriter(socket, limits, this);
    this.liveness = new Liveness(
      NO_HEARTBEAT,
      limits.frameTimeoutMs,
      limits.maxPingStrikes,
      Date.now(),
    );
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

  /** Sends a control frame (hello, welcome, reject) during the handshake. */
  sendControl(kind: Kind, payload: unknown): void {
    void this.writer.enqueue(encodeEnvelope({ kind }, encodeControl(payload))).catch(() => {});
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

  /** Validates and encodes an event frame once, for one peer or many (broadcast). */
  encodeEvent(name: string, data: unknown): Buffer {
    return encodeEventFrame(
      this.options.contract,
      this.side,
      this.options.codec,
      name,
      data,
      this.options.validateOutbound,
    );
  }

  /**
   * Sends an event; resolves when it is handed to the socket. The frame is encoded straight into
   * the frame arena and joins this tick's batch without a buffer of its own.
   */
  emit(name: string, data: unknown): Promise<void> {
    const { contract, codec, validateOutbound } = this.options;
    const schema = contract[this.side].events.get(name);
    let bytes = ARENA_BUSY;
    try {
      if (schema !== undefined) {
        const value = outboundValue(schema, data, validateOutbound, PayloadRole.EVENT, name);
        bytes = encodeInArena(Kind.EVENT, 0, name, undefined, codec, schema, value);
      }
      // An unknown name (encodeEvent throws the usual error), or a send from code run while
      // another frame is being encoded: a buffer of its own.
      if (bytes === ARENA_BUSY) return this.sendFrame(this.encodeEvent(name, data));
    } catch (error) {
      return rejected(error);
    }
    return this.commitFrame(bytes);
  }

  /** Queues the frame just encoded in the arena, after the same checks as `sendFrame`. */
  private commitFrame(bytes: number): Promise<void> {
    const refusal = this.state !== "open" ? notConnected(this.state) : this.admit(bytes);
    if (refusal === undefined) return this.writer.commitFrame(bytes);
    releaseArenaFrame();
    return rejected(refusal);
  }

  /** Queues an already-encoded frame (a broadcast shares one buffer between sessions). */
  sendFrame(frame: Buffer): Promise<void> {
    if (this.state !== "open") return rejected(notConnected(this.state));
    const refusal = this.admit(frame.length);
    if (refusal) return rejected(refusal);
    return this.writer.enqueue(frame);
  }

  /** Sends a request and resolves with the validated response. */
  request(
    name: string,
    input: unknown,
    options: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<unknown> {
    if (this.state !== "open") return rejected(notConnected(this.state));
    const signal = options.signal;
    if (signal?.aborted) {
      return rejected(
        new SockwireError(ErrorCode.REQUEST_CANCELLED, `request ${name} was cancelled`, {
          cause: signal.reason,
        }),
      );
    }
    const timeoutMs = options.timeoutMs ?? this.options.limits.requestTimeoutMs;
    const id = this.pending.allocateId();
    let frame: Buffer | number;
    try {
      const schema = this.options.contract[this.side].requests.get(name);
      if (!schema) throw unknownType("request", name);
      const { codec, validateOutbound } = this.options;
      const role = PayloadRole.REQUEST_INPUT;
      const value = outboundValue(schema.input, input, validateOutbound, role, name);
      const deadline = timeoutMs > 0 ? wireDeadline(timeoutMs) : undefined;
      frame = encodeInArena(Kind.REQUEST, id, name, deadline, codec, schema.input, value);
      if (frame === ARENA_BUSY) {
        frame = encodeEnvelope(
          {
            kind: Kind.REQUEST,
            id,
            type: name,
            ...(timeoutMs > 0 ? { deadlineMs: timeoutMs } : {}),
          },
          encodeWireValue(codec, schema.input, value),
        );
      }
    } catch (error) {
      return rejected(error);
    }
    const refusal = this.admit(typeof frame === "number" ? frame : frame.length);
    if (refusal) {
      if (typeof frame === "number") releaseArenaFrame();
      return rejected(refusal);
    }
    const result = this.pending.add(id, name, {
      timeoutMs,
      signal,
      onGiveUp: (gaveUp) => this.sendCancel(gaveUp),
    });
    const sent =
      typeof frame === "number" ? this.writer.commitFrame(frame) : this.writer.enqueue(frame);
    sent.catch((error) => this.pending.reject(id, lost(name, error)));
    return result;
  }

  /** Measures a round trip with a ping; resolves with milliseconds. */
  ping(timeoutMs = 5000): Promise<number> {
    if (this.state !== "open") return rejected(notConnected(this.state));
    const id = this.nextPingId++;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pingWaiters.delete(id);
        reject(new SockwireError(ErrorCode.REQUEST_TIMEOUT, `no pong within ${timeoutMs} ms`));
      }, timeoutMs);
      if (this.pingWaiters === NO_ENTRIES) this.pingWaiters = new Map();
      this.pingWaiters.set(id, {
        start: performance.now(),
        resolve: (ms) => {
          clearTimeout(timer);
          resolve(ms);
        },
      });
      this.sendRaw(encodeEnvelope({ kind: Kind.PING, id }, undefined));
    });
  }

  /**
   * Graceful close: goaway, let in-flight requests finish both ways, flush everything accepted,
   * half-close (FIN; a client waits for the server's first), keep reading until the peer's FIN,
   * then close. After `closeTimeoutMs` the socket is destroyed instead.
   */
  close(code: string = WireCode.NORMAL, message = "", reconnectAfterMs?: number): void {
    if (this.state === "closed" || this.state === "closing") return;
    const wasOpen = this.state === "open";
    this.closeInfo = {
      code,
      message,
      initiator: "local",
      error: undefined,
      reconnectAfterMs: undefined,
    };
    if (wasOpen) {
      const reason: Reason = {
        code,
        ...(message ? { message } : {}),
        ...(reconnectAfterMs !== undefined ? { reconnectAfterMs } : {}),
      };
      this.sendRaw(encodeEnvelope({ kind: Kind.GOAWAY }, encodeControl(reason)));
      this.goawayExchanged = true;
    }
    this.beginClosing();
  }

  /** Sends a final control frame (reject) and closes without goaway. */
  closeWith(kind: Kind, payload: Reason, error?: SockwireError): void {
    if (this.state === "closed" || this.state === "closing") return;
    this.closeInfo = {
      code: payload.code,
      message: payload.message ?? "",
      initiator: "local",
      error,
      reconnectAfterMs: undefined,
    };
    this.sendRaw(encodeEnvelope({ kind }, encodeControl(payload)));
    this.beginClosing();
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
    this.closeInfo ??= {
      code,
      message: error?.message ?? "",
      initiator: "local",
      error,
      reconnectAfterMs: undefined,
    };
    this.socket.destroy();
    this.finish(false);
  }

  /** Counters for `stats()`. */
  stats(): SessionStats {
    return {
      messagesIn: this.messagesIn,
      messagesOut: this.writer.framesWritten,
      bytesIn: this.bytesIn,
      bytesOut: this.writer.bytesWritten,
      bufferedBytes: this.writer.bufferedAmount,
      retainedChunks: this.decoder.retainedChunks,
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

  // ── inbound ────────────────────────────────────────────────────────────────────────────

  private onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    const now = Date.now();
    this.liveness.received(now);
    if (this.discarding) return;
    this.decoder.push(chunk);
    this.drain(now);
  }

  /** Dispatches every complete frame held; `now` is the time the last chunk arrived. */
  private drain(now = Date.now()): void {
    while (!this.inputPaused && !this.discarding) {
      // Framing and envelope parsing in one step; a malformed envelope is the decoder's error.
      const envelope = this.decoder.nextEnvelope();
      if (envelope === undefined) break;
      this.messagesIn++;
      this.dispatch(envelope);
    }
    if (this.decoder.error) {
      this.fail(this.decoder.error);
      return;
    }
    // Every operation here runs after every chunk, whichever way it ends. With branches, the rare
    // one (a chunk that ends exactly on a frame boundary, in a stream of full reads) had no type
    // feedback when V8 optimized this loop, and the optimized loop went back to the interpreter
    // each time that branch ran: dozens of times in one benchmark run, each costing the rest of
    // that chunk in the interpreter. The partial-frame clock starts when a partial frame is first
    // seen and stops (-1) when none is held.
    // While input is paused for backpressure the frame is incomplete because we stopped reading,
    // not because the peer stalled: the clock does not run then (see Liveness.pause).
    const liveness = this.liveness;
    const since = liveness.partialSince;
    const partial = this.decoder.hasPartialFrame && !this.inputPaused;
    liveness.partialSince = partial ? (since < 0 ? now : since) : -1;
  }

  private dispatch(envelope: Envelope): void {
    const { kind } = envelope;
    if (kind === Kind.PING) {
      this.onPing(envelope.id);
      return;
    }
    if (kind === Kind.PONG) {
      this.onPong(envelope.id);
      return;
    }
    if (kind === Kind.ERROR && envelope.id === 0) {
      this.onConnectionError(envelope);
      return;
    }
    if (this.state === "handshake") {
      // The owner answers whatever comes first: a server refuses anything but a hello with a
      // reject (PROTOCOL_ERROR), which a client in its handshake reads as the reason.
      this.hooks.handshake(envelope);
      return;
    }
    switch (kind) {
      case Kind.EVENT:
        this.onEvent(envelope);
        return;
      case Kind.REQUEST:
        this.onRequest(envelope);
        return;
      case Kind.RESPONSE:
        this.onResponse(envelope);
        return;
      case Kind.ERROR:
        this.onErrorFrame(envelope);
        return;
      case Kind.CANCEL:
        this.incoming
          .get(envelope.id)
          ?.abandon({ code: WireCode.CANCELLED, message: "cancelled by the requester" });
        return;
      case Kind.GOAWAY:
        this.onGoaway(envelope);
        return;
      default:
        this.fail(unexpected(kind, "after the handshake"));
    }
  }

  private onEvent(envelope: Envelope): void {
    const name = envelope.type;
    const schema = this.options.contract[this.remoteSide].events.get(name);
    let data: unknown;
    try {
      if (!schema) throw unknownType("event", name);
      data = decodeValidated(this.options.codec, envelope, schema, PayloadRole.EVENT, name);
    } catch (error) {
      this.report(error);
      return;
    }
    try {
      const result = this.hooks.event(name, data);
      // A slow async handler is work in flight like a request: counting it stops a peer from
      // piling up unbounded handler promises (reading pauses at maxInFlight).
      if (isThenable(result)) {
        this.pendingEventHandlers++;
        if (this.inFlightWork >= this.options.limits.maxInFlight) this.pauseInput();
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

  private onRequest(envelope: Envelope): void {
    const { id, type: name } = envelope;
    if (id === 0 || this.incoming.has(id)) {
      this.fail(
        new SockwireError(ErrorCode.FRAME_MALFORMED, `request id ${id} is zero or already in use`),
      );
      return;
    }
    if (this.state !== "open") {
      this.sendError(id, { code: WireCode.SHUTTING_DOWN, message: "the connection is closing" });
      return;
    }
    const schema = this.options.contract[this.remoteSide].requests.get(name);
    let params: unknown;
    try {
      if (!schema) throw unknownType("request", name);
      params = decodeValidated(
        this.options.codec,
        envelope,
        schema.input,
        PayloadRole.REQUEST_INPUT,
        name,
      );
    } catch (error) {
      this.sendError(id, reasonForInvalid(error as SockwireError));
      return;
    }
    const deadlineMs = envelope.deadlineMs;
    // A deadline of 0 has passed already: the requester is not waiting, so nothing runs and
    // nothing is answered (PROTOCOL.md section 3).
    if (deadlineMs === 0) return;
    const expiresAt = deadlineMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + deadlineMs;
    const request = new IncomingRequest(id, name, expiresAt);
    if (this.incoming === NO_ENTRIES) this.incoming = new Map();
    this.incoming.set(id, request);
    if (this.inFlightWork >= this.options.limits.maxInFlight) this.pauseInput();
    let result: unknown;
    try {
      result = this.hooks.request(name, params, request);
    } catch (error) {
      this.finishRequest(request, false, error);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (value) => this.finishRequest(request, true, value),
        (error: unknown) => this.finishRequest(request, false, error),
      );
    } else this.finishRequest(request, true, result);
  }

  private finishRequest(request: IncomingRequest, ok: boolean, outcome: unknown): void {
    this.incoming.delete(request.id);
    request.clear();
    if (this.finished) return;
    if (!request.expired) {
      if (ok) this.sendResponse(request, outcome);
      else {
        const { reason, internal } = reasonForThrown(outcome);
        if (internal) this.report(handlerFailed(`request ${request.name} handler`, outcome));
        this.sendError(request.id, reason);
      }
    }
    this.maybeResumeInput();
    this.maybeEnd();
  }

  private sendResponse(request: IncomingRequest, value: unknown): void {
    const schema = this.options.contract[this.remoteSide].requests.get(request.name);
    const { codec, validateOutbound } = this.options;
    let frame: Buffer | number;
    try {
      // The request was validated on arrival, so its schema is in the contract.
      const output = (schema as NonNullable<typeof schema>).output;
      const role = PayloadRole.RESPONSE;
      const wire = outboundValue(output, value, validateOutbound, role, request.name);
      frame = encodeInArena(Kind.RESPONSE, request.id, "", undefined, codec, output, wire);
      if (frame === ARENA_BUSY) {
        const payload = encodeWireValue(codec, output, wire);
        frame = encodeEnvelope({ kind: Kind.RESPONSE, id: request.id }, payload);
      }
    } catch (error) {
      this.report(handlerFailed(`request ${request.name} handler`, error));
      this.sendError(request.id, { code: WireCode.INTERNAL, message: "internal error" });
      return;
    }
    const bytes = typeof frame === "number" ? frame : frame.length;
    if (bytes - FRAME_PREFIX_BYTES > this.peerMaxFrameBytes) {
      if (typeof frame === "number") releaseArenaFrame();
      this.report(tooLargeForPeer(bytes - FRAME_PREFIX_BYTES, this.peerMaxFrameBytes));
      this.sendError(request.id, {
        code: WireCode.FRAME_TOO_LARGE,
        message: "response exceeds the requester's receive limit",
      });
      return;
    }
    if (typeof frame !== "number") this.sendRaw(frame);
    else if (this.mayQueueRaw(bytes)) void this.writer.commitFrame(bytes).catch(noop);
    else releaseArenaFrame();
  }

  private onResponse(envelope: Envelope): void {
    const name = this.pending.nameOf(envelope.id);
    if (name === undefined) {
      this.pending.resolve(envelope.id, undefined); // counts the late response
      return;
    }
    const schema = this.options.contract[this.side].requests.get(name);
    try {
      const { codec } = this.options;
      this.pending.resolve(
        envelope.id,
        schema
          ? decodeValidated(codec, envelope, schema.output, PayloadRole.RESPONSE, name)
          : decodePayload(codec, envelope, undefined),
      );
    } catch (error) {
      this.pending.reject(envelope.id, error);
    }
    this.maybeEnd();
  }

  private onErrorFrame(envelope: Envelope): void {
    const name = this.pending.nameOf(envelope.id) ?? "request";
    let reason: Reason;
    try {
      reason = decodeControl(reasonSchema, envelope.payload, "error");
    } catch (error) {
      this.pending.reject(envelope.id, error);
      this.maybeEnd();
      return;
    }
    this.pending.reject(envelope.id, remoteError(reason, `request ${name}`));
    this.maybeEnd();
  }

  private onConnectionError(envelope: Envelope): void {
    try {
      const reason = decodeControl(reasonSchema, envelope.payload, "error");
      const error = remoteError(reason, "connection");
      // The peer is about to close because of this error: make it the close reason, not the FIN.
      this.closeInfo ??= {
        code: reason.code,
        message: reason.message ?? "",
        initiator: "remote",
        error,
        reconnectAfterMs: undefined,
      };
      this.report(error);
    } catch (error) {
      this.report(error);
    }
  }

  private onGoaway(envelope: Envelope): void {
    let reason: Reason;
    try {
      reason = decodeControl(reasonSchema, envelope.payload, "goaway");
    } catch (error) {
      this.fail(error as SockwireError);
      return;
    }
    if (this.state !== "open") return;
    this.closeInfo = {
      code: reason.code,
      message: reason.message ?? "",
      initiator: "remote",
      error: undefined,
      reconnectAfterMs: reason.reconnectAfterMs,
    };
    this.goawayExchanged = true;
    this.hooks.goaway(reason);
    this.beginClosing();
  }

  private onPing(id: number): void {
    if (!this.liveness.pingReceived(Date.now())) {
      // Closed like a protocol error, not destroyed: the pongs already queued for the pings
      // that were allowed still reach the peer, followed by the reason (PROTOCOL.md 8.2).
      this.fail(
        new SockwireError(ErrorCode.CONNECTION_LOST, "the peer pinged too often"),
        WireCode.TOO_MANY_PINGS,
        ABUSE_LINGER_MS,
      );
      return;
    }
    this.sendRaw(encodeEnvelope({ kind: Kind.PONG, id }, undefined));
  }

  private onPong(id: number): void {
    const waiter = this.pingWaiters.get(id);
    if (!waiter) return;
    this.pingWaiters.delete(id);
    waiter.resolve(performance.now() - waiter.start);
  }

  // ── closing ────────────────────────────────────────────────────────────────────────────

  private onEnd(): void {
    // Input paused at maxInFlight may still hold complete frames in the decoder; they were sent
    // before the FIN and must be handled first. resumeInput() comes back here.
    if (this.inputPaused) {
      this.endDeferred = true;
      return;
    }
    this.peerEnded = true;
    const truncated = this.discarding ? undefined : this.decoder.end();
    const active = this.state === "handshake" || this.state === "open";
    if (truncated && active) {
      // A protocol error like any other (PROTOCOL.md 8.4): the peer may still read, so it is
      // told why before our FIN. The close is the peer's doing (it ended mid-frame).
      this.fail(truncated);
      if (this.closeInfo) this.closeInfo = { ...this.closeInfo, initiator: "remote" };
      return;
    }
    // Already closing (a goaway, a reject): the reason that started the close stands.
    this.closeInfo ??= {
      code: truncated ? WireCode.PROTOCOL_ERROR : WireCode.NORMAL,
      message: truncated ? truncated.message : "the peer closed the connection",
      initiator: "remote",
      error: truncated,
      reconnectAfterMs: undefined,
    };
    // The peer sends nothing more, so answers we still wait for will never come. A plain FIN has
    // no error of its own; say so in the cause, as finish() does, so callers always learn why.
    // Built only when a request is waiting: an error captures a stack, and most FINs find none.
    let cause: SockwireError | undefined;
    this.pending.rejectAll((name) => {
      cause ??=
        this.closeInfo?.error ??
        new SockwireError(
          ErrorCode.CONNECTION_CLOSED,
          `the peer closed the connection (${this.closeInfo?.code ?? WireCode.NORMAL})`,
        );
      return lost(name, cause);
    });
    if (this.state !== "closing") this.beginClosing();
    else this.maybeEnd();
  }

  private beginClosing(timeoutMs = this.options.limits.closeTimeoutMs): void {
    this.state = "closing";
    this.closeTimer ??= setTimeout(() => {
      const error = new SockwireError(
        ErrorCode.CONNECTION_CLOSED,
        "close timed out; socket destroyed",
      );
      // The reason stays (a goaway's code); the timeout becomes its error so the close reads as abnormal.
      if (this.closeInfo && this.closeInfo.error === undefined)
        this.closeInfo = { ...this.closeInfo, error };
      this.destroy(this.closeInfo?.code ?? WireCode.NORMAL, error);
    }, timeoutMs);
    this.maybeEnd();
  }

  /** Half-closes once nothing is in flight either way; everything queued is flushed first. */
  private maybeEnd(): void {
    if (this.state !== "closing" || this.endSent || this.finished) return;
    if (!this.discarding && (this.incoming.size > 0 || this.pending.size > 0)) return;
    // Marked before flushing and resuming, which can run this again (the peer's FIN held back by
    // paused input): the FIN goes out once. A client still waiting for the server's FIN flushes
    // and keeps reading, so it sees that FIN.
    const finNow = !this.leavesFirstFinToServer();
    if (finNow) this.endSent = true;
    this.writer.flush();
    if (this.inputPaused) this.resumeInput();
    if (finNow) this.socket.end();
  }

  /**
   * In a graceful close (a goaway sent or received) the client sends its FIN only after the
   * server's. The side that closes first keeps the connection's TIME_WAIT state for a minute or
   * more: on the server that costs nothing further (its port is the listening port), on the
   * client each one holds an ephemeral port, and a host that opens and closes connections
   * quickly runs out of them. The server ends as soon as its work is done, and the close timer
   * bounds the wait if it never does.
   */
  private leavesFirstFinToServer(): boolean {
    return this.side === "client" && this.goawayExchanged && !this.peerEnded && !this.discarding;
  }

  /**
   * Fatal protocol error: tell the peer why (error frame, id 0), stop interpreting input, and
   * close gracefully so that frame is not lost to an RST.
   */
  private fail(error: SockwireError, code = wireCodeOf(error), lingerMs?: number): void {
    if (this.finished || this.discarding) return;
    this.discarding = true;
    this.closeInfo = {
      code,
      message: error.message,
      initiator: "local",
      error,
      reconnectAfterMs: undefined,
    };
    this.sendRaw(
      encodeEnvelope({ kind: Kind.ERROR }, encodeControl({ code, message: clip(error.message) })),
    );
    for (const request of this.incoming.values())
      request.abandon({ code, message: "connection failed" });
    this.pending.rejectAll((name) => lost(name, error));
    if (this.state !== "closing") this.beginClosing(lingerMs);
    else this.maybeEnd();
  }

  private onSocketError(error: Error): void {
    if (this.finished) return;
    this.closeInfo ??= {
      code: WireCode.SOCKET_ERROR,
      message: error.message,
      initiator: "remote",
      error: new SockwireError(ErrorCode.SOCKET_ERROR, `socket error: ${error.message}`, {
        cause: error,
      }),
      reconnectAfterMs: undefined,
    };
  }

  private onSocketClose(): void {
    this.finish(this.endSent && this.closeInfo?.error === undefined);
  }

  private finish(graceful: boolean): void {
    if (this.finished) return;
    this.finished = true;
    this.state = "closed";
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.options.ticker.delete(this);
    const info: CloseInfo = {
      ...(this.closeInfo ?? {
        code: WireCode.NORMAL,
        message: "",
        initiator: "remote",
        error: undefined,
        reconnectAfterMs: undefined,
      }),
      graceful,
    };
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
    for (const request of this.incoming.values())
      request.abandon({ code: info.code, message: "the connection ended" });
    this.incoming.clear();
    for (const waiter of this.pingWaiters.values()) waiter.resolve(Number.NaN);
    this.pingWaiters.clear();
    this.hooks.closed(info);
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────

  /** Checks a user frame of `bytes` against the peer's receive limit and our hard cap. */
  private admit(bytes: number): SockwireError | undefined {
    const bodyBytes = bytes - FRAME_PREFIX_BYTES;
    if (bodyBytes > this.peerMaxFrameBytes)
      return tooLargeForPeer(bodyBytes, this.peerMaxFrameBytes);
    if (!this.writer.wouldOverflow(bytes)) return undefined;
    const full = new SockwireError(
      ErrorCode.OUTBOUND_BUFFER_FULL,
      "the outbound queue is over its hard cap",
      {
        details: {
          bufferedBytes: this.writer.bufferedAmount,
          hardBytes: this.options.limits.sendHardBytes,
        },
      },
    );
    if (this.options.overflow === "close")
      this.destroy(WireCode.SLOW_CONSUMER, slowConsumer("the outbound queue passed its hard cap"));
    return full;
  }

  /** Queues a protocol-generated frame (responses, pongs, goaway); a full queue closes as slow consumer. */
  private sendRaw(frame: Buffer): void {
    if (this.mayQueueRaw(frame.length)) this.writer.enqueue(frame).catch(noop);
  }

  /** Whether a protocol-generated frame of `bytes` may be queued; over the hard cap it may close. */
  private mayQueueRaw(bytes: number): boolean {
    if (this.finished || this.endSent) return false;
    if (this.writer.wouldOverflow(bytes) && this.options.overflow === "close") {
      this.destroy(WireCode.SLOW_CONSUMER, slowConsumer("the outbound queue passed its hard cap"));
      return false;
    }
    return true;
  }

  private sendError(id: number, reason: Reason): void {
    this.sendRaw(encodeEnvelope({ kind: Kind.ERROR, id }, encodeControl(reason)));
  }

  private sendCancel(id: number): void {
    if (this.state === "open" || this.state === "closing")
      this.sendRaw(encodeEnvelope({ kind: Kind.CANCEL, id }, undefined));
    this.maybeEnd();
  }

  private pauseInput(): void {
    this.inputPaused = true;
    this.liveness.pause();
    this.socket.pause();
  }

  private resumeInput(): void {
    this.inputPaused = false;
    this.liveness.resume(Date.now());
    this.socket.resume();
    this.drain();
    if (this.endDeferred && !this.inputPaused) {
      this.endDeferred = false;
      this.onEnd();
    }
  }

  /** Work the peer has started here: requests being handled plus async event handlers. */
  private get inFlightWork(): number {
    return this.incoming.size + this.pendingEventHandlers;
  }

  private maybeResumeInput(): void {
    if (this.inputPaused && this.inFlightWork < this.options.limits.maxInFlight) this.resumeInput();
  }

  private eventHandlerSettled(): void {
    this.pendingEventHandlers--;
    if (!this.finished) this.maybeResumeInput();
  }

  private report(error: unknown): void {
    this.hooks.error(isSockwireError(error) ? error : handlerFailed("a handler", error));
  }
}
