import type { Side } from "../../contract/types.js";
import type { Envelope } from "../../envelope/envelope.js";
import { Kind } from "../../envelope/kinds.js";
import { ErrorCode } from "../../errors/codes.js";
import { SockwireError } from "../../errors/sockwire-error.js";
import { WireCode } from "../../errors/wire-codes.js";
import type { Reason } from "../../handshake/handshake.js";
import { unknownType } from "../../message/message-errors.js";
import { ownStream, peerStream, readStreamPayload } from "../../message/stream-messages.js";
import { reasonForInvalid } from "../wire-error.js";
import { OpenedStream, type OpenStreamOptions } from "./opened-stream.js";
import { ServedStream } from "./served-stream.js";
import { streamLost } from "./stream-errors.js";
import { streamReasonFrame } from "./stream-frames.js";
import type { StreamHost } from "./stream-host.js";

/** What the table needs of its session besides what each stream needs. */
export interface StreamTableHost extends StreamHost {
  readonly options: { readonly side: Side };
  /** A fatal protocol error: the session fails (PROTOCOL.md 8.4). */
  protocolError(error: SockwireError): void;
}

/** The largest stream id: ids are u32 on the wire and never reused on a connection. */
const MAX_STREAM_ID = 0xffff_ffff;

/**
 * A session's streams (PROTOCOL.md 8.7), by id: the ones this side opened (odd ids on a client,
 * even on a server, counting up) and the ones the peer opened, served here. It routes each stream
 * frame to its stream, answers an open it cannot serve with `stream-error` (unknown name, invalid
 * input, the peer over `maxStreams`, the session closing), and ignores frames for a stream that
 * has ended: the peer may have sent them before it learned of the end.
 *
 * @example
 * ```ts
 * const table = new StreamTable(session);
 * const stream = table.open("tail", { file: "app.log" }, { timeoutMs: 60_000 });
 * for await (const line of stream) console.log(line);
 * ```
 */
export class StreamTable {
  private readonly streams = new Map<number, OpenedStream | ServedStream>();
  private nextId: number;
  /** Streams the peer opened that are still being served. */
  private served = 0;

  constructor(private readonly host: StreamTableHost) {
    this.nextId = host.options.side === "client" ? 1 : 2;
  }

  /** Streams open either way. */
  get size(): number {
    return this.streams.size;
  }

  /**
   * Opens this side's stream `name` (the caller checked the session may send it).
   *
   * @throws `ERR_UNKNOWN_MESSAGE_TYPE`, `ERR_VALIDATION_FAILED`, `ERR_PEER_FRAME_LIMIT`.
   */
  open(name: string, input: unknown, options: OpenStreamOptions): OpenedStream {
    const schema = ownStream(this.host.messages, name);
    if (schema === undefined) throw unknownType("stream", name);
    if (this.nextId > MAX_STREAM_ID) {
      throw new SockwireError(
        ErrorCode.INVALID_ARGUMENT,
        "this connection has used every stream id",
      );
    }
    const id = this.nextId;
    const stream = new OpenedStream(id, name, schema, this.host, (s) => this.ended(s));
    // Registered before it starts: writing its first frames may end the session, which must
    // find it here to end it too.
    this.streams.set(id, stream);
    try {
      stream.start(input, options);
    } catch (error) {
      // Refused before anything was written (invalid input, too large): the id stays free.
      this.streams.delete(id);
      throw error;
    }
    this.nextId += 2;
    return stream;
  }

  /** A stream frame from the peer. */
  received(envelope: Envelope): void {
    if (envelope.kind === Kind.STREAM_OPEN) {
      this.peerOpened(envelope);
      return;
    }
    // A frame for a stream that has ended (or never was) raced its end: ignored.
    this.streams.get(envelope.id)?.received(envelope);
  }

  /**
   * The session is closing and its streams had their time: each is ended with `GOING_AWAY`
   * (PROTOCOL.md 8.7), the peer told with `stream-cancel`.
   */
  goingAway(): void {
    for (const stream of [...this.streams.values()]) stream.goingAway();
  }

  /** The session ended: every stream fails with `cause` (the handlers are stopped). */
  endAll(cause: SockwireError): void {
    for (const stream of [...this.streams.values()]) stream.lost(streamLost(stream.name, cause));
    this.streams.clear();
    this.served = 0;
  }

  private peerOpened(envelope: Envelope): void {
    const { id, type: name } = envelope;
    const host = this.host;
    const peerParity = host.options.side === "client" ? 0 : 1;
    if (id === 0 || id % 2 !== peerParity || this.streams.has(id)) {
      host.protocolError(
        new SockwireError(
          ErrorCode.FRAME_MALFORMED,
          `stream id ${id} is zero, of our parity, or already in use`,
        ),
      );
      return;
    }
    if (host.state !== "open" && host.state !== "detached") {
      this.refuse(id, { code: WireCode.SHUTTING_DOWN, message: "the connection is closing" });
      return;
    }
    if (this.served >= host.streamLimits.maxStreams) {
      this.refuse(id, {
        code: WireCode.TOO_MANY_STREAMS,
        message: `at most ${host.streamLimits.maxStreams} streams may be open`,
      });
      return;
    }
    const schema = peerStream(host.messages, name);
    if (schema === undefined) {
      this.refuse(id, reasonForInvalid(unknownType("stream", name)));
      return;
    }
    let input: unknown;
    try {
      input = readStreamPayload(host.messages, envelope, schema.input, "input", name);
    } catch (error) {
      this.refuse(id, reasonForInvalid(error as SockwireError));
      return;
    }
    const stream = new ServedStream(id, name, schema, host, (s) => this.ended(s));
    this.streams.set(id, stream);
    this.served++;
    stream.start(input, envelope.deadlineMs);
  }

  private refuse(id: number, reason: Reason): void {
    this.host.sendStreamFrame(streamReasonFrame(Kind.STREAM_ERROR, id, reason));
  }

  private ended(stream: OpenedStream | ServedStream): void {
    if (this.streams.get(stream.id) !== stream) return;
    this.streams.delete(stream.id);
    if (stream instanceof ServedStream) this.served--;
    this.host.workChanged();
  }
}
