import type { SockwireError } from "../../errors/sockwire-error.js";
import type { MessageCodec } from "../../message/message-codec.js";
import type { OutgoingFrame } from "../../message/outgoing-frame.js";
import type { SessionState, StreamContext, StreamHandlerResult } from "../session-types.js";
import type { WindowLimits } from "./credit.js";

/** Limits of a session's streams (PROTOCOL.md 8.7, 9). */
export interface StreamLimits extends WindowLimits {
  /** Streams the peer may have open on this connection at once. */
  readonly maxStreams: number;
}

/** What a session's streams need of it. */
export interface StreamHost {
  readonly state: SessionState;
  readonly messages: MessageCodec;
  readonly streamLimits: StreamLimits;
  /**
   * Queues a stream frame in any state a stream may still send in (open, closing, detached; kept
   * for replay while detached). Returns the error instead when the frame is over the peer's
   * receive limit (`ERR_PEER_FRAME_LIMIT`): nothing was sent.
   */
  sendStreamFrame(frame: OutgoingFrame): SockwireError | undefined;
  /** False above the outbound queue's soft mark: producers wait for room, as other senders do. */
  readonly hasRoom: boolean;
  waitForRoom(): Promise<void>;
  /** A producer's loop started (1) or ended (-1): the writer batches its frames meanwhile. */
  streamProducing(delta: 1 | -1): void;
  /** Runs the application's handler of stream `name` the peer opened; undefined when none. */
  runStreamHandler(
    name: string,
    input: unknown,
    context: StreamContext,
  ): StreamHandlerResult | undefined;
  /** A problem that ends no connection: a handler that threw, a frame refused. */
  report(error: unknown): void;
  /** Streams opened or ended: the session may end if it is closing. */
  workChanged(): void;
}

/**
 * A stream's producer as its session counts them (the writer batches per macrotask while any
 * runs): switched on when the producer's loop starts, off once when the loop ends or the stream
 * ends first (a loop may wait on its source, or a handler on anything, long after the end).
 */
export class ProducerSlot {
  private on = false;

  constructor(private readonly host: Pick<StreamHost, "streamProducing">) {}

  start(): void {
    if (this.on) return;
    this.on = true;
    this.host.streamProducing(1);
  }

  end(): void {
    if (!this.on) return;
    this.on = false;
    this.host.streamProducing(-1);
  }
}
