import type { Envelope } from "../envelope/envelope.js";
import { FrameDecoder } from "../envelope/frame-decoder.js";
import type { SockwireError } from "../errors/sockwire-error.js";
import type { Liveness } from "./liveness.js";
import type { SocketLike } from "./socket-like.js";

/** Where the reader delivers what it reads. */
export interface InboundSink {
  /** One received frame, in order. */
  dispatch(envelope: Envelope): void;
  /** The input broke the frame or envelope format: fatal to the connection. */
  broken(error: SockwireError): void;
  /** A chunk's frames were all dispatched (a resumable session acknowledges them now or soon). */
  afterRead(): void;
  /**
   * The peer's FIN, after every frame that came before it was dispatched. `truncated` is set
   * when the stream ended inside a frame.
   */
  ended(truncated: SockwireError | undefined): void;
}

/** Limits of the {@link InboundReader}. */
export interface InboundLimits {
  maxFrameBytes: number;
  maxRetainedChunks: number;
}

/**
 * The receive side of a session: socket chunks in, envelopes dispatched in order. It owns the
 * frame decoder, the counters of what came in, and input flow control: `pause()` stops reading
 * the socket when the owner has too much work in flight (frames already decoded wait, and a FIN
 * that arrives meanwhile is held back until they are dispatched); `resume()` reads on. After a
 * protocol error it can `discard()`: input is still read, so the peer is not reset, but dropped.
 *
 * Liveness hears of every chunk (any received bytes are life), of pauses (silence proves nothing
 * then) and of partial frames (the frame deadline).
 */
export class InboundReader {
  readonly decoder: FrameDecoder;
  messagesIn = 0;
  bytesIn = 0;
  private paused = false;
  /** The peer's FIN arrived while input was paused; handled on resume. */
  private endDeferred = false;
  private discarding = false;

  constructor(
    limits: InboundLimits,
    private readonly socket: SocketLike,
    private liveness: Liveness,
    private sink: InboundSink,
  ) {
    this.decoder = new FrameDecoder({
      maxFrameBytes: limits.maxFrameBytes,
      maxRetainedChunks: limits.maxRetainedChunks,
    });
  }

  /** True while reading is paused for backpressure. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** A chunk from the socket. */
  received(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    const now = Date.now();
    this.liveness.received(now);
    if (this.discarding) return;
    this.decoder.push(chunk);
    this.drain(now);
  }

  /** The socket's end of input (the peer's FIN). */
  peerEnded(): void {
    // Paused input may still hold complete frames in the decoder; they were sent before the FIN
    // and must be handled first. resume() comes back here.
    if (this.paused) {
      this.endDeferred = true;
      return;
    }
    this.sink.ended(this.discarding ? undefined : this.decoder.end());
  }

  /** Stops reading the socket until {@link resume}. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.liveness.pause();
    this.socket.pause();
  }

  /** Reads again: frames already held are dispatched, then a held-back FIN. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.liveness.resume(Date.now());
    this.socket.resume();
    this.drain(Date.now());
    if (this.endDeferred && !this.paused) {
      this.endDeferred = false;
      this.peerEnded();
    }
  }

  /** From now on input is read and dropped (after a protocol error). */
  discard(): void {
    this.discarding = true;
  }

  /**
   * Delivers from now on to another session: a resumed session takes over the link a new
   * connection's handshake was read on, with whatever the decoder already holds after the
   * handshake frame (the frames that follow it in the same read go to the resumed session).
   */
  retarget(sink: InboundSink, liveness: Liveness): void {
    this.sink = sink;
    this.liveness = liveness;
  }

  /** Dispatches every complete frame held; `now` is the time the last chunk arrived. */
  private drain(now: number): void {
    const decoder = this.decoder;
    while (!this.paused && !this.discarding) {
      const envelope = decoder.nextEnvelope();
      if (envelope === undefined) break;
      this.messagesIn++;
      this.sink.dispatch(envelope);
    }
    if (decoder.error) {
      this.sink.broken(decoder.error);
      return;
    }
    this.sink.afterRead();
    // Every operation here runs after every chunk, whichever way it ends. With branches, the rare
    // one (a chunk that ends exactly on a frame boundary, in a stream of full reads) had no type
    // feedback when V8 optimized this loop, and the optimized loop went back to the interpreter
    // each time that branch ran: dozens of times in one benchmark run, each costing the rest of
    // that chunk in the interpreter. The partial-frame clock starts when a partial frame is first
    // seen and stops (-1) when none is held. While input is paused the frame is incomplete
    // because we stopped reading, not because the peer stalled: the clock does not run then.
    const liveness = this.liveness;
    const since = liveness.partialSince;
    const partial = decoder.hasPartialFrame && !this.paused;
    liveness.partialSince = partial ? (since < 0 ? now : since) : -1;
  }
}
