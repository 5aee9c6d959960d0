import { MAX_TIMER_MS } from "../constants.js";
import type { DirectionTable } from "../contract/canonical/node-types.js";
import { encodeEnvelope } from "../envelope/envelope.js";
import { Kind } from "../envelope/kinds.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { WireCode } from "../errors/wire-codes.js";
import type { Reason } from "../handshake/handshake.js";
import { encodeControl } from "../message/control.js";
import type { OutgoingFrame } from "../message/outgoing-frame.js";
import { type ContractTerms, disabledRefusal, messageKey } from "../negotiation/contract-terms.js";
import { noop, rejected } from "./deferred.js";
import type { HeartbeatSettings } from "./liveness.js";
import { PingWaiters } from "./ping-waiters.js";
import { type ResumeLimits, ResumeState } from "./resume-state.js";
import { notConnected, notResumable } from "./session-errors.js";
import { SessionHost } from "./session-host.js";
import { canReplayFrom, replayFrom, takeLink } from "./session-link.js";
import type { SessionStats } from "./session-types.js";
import type { OpenedStream, OpenStreamOptions } from "./streams/opened-stream.js";
import { streamCancelled, streamsUnsupported } from "./streams/stream-errors.js";

export type {
  CloseInfo,
  SessionHooks,
  SessionLimits,
  SessionOptions,
  SessionState,
  SessionStats,
} from "./session-types.js";

// The facade: the owners' whole API, each method a few lines. The parts, each a file of its own
// (see the class comment), are made and answered by SessionHost, the base class.

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
 * The parts are made, held and answered by {@link SessionHost}; members marked internal there
 * are the parts' view of their session, not for owners.
 */
export class Session extends SessionHost {
  /**
   * Ends the handshake: from now on events and requests flow. `terms`, when the peer's contract
   * differs, disable the messages it cannot read (PROTOCOL.md 8.1); `resume`, when both peers
   * agreed to resume the session after a lost link, bounds its replay log (8.6).
   */
  open(
    peerMaxFrameBytes: number,
    heartbeat: HeartbeatSettings,
    extras: {
      terms?: ContractTerms | undefined;
      resume?: ResumeLimits | undefined;
      /** Both peers speak protocol 1.2 or later: streams may be opened (PROTOCOL.md 8.7). */
      streams?: boolean | undefined;
    } = {},
  ): void {
    if (this.state !== "handshake") return;
    this.state = "open";
    this.terms = extras.terms;
    this.streamsAgreed = extras.streams === true;
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

  /**
   * Opens this side's stream `name` with `input` (PROTOCOL.md 8.7): read its items with
   * `for await`, its result from `result`. Ending the loop early, `cancel()`, the signal or the
   * deadline cancel it on both sides.
   *
   * @throws `ERR_NOT_CONNECTED`, `ERR_STREAMS_UNSUPPORTED` (the peer speaks a protocol without
   * streams), `ERR_MESSAGE_DISABLED`, `ERR_UNKNOWN_MESSAGE_TYPE`, `ERR_VALIDATION_FAILED`,
   * `ERR_REQUEST_CANCELLED` (the signal was already aborted), `ERR_PEER_FRAME_LIMIT`,
   * `ERR_INVALID_ARGUMENT` (a `timeoutMs` that is not an integer from 0 to 2^31 - 1).
   *
   * @example
   * ```ts
   * const tail = session.openStream("tail", { file: "app.log" }, { timeoutMs: 60_000 });
   * for await (const line of tail) console.log(line);
   * console.log(await tail.result);
   * ```
   */
  openStream(name: string, input: unknown, options: OpenStreamOptions = {}): OpenedStream {
    const state = this.state;
    if (state !== "open" && state !== "detached") throw notConnected(state);
    if (!this.streamsAgreed) throw streamsUnsupported(name);
    const refusal =
      this.terms && disabledRefusal(this.terms, messageKey(this.options.side, "streams", name));
    if (refusal) throw refusal;
    const timeoutMs = options.timeoutMs;
    if (
      timeoutMs !== undefined &&
      (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_TIMER_MS)
    ) {
      throw new SockwireError(
        ErrorCode.INVALID_ARGUMENT,
        `timeoutMs must be an integer from 0 to ${MAX_TIMER_MS}, got ${String(timeoutMs)}`,
      );
    }
    if (options.signal?.aborted) throw streamCancelled(name, options.signal.reason);
    return this.streams.open(name, input, options);
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
  canSend(table: DirectionTable, name: string): boolean {
    const terms = this.terms;
    return terms === undefined || !terms.verdicts.has(messageKey(this.options.side, table, name));
  }

  /** A rejected promise (`ERR_MESSAGE_DISABLED`) when the terms disable the message. */
  private refused(table: DirectionTable, name: string): Promise<never> | undefined {
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
   * then close. After `timeoutMs` (default `closeTimeoutMs`) the socket is destroyed instead;
   * open streams get half of it before they are cancelled `GOING_AWAY`.
   */
  close(
    code: string = WireCode.NORMAL,
    message = "",
    reconnectAfterMs?: number,
    timeoutMs = this.options.limits.closeTimeoutMs,
  ): void {
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
    this.closer.begin(wasOpen, timeoutMs);
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
}
