import type { Envelope } from "../envelope/envelope.js";
import { handlerFailed } from "../errors/handler-failed.js";
import { isSockwireError, type SockwireError } from "../errors/sockwire-error.js";
import { WireCode } from "../errors/wire-codes.js";
import type { Reason } from "../handshake/handshake.js";
import { type MessageCodec, messageCodecFor } from "../message/message-codec.js";
import type { OutgoingFrame } from "../message/outgoing-frame.js";
import type { ContractTerms } from "../negotiation/contract-terms.js";
import { InboundReader, type InboundSink } from "./inbound-reader.js";
import { type IncomingHost, IncomingRequests, type RequestContext } from "./incoming-requests.js";
import { type HeartbeatSettings, Liveness } from "./liveness.js";
import type { PingWaiters } from "./ping-waiters.js";
import type { AckHost, ResumeState } from "./resume-state.js";
import { type CloserHost, SessionCloser } from "./session-closer.js";
import { type DispatchTarget, dispatchInbound } from "./session-dispatch.js";
import { notConnected, replayFull, slowConsumer } from "./session-errors.js";
import { detachLink } from "./session-link.js";
import { onTick } from "./session-liveness.js";
import { type OutputHost, SessionOutput } from "./session-output.js";
import { listenTo } from "./session-socket.js";
import {
  type CloseInfo,
  type SessionHooks,
  type SessionOptions,
  type SessionState,
  STREAM_DEFAULTS,
  type StreamContext,
  type StreamHandlerResult,
} from "./session-types.js";
import type { SocketLike } from "./socket-like.js";
import type { StreamLimits } from "./streams/stream-host.js";
import { StreamTable, type StreamTableHost } from "./streams/stream-table.js";
import type { Tickable } from "./ticker.js";

/** The heartbeat before the handshake settles one: none. Shared, never mutated. */
const NO_HEARTBEAT: HeartbeatSettings = Object.freeze({ intervalMs: 0, timeoutMs: 0 });

/**
 * A session as its parts see it: it makes and holds the parts, and answers what they ask of it
 * (the host interfaces they declare: {@link InboundSink}, {@link DispatchTarget},
 * {@link IncomingHost}, {@link OutputHost}, {@link CloserHost}, {@link AckHost}, the ticker's
 * {@link Tickable}). Each answer is a line or two; what happens lives in the parts.
 *
 * `Session` (session.ts) extends it with the owners' API. A base class rather than a part of
 * its own, so that the parts keep reaching their session through `this`: no extra object or
 * closure per connection, and the methods stay on the prototype. Members marked internal are for
 * the parts, not for owners.
 */
export class SessionHost
  implements
    Tickable,
    InboundSink,
    IncomingHost,
    DispatchTarget,
    OutputHost,
    CloserHost,
    AckHost,
    StreamTableHost
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
  protected pings: PingWaiters | undefined;
  /** Set when the peer's contract differs: the messages disabled on this connection. */
  terms: ContractTerms | undefined;
  /** @internal Set when both peers agreed to resume this session after a lost link. */
  resume: ResumeState | undefined;
  /** @internal Both peers speak a protocol with streams (1.2 or later). */
  streamsAgreed = false;
  /** Made on the first stream either way: most connections never open one. */
  private streamTable: StreamTable | undefined;
  private streamTimer: NodeJS.Timeout | undefined;
  /** Stream producers running (their loops between start and end). */
  private producers = 0;

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

  /** True once the session has ended. */
  get finished(): boolean {
    return this.closer.finished;
  }

  /** False above the soft mark of the outbound queue. */
  get hasRoom(): boolean {
    return this.output.writer.hasRoom;
  }

  /** Resolves when the outbound queue is below its soft mark. */
  waitForRoom(): Promise<void> {
    return this.output.writer.waitForRoom();
  }

  // ── streams (streams/stream-table.ts) ──────────────────────────────────────────────────

  /** @internal The session's streams, made on first use. */
  get streams(): StreamTable {
    this.streamTable ??= new StreamTable(this);
    return this.streamTable;
  }

  /** @internal Streams open either way (0 without making the table). */
  get openStreams(): number {
    return this.streamTable?.size ?? 0;
  }

  /** @internal The stream limits, with their defaults. */
  get streamLimits(): StreamLimits {
    const limits = this.options.limits;
    return {
      streamWindow: limits.streamWindow ?? STREAM_DEFAULTS.streamWindow,
      streamBufferBytes: limits.streamBufferBytes ?? STREAM_DEFAULTS.streamBufferBytes,
      maxStreams: limits.maxStreams ?? STREAM_DEFAULTS.maxStreams,
    };
  }

  /** @internal A stream frame from the peer. */
  streamFrame(envelope: Envelope): void {
    this.streams.received(envelope);
  }

  /** @internal A stream's frame: sent as answers are, so while closing too; kept while detached. */
  sendStreamFrame(frame: OutgoingFrame): SockwireError | undefined {
    return this.output.respond(frame);
  }

  /** @internal */
  runStreamHandler(
    name: string,
    input: unknown,
    context: StreamContext,
  ): StreamHandlerResult | undefined {
    return this.hooks.stream?.(name, input, context);
  }

  /** @internal A stream's producer started (1) or stopped (-1). */
  streamProducing(delta: 1 | -1): void {
    this.producers += delta;
  }

  /** @internal True while a stream's producer runs: the writer batches per macrotask. */
  get producing(): boolean {
    return this.producers > 0;
  }

  /** @internal A fatal protocol error found by a part. */
  protocolError(error: SockwireError): void {
    this.closer.fail(error);
  }

  /**
   * @internal A graceful close began, to be done within `timeoutMs`: open streams get half of it
   * to end, then are cancelled with `GOING_AWAY` so the FIN can follow within the rest
   * (PROTOCOL.md 8.7).
   */
  private startStreamDeadline(timeoutMs: number): void {
    if (this.openStreams === 0) return;
    this.streamTimer = setTimeout(() => {
      this.streamTimer = undefined;
      this.streamTable?.goingAway();
    }, timeoutMs / 2);
  }

  /** @internal The session ended (or failed): every open stream fails with `cause`. */
  endStreams(cause: SockwireError): void {
    if (this.streamTimer !== undefined) clearTimeout(this.streamTimer);
    this.streamTimer = undefined;
    if (this.openStreams > 0) this.streamTable?.endAll(cause);
  }

  /** Periodic check from the shared ticker: heartbeat and frame deadline (session-liveness.ts). */
  tick(now: number): void {
    if (!this.finished && this.state !== "detached") onTick(this, now);
  }

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
  /** @internal While detached, the replay log passed its limits: the session cannot resume. */
  replayOverflowed(): void {
    this.closer.destroy(WireCode.SESSION_EXPIRED, replayFull());
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
    this.closer.destroy(
      WireCode.SLOW_CONSUMER,
      slowConsumer("the outbound queue passed its hard cap"),
    );
  }

  /** @internal The peer stopped reading past the write deadline: a slow consumer. */
  writeStalled(): void {
    this.closer.destroy(
      WireCode.SLOW_CONSUMER,
      slowConsumer("the peer stopped reading past deadline"),
    );
  }

  /** @internal */
  closingStarted(timeoutMs: number): void {
    this.state = "closing";
    this.startStreamDeadline(timeoutMs);
  }

  /** @internal The session has ended. */
  closed(info: CloseInfo): void {
    this.state = "closed";
    this.options.ticker.delete(this);
    this.pings?.clear();
    this.resume?.ended(info.error ?? notConnected("closed"));
    this.endStreams(info.error ?? notConnected("closed"));
    this.hooks.closed(info);
  }
}
