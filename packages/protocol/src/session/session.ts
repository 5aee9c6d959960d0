import { type Envelope, encodeEnvelope } from "../envelope/envelope.js";
import { Kind } from "../envelope/kinds.js";
import { handlerFailed } from "../errors/handler-failed.js";
import { isSockwireError, type SockwireError } from "../errors/sockwire-error.js";
import { WireCode } from "../errors/wire-codes.js";
import type { Reason } from "../handshake/handshake.js";
import { encodeControl } from "../message/control.js";
import { type MessageCodec, messageCodecFor } from "../message/message-codec.js";
import type { OutgoingFrame } from "../message/outgoing-frame.js";
import { type ContractTerms, disabledRefusal, messageKey } from "../negotiation/contract-terms.js";
import { noop, rejected } from "./deferred.js";
import { InboundReader, type InboundSink } from "./inbound-reader.js";
import { type IncomingHost, IncomingRequests, type RequestContext } from "./incoming-requests.js";
import { type HeartbeatSettings, Liveness } from "./liveness.js";
import { PingWaiters } from "./ping-waiters.js";
import { type AckHost, type ResumeLimits, ResumeState } from "./resume-state.js";
import { type CloserHost, SessionCloser } from "./session-closer.js";
import { type DispatchTarget, dispatchInbound } from "./session-dispatch.js";
import { notConnected, notResumable, replayFull, slowConsumer } from "./session-errors.js";
import { canReplayFrom, detachLink, replayFrom, takeLink } from "./session-link.js";
import { onTick } from "./session-liveness.js";
import { type OutputHost, SessionOutput } from "./session-output.js";
import { listenTo } from "./session-socket.js";
import type {
  CloseInfo,
  SessionHooks,
  SessionOptions,
  SessionState,
  SessionStats,
} from "./session-types.js";
import type { SocketLike } from "./socket-like.js";
import type { Tickable } from "./ticker.js";

export type {
  CloseInfo,
  SessionHooks,
  SessionLimits,
  SessionOptions,
  SessionState,
  SessionStats,
} from "./session-types.js";

// Longer than the ~300 lines a file here aims at, on purpose: this is the facade, the owners' whole
// API (each method a few lines) plus the one-line answers its parts ask of it. What happens
// lives in the parts, each a file of its own (see the class comment).

/** The heartbeat before the handshake settles one: none. Shared, never mutated. */
const NO_HEARTBEAT: HeartbeatSettings = Object.freeze({ intervalMs: 0, timeoutMs: 0 });

/**
 * One framed, typed conversation over a socket, shared by the server's connections and the
 * client. It wires the parts together, each with one job, and answers for them to the owner:
 *
 * ```
 *  socket ─► InboundReader ─► dispatchInbound ─┬─► IncomingRequests ─► hooks.request / event
 *            (frames, pause)   (by kind)        ├─► pending answers, pongs, goaway, errors
 *                                               └─► hooks.handshake (before open)
 *  owner ─► emit / request ─► MessageCodec ─► SessionOutput ─► OutboundWriter ─► socket
 *                             (shared)        (limits, pending)  (batches)
 *  Liveness + PingWaiters: heartbeat, strikes, round trips    SessionCloser: the close sequence
 * ```
 *
 * The owner supplies the handshake and what happens to validated messages ({@link SessionHooks}).
 * Members marked internal are the parts' view of their session, not for owners.
 */
export class Session
  implements Tickable, InboundSink, IncomingHost, DispatchTarget, OutputHost, CloserHost, AckHost
{
  state: SessionState = "handshake";
  /** @internal The shared message codec (contract, side, payload codec, validation). */
  readonly messages: MessageCodec;
  /** @internal The receive side of the current link. */
  reader: InboundReader;
  /** @internal The send side, and our requests awaiting answers. */
  readonly output: SessionOutput;
  /** @internal The peer's work in flight here: its requests and async event handlers. */
  readonly incoming: IncomingRequests;
  /** @internal Heartbeat and ping-strike bookkeeping. */
  readonly liveness: Liveness;
  /** @internal The close sequence. */
  readonly closer: SessionCloser;
  /** Created on the first `ping()`: most connections never measure a round trip. */
  private pings: PingWaiters | undefined;
  /** Set when the peer's contract differs: the messages disabled on this connection. */
  terms: ContractTerms | undefined;
  /** @internal Set when both peers agreed to resume this session after a lost link. */
  resume: ResumeState | undefined;

  constructor(
    readonly options: SessionOptions,
    /** The current link's socket (a resumed session moves to another). */
    public socket: SocketLike,
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
    this.liveness = new Liveness(
      NO_HEARTBEAT,
      limits.frameTimeoutMs,
      limits.maxPingStrikes,
      Date.now(),
    );
    this.reader = new InboundReader(limits, socket, this.liveness, this);
    this.output = new SessionOutput(socket, limits, this.messages, options.overflow, this);
    this.incoming = new IncomingRequests(this);
    this.closer = new SessionCloser(this);
    socket.setNoDelay?.(true);
    listenTo(socket, this);
    options.ticker.add(this);
  }

  // ── public surface for owners ───────────────────────────────────────────────────────────

  /**
   * Ends the handshake: from now on events and requests flow. `terms`, when the peer's contract
   * differs, disable the messages it cannot read (PROTOCOL.md 8.1); `resume`, when both peers
   * agreed to resume the session after a lost link, bounds its replay log (8.6).
   */
  open(
    peerMaxFrameBytes: number,
    heartbeat: HeartbeatSettings,
    extras: { terms?: ContractTerms | undefined; resume?: ResumeLimits | undefined } = {},
  ): void {
    if (this.state !== "handshake") return;
    this.state = "open";
    this.terms = extras.terms;
    if (extras.resume !== undefined) {
      this.resume = new ResumeState(extras.resume);
      this.output.log = this.resume.log;
      this.output.writer.log = this.resume.log;
    }
    this.output.peerMaxFrameBytes = peerMaxFrameBytes;
    this.liveness.setHeartbeat(heartbeat);
    this.liveness.received(Date.now());
    if (heartbeat.intervalMs > 0)
      this.options.ticker.atMost(
        Math.min(heartbeat.intervalMs, heartbeat.timeoutMs || heartbeat.intervalMs) / 5,
      );
  }

  /** The receive limit the peer announced (what we may send in one frame). */
  get peerFrameLimit(): number {
    return this.output.peerMaxFrameBytes;
  }

  /** True once the session has ended. */
  get finished(): boolean {
    return this.closer.finished;
  }

  /** Sends a control frame (hello, welcome, reject) during the handshake. */
  sendControl(kind: Kind, payload: unknown): void {
    this.sendHandshakeFrame(encodeEnvelope({ kind }, encodeControl(payload)));
  }

  /** Sends a frame the owner encoded for the handshake (a `contract` frame). */
  sendHandshakeFrame(frame: Buffer): void {
    void this.output.writer.enqueue(frame).catch(noop);
  }

  /** Bytes accepted for sending and not yet passed to the kernel. */
  get bufferedAmount(): number {
    return this.output.writer.bufferedAmount;
  }

  /** False above the soft mark of the outbound queue. */
  get hasRoom(): boolean {
    return this.output.writer.hasRoom;
  }

  /** Resolves when the outbound queue is below its soft mark. */
  waitForRoom(): Promise<void> {
    return this.output.writer.waitForRoom();
  }

  /**
   * Sends an event; resolves when it is handed to the socket. The frame is encoded straight into
   * the frame arena and joins this tick's batch without a buffer of its own.
   */
  emit(name: string, data: unknown): Promise<void> {
    const refused = this.terms && this.refused("events", name);
    if (refused) return refused;
    let frame: OutgoingFrame;
    try {
      frame = this.messages.event(name, data);
    } catch (error) {
      return rejected(error);
    }
    return this.output.submit(frame);
  }

  /** Queues an already-encoded frame (a broadcast shares one buffer between sessions). */
  sendFrame(frame: Buffer): Promise<void> {
    return this.output.submit(frame);
  }

  /** Sends a request and resolves with the validated response. */
  request(
    name: string,
    input: unknown,
    options: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<unknown> {
    const refused = this.terms && this.refused("requests", name);
    if (refused) return refused;
    const timeoutMs = options.timeoutMs ?? this.options.limits.requestTimeoutMs;
    return this.output.request(name, input, timeoutMs, options.signal);
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
    const refused = this.terms && this.refused("requests", name);
    if (refused) return refused;
    return this.output.requestFrame(name, frame, options.timeoutMs, options.signal);
  }

  /**
   * Whether this side's message `name` may be sent on this connection: false when the peer's
   * contract (another version) cannot read it. A broadcast skips such connections.
   */
  canSend(table: "events" | "requests", name: string): boolean {
    const terms = this.terms;
    return terms === undefined || !terms.verdicts.has(messageKey(this.options.side, table, name));
  }

  /** A rejected promise (`ERR_MESSAGE_DISABLED`) when the terms disable the message. */
  private refused(table: "events" | "requests", name: string): Promise<never> | undefined {
    const terms = this.terms as ContractTerms;
    const refusal = disabledRefusal(terms, messageKey(this.options.side, table, name));
    return refusal && rejected(refusal);
  }

  /**
   * Resolves once the peer has acknowledged every message sent so far (events, requests,
   * answers): it has them, and handled the events. Only a resumable session has
   * acknowledgements; without, it rejects with `ERR_NOT_RESUMABLE`. Rejects with the close's
   * error if the session ends first.
   */
  delivered(): Promise<void> {
    const resume = this.resume;
    if (resume === undefined) return rejected(notResumable());
    // Ended: what is unacknowledged now never will be (the waiters of before were told so).
    if (this.finished) return rejected(notConnected("closed"));
    return resume.delivered();
  }

  /**
   * Takes over `donor`'s link (a new connection whose hello or welcome resumed this session),
   * with the limits and heartbeat of that handshake. The owner then sends its handshake answer,
   * if any, and calls {@link replayFrom}.
   */
  takeOver(donor: Session, peerMaxFrameBytes: number, heartbeat: HeartbeatSettings): void {
    takeLink(this, donor, peerMaxFrameBytes, heartbeat);
  }

  /** Drops a link that still looks alive, because the session resumes on another. */
  dropLink(): void {
    this.closer.linkReplaced();
  }

  /** Whether what the peer lacks, having received `wireCount` of our frames, can be sent again. */
  canResumeFrom(wireCount: number): boolean {
    return canReplayFrom(this, wireCount);
  }

  /** Sends again what the peer lacks, having received `wireCount` of our sequenced frames. */
  replayFrom(wireCount: number): boolean {
    return replayFrom(this, wireCount);
  }

  /** Measures a round trip with a ping; resolves with milliseconds (NaN if the connection ends). */
  ping(timeoutMs = 5000): Promise<number> {
    if (this.state !== "open") return rejected(notConnected(this.state));
    this.pings ??= new PingWaiters();
    const { id, rtt } = this.pings.start(timeoutMs);
    this.output.sendRaw(encodeEnvelope({ kind: Kind.PING, id }, undefined));
    return rtt;
  }

  /**
   * Graceful close: goaway, let in-flight requests finish both ways, flush everything accepted,
   * half-close (FIN; a client waits for the server's first), keep reading until the peer's FIN,
   * then close. After `closeTimeoutMs` the socket is destroyed instead.
   */
  close(code: string = WireCode.NORMAL, message = "", reconnectAfterMs?: number): void {
    if (!this.closer.active) return;
    if (this.state === "detached") {
      // No link to say goodbye on: the session ends here, and what waited for the peer fails.
      this.closer.destroy(code, undefined);
      return;
    }
    const wasOpen = this.state === "open";
    this.closer.reasons.record(code, message, "local", undefined);
    if (wasOpen) {
      const reason: Reason = {
        code,
        ...(message ? { message } : {}),
        ...(reconnectAfterMs !== undefined ? { reconnectAfterMs } : {}),
      };
      this.output.sendRaw(encodeEnvelope({ kind: Kind.GOAWAY }, encodeControl(reason)));
    }
    this.closer.begin(wasOpen);
  }

  /** Sends a final control frame (reject) and closes without goaway. */
  closeWith(kind: Kind, payload: Reason, error?: SockwireError): void {
    const frame = encodeEnvelope({ kind }, encodeControl(payload));
    this.closeAfter(frame, payload.code, payload.message ?? "", error);
  }

  /** Sends a final frame the owner encoded (a reflection answer) and closes without goaway. */
  closeAfter(frame: Buffer, code: string, message = "", error?: SockwireError): void {
    if (!this.closer.active) return;
    this.closer.reasons.record(code, message, "local", error);
    this.output.sendRaw(frame);
    this.closer.begin(false);
  }

  /** Immediate close: pending output is dropped (lossy by design). */
  destroy(code: string = WireCode.NORMAL, error?: SockwireError): void {
    this.closer.destroy(code, error);
  }

  /** Counters for `stats()`. */
  stats(): SessionStats {
    const output = this.output;
    const writer = output.writer;
    return {
      messagesIn: this.reader.messagesIn,
      messagesOut: writer.framesWritten,
      bytesIn: this.reader.bytesIn,
      bytesOut: writer.bytesWritten,
      bufferedBytes: writer.bufferedAmount,
      retainedChunks: this.reader.decoder.retainedChunks,
      inFlightIn: this.incoming.size,
      inFlightOut: output.inFlight,
      lateResponses: output.lateResponses,
    };
  }

  /** Periodic check from the shared ticker: heartbeat and frame deadline (session-liveness.ts). */
  tick(now: number): void {
    if (!this.finished && this.state !== "detached") onTick(this, now);
  }

  // ── for the parts (InboundSink, DispatchTarget, IncomingHost, OutputHost, CloserHost) ─────

  /** @internal One received frame: routed by kind (session-dispatch.ts). */
  dispatch(envelope: Envelope): void {
    dispatchInbound(this, envelope);
  }

  /** @internal The input broke the frame or envelope format. */
  broken(error: SockwireError): void {
    this.closer.fail(error);
  }

  /** @internal The peer's FIN, after every frame before it. */
  ended(truncated: SockwireError | undefined): void {
    this.closer.peerEnded(truncated);
  }

  /** @internal The peer's goaway: the graceful close begins on our side too. */
  goawayReceived(reason: Reason): void {
    if (this.state !== "open") return;
    this.closer.reasons.record(reason.code, reason.message ?? "", "remote", undefined, {
      replace: true,
      reconnectAfterMs: reason.reconnectAfterMs,
    });
    this.hooks.goaway(reason);
    this.closer.begin(true);
  }

  /** @internal The peer's error with id 0: it is about to close for that reason. */
  connectionErrorReceived(error: SockwireError, reason: Reason): void {
    // Its reason becomes the close reason, not the FIN that follows.
    this.closer.reasons.record(reason.code, reason.message ?? "", "remote", error);
    this.report(error);
  }

  /** @internal */
  runEventHandlers(name: string, data: unknown): unknown {
    return this.hooks.event(name, data);
  }

  /** @internal */
  runHandler(name: string, params: unknown, context: RequestContext): unknown {
    return this.hooks.request(name, params, context);
  }

  /** @internal Work in flight changed: pause or resume reading, and end if closing. */
  workChanged(): void {
    if (this.finished) return;
    if (this.incoming.inFlight >= this.options.limits.maxInFlight) this.reader.pause();
    else this.reader.resume();
    this.closer.maybeEnd();
  }

  /** @internal A non-fatal problem, for the owner's error hook. */
  report(error: unknown): void {
    this.hooks.error(isSockwireError(error) ? error : handlerFailed("a handler", error));
  }

  /** @internal A chunk's frames were dispatched: a resumable session acknowledges them. */
  afterRead(): void {
    const resume = this.resume;
    if (resume !== undefined) resume.afterRead(this);
  }

  /** @internal Our FIN is next: a resumable session acknowledges all it read first. */
  finalAck(): void {
    this.resume?.finalAck(this);
  }

  /** @internal Sequenced frames the peer has not acknowledged (0 when sessions do not resume). */
  get unacknowledged(): number {
    return this.resume?.unacknowledged ?? 0;
  }

  /** @internal */
  sendAck(frame: Buffer): void {
    this.output.sendRaw(frame);
  }

  /**
   * @internal Whether a lost link detaches the session instead of ending it. A replay log that
   * overflowed still detaches: the peer may have received what was dropped (its acks had not
   * come back), which the resume's count will tell.
   */
  get detachable(): boolean {
    return this.state === "open" && this.resume !== undefined;
  }

  /** @internal The link is lost; the session waits for another (session-link.ts). */
  linkLost(info: CloseInfo): void {
    detachLink(this, info);
  }

  /** @internal */
  clearPings(): void {
    this.pings?.clear();
    this.pings = undefined;
  }

  /** @internal This session's link went to the session it resumed: it ends without a word. */
  handedOver(): void {
    this.state = "closed";
    this.options.ticker.delete(this);
  }

  /** @internal While detached, a frame was kept for replay: the owner's bounds may apply. */
  replayGrew(): void {
    this.hooks.replayGrew?.();
  }

  /** @internal While detached, the replay log passed its limits: the session cannot resume. */
  replayOverflowed(): void {
    this.destroy(WireCode.SESSION_EXPIRED, replayFull());
  }

  /** @internal A pong arrived. */
  pongReceived(id: number): void {
    this.pings?.pong(id);
  }

  /** @internal */
  settled(): void {
    this.closer.maybeEnd();
  }

  /** @internal */
  get outputEnded(): boolean {
    return this.closer.outputEnded;
  }

  /** @internal The outbound queue passed its hard cap (server policy): a slow consumer. */
  overflowed(): void {
    this.destroy(WireCode.SLOW_CONSUMER, slowConsumer("the outbound queue passed its hard cap"));
  }

  /** @internal The peer stopped reading past the write deadline: a slow consumer. */
  writeStalled(): void {
    this.destroy(WireCode.SLOW_CONSUMER, slowConsumer("the peer stopped reading past deadline"));
  }

  /** @internal */
  closingStarted(): void {
    this.state = "closing";
  }

  /** @internal The session has ended. */
  closed(info: CloseInfo): void {
    this.state = "closed";
    this.options.ticker.delete(this);
    this.pings?.clear();
    this.resume?.ended(info.error ?? notConnected("closed"));
    this.hooks.closed(info);
  }
}
