import { FRAME_PREFIX_BYTES } from "../constants.js";
import { encodeEnvelope, patchRequestFrame, wireDeadline } from "../envelope/envelope.js";
import { Kind } from "../envelope/kinds.js";
import type { SockwireError } from "../errors/sockwire-error.js";
import type { Reason } from "../handshake/handshake.js";
import { encodeControl } from "../message/control.js";
import { frameArena } from "../message/frame-arena.js";
import type { MessageCodec } from "../message/message-codec.js";
import { dropOutgoing, type OutgoingFrame, outgoingBytes } from "../message/outgoing-frame.js";
import { noop, rejected } from "./deferred.js";
import { OutboundWriter, type StallListener } from "./outbound-writer.js";
import { PendingRequests } from "./pending-requests.js";
import { isSequencedKind, type ReplayLog } from "./replay-log.js";
import { cancelled, lost, notConnected, outboundFull, tooLargeForPeer } from "./session-errors.js";
import type { SessionLimits, SessionState } from "./session-types.js";
import type { SocketLike } from "./socket-like.js";

/** What the output side needs to know of its session. */
export interface OutputHost extends StallListener {
  /** Where the session is: user messages go out only while it is open. */
  readonly state: SessionState;
  /** True once our FIN is out or the session ended: nothing more may be written. */
  readonly outputEnded: boolean;
  /** The outbound queue passed its hard cap under the `close` policy: close as slow consumer. */
  overflowed(): void;
  /** While detached, the replay log passed its limits: the session can no longer be resumed. */
  replayOverflowed(): void;
  /** While detached, a frame was kept for replay. */
  replayGrew(): void;
  /** Nothing more is in flight either way, perhaps: the session may end if it is closing. */
  settled(): void;
}

/**
 * The send side of a session: every frame on its way out passes here, so the limits apply in
 * one place. User messages (events, requests) are refused with a coded error when the session is
 * not open, when they are larger than the peer's receive limit (`ERR_PEER_FRAME_LIMIT`; the
 * connection stays up) or when they would pass the hard cap of the outbound queue
 * (`ERR_OUTBOUND_BUFFER_FULL`, and a server closes the connection as a slow consumer). Frames
 * the protocol itself owes the peer (answers, pongs, goaway, errors) are queued unless the
 * output has ended, and past the hard cap they close a server's connection the same way.
 * It also keeps the table of our requests awaiting answers.
 */
export class SessionOutput {
  /** The writer of the current link; a resumed session takes over its new link's writer. */
  writer: OutboundWriter;
  /** Set when the session is resumable: what was sent and not yet acknowledged. */
  log: ReplayLog | undefined = undefined;
  /** Made on the first request: most server connections never send one. */
  private requests: PendingRequests | undefined;
  /** The receive limit the peer announced (what we may send in one frame). */
  peerMaxFrameBytes: number;

  /** Requests we sent, awaiting answers (the table is made on first use). */
  get pending(): PendingRequests {
    this.requests ??= new PendingRequests();
    return this.requests;
  }

  /** How many of our requests await an answer, without making the table. */
  get inFlight(): number {
    return this.requests?.size ?? 0;
  }

  /** Answers that arrived after their request had given up. */
  get lateResponses(): number {
    return this.requests?.lateResponses ?? 0;
  }

  /** Fails every request awaiting an answer with the error `make` builds for it. */
  rejectPending(make: (name: string) => unknown): void {
    this.requests?.rejectAll(make);
  }

  constructor(
    socket: SocketLike,
    private readonly limits: SessionLimits,
    private readonly messages: MessageCodec,
    /** What passing the hard cap does: close the connection (server) or refuse the send (client). */
    private readonly overflow: "close" | "reject",
    private readonly host: OutputHost,
  ) {
    this.peerMaxFrameBytes = limits.maxFrameBytes;
    this.writer = new OutboundWriter(socket, limits, host);
  }

  /**
   * Queues a user frame after the checks: open, the peer's receive limit, the hard cap. While
   * the session is detached (resumable, between links) the frame is kept for replay instead.
   */
  submit(frame: OutgoingFrame): Promise<void> {
    const state = this.host.state;
    if (state === "detached") return this.keep(frame);
    const refusal = state !== "open" ? notConnected(state) : this.admit(outgoingBytes(frame));
    if (refusal === undefined) return this.writer.send(frame);
    dropOutgoing(frame);
    return rejected(refusal);
  }

  /**
   * Keeps a sequenced frame for replay while detached: copied out of the arena (a detached
   * session pins no shared buffer) and appended to the log. Resolves at once: the frame is
   * stored; `delivered()` says when the peer has it.
   */
  private keep(frame: OutgoingFrame): Promise<void> {
    const log = this.log as ReplayLog;
    const bytes = outgoingBytes(frame);
    if (bytes - FRAME_PREFIX_BYTES > this.peerMaxFrameBytes) {
      dropOutgoing(frame);
      return rejected(tooLargeForPeer(bytes - FRAME_PREFIX_BYTES, this.peerMaxFrameBytes));
    }
    // A copy: the frame may be a view of a shared buffer (the arena, a broadcast) it would pin.
    log.append([Buffer.from(typeof frame === "number" ? frameArena.take(frame) : frame)]);
    if (log.overflowed) this.host.replayOverflowed();
    else this.host.replayGrew();
    return Promise.resolve();
  }

  /** Sends request `name` and resolves with its validated answer (see `Session.request`). */
  request(
    name: string,
    input: unknown,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const state = this.host.state;
    if (state !== "open" && state !== "detached") return rejected(notConnected(state));
    if (signal?.aborted) return rejected(cancelled(name, signal.reason));
    const id = this.pending.allocateId();
    let frame: OutgoingFrame;
    try {
      frame = this.messages.request(id, name, input, timeoutMs);
    } catch (error) {
      return rejected(error);
    }
    const refusal = state === "detached" ? undefined : this.admit(outgoingBytes(frame));
    if (refusal) {
      dropOutgoing(frame);
      return rejected(refusal);
    }
    return this.track(id, name, timeoutMs, signal, frame);
  }

  /** Sends a request encoded ahead of time, its id and deadline filled in now (see `Session.requestFrame`). */
  requestFrame(
    name: string,
    frame: Buffer,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const state = this.host.state;
    if (state !== "open" && state !== "detached") return rejected(notConnected(state));
    if (signal?.aborted) return rejected(cancelled(name, signal.reason));
    const refusal = state === "detached" ? undefined : this.admit(frame.length);
    if (refusal) return rejected(refusal);
    const id = this.pending.allocateId();
    patchRequestFrame(frame, id, timeoutMs > 0 ? wireDeadline(timeoutMs) : undefined);
    return this.track(id, name, timeoutMs, signal, frame);
  }

  /** Queues a response, or returns the error to answer instead when it is over the peer's limit. */
  respond(frame: OutgoingFrame): SockwireError | undefined {
    const bytes = outgoingBytes(frame);
    const bodyBytes = bytes - FRAME_PREFIX_BYTES;
    if (bodyBytes > this.peerMaxFrameBytes) {
      dropOutgoing(frame);
      return tooLargeForPeer(bodyBytes, this.peerMaxFrameBytes);
    }
    // Both promises are marked handled where they are made (the batch's, a refusal's).
    if (this.host.state === "detached") void this.keep(frame);
    else if (this.mayQueueRaw(bytes)) void this.writer.send(frame);
    else dropOutgoing(frame);
    return undefined;
  }

  /** Queues a protocol-generated frame (answers, pongs, goaway); past the hard cap it may close. */
  sendRaw(frame: Buffer): void {
    if (this.host.state === "detached") {
      // Answers and cancels are sequenced and kept for replay; pongs and the like are moot.
      if (isSequencedKind(frame[4] as number, frame.readUInt32BE(6))) void this.keep(frame);
      return;
    }
    if (this.mayQueueRaw(frame.length)) this.writer.enqueue(frame).catch(noop);
  }

  /** Answers the peer's request `id` with an `error` frame. */
  answerError(id: number, reason: Reason): void {
    this.sendRaw(encodeEnvelope({ kind: Kind.ERROR, id }, encodeControl(reason)));
  }

  /** Tells the peer we gave up on request `id` (timeout, abort). */
  sendCancel(id: number): void {
    const state = this.host.state;
    if (state === "open" || state === "closing" || state === "detached")
      this.sendRaw(encodeEnvelope({ kind: Kind.CANCEL, id }, undefined));
    this.host.settled();
  }

  /** Checks a user frame of `bytes` against the peer's receive limit and our hard cap. */
  private admit(bytes: number): SockwireError | undefined {
    const bodyBytes = bytes - FRAME_PREFIX_BYTES;
    if (bodyBytes > this.peerMaxFrameBytes)
      return tooLargeForPeer(bodyBytes, this.peerMaxFrameBytes);
    if (!this.writer.wouldOverflow(bytes)) return undefined;
    const full = outboundFull(this.writer.bufferedAmount, this.limits.sendHardBytes);
    if (this.overflow === "close") this.host.overflowed();
    return full;
  }

  /** Whether a protocol-generated frame of `bytes` may be queued; over the hard cap it may close. */
  private mayQueueRaw(bytes: number): boolean {
    if (this.host.outputEnded) return false;
    if (this.writer.wouldOverflow(bytes) && this.overflow === "close") {
      this.host.overflowed();
      return false;
    }
    return true;
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
    const sent = this.host.state === "detached" ? this.keep(frame) : this.writer.send(frame);
    sent.catch((error) => this.pending.reject(id, lost(name, error)));
    return result;
  }
}
