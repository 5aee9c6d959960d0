import type { PayloadCodec } from "../codec/codec.js";
import type { AnyContract, Side } from "../contract/types.js";
import type { Envelope } from "../envelope/envelope.js";
import type { SockwireError } from "../errors/sockwire-error.js";
import type { Reason } from "../handshake/handshake.js";
import type { RequestContext } from "./incoming-requests.js";
import type { Ticker } from "./ticker.js";

// The shapes a Session is configured with and reports; kept apart from the engine so owners
// (server connections, the client) can import them without the implementation.

/**
 * Limits a session enforces. The server and client pass their resolved options, which carry these
 * fields, so one object serves every connection.
 */
export interface SessionLimits {
  /** Receive limit for one frame body (what we announce). */
  maxFrameBytes: number;
  /** Chunks held for one partial frame before merging. */
  maxRetainedChunks: number;
  /** A partial frame must complete within this many ms (0 = no deadline). */
  frameTimeoutMs: number;
  /** Soft mark of the outbound queue (backpressure signal). */
  sendSoftBytes: number;
  /** Hard cap of the outbound queue. */
  sendHardBytes: number;
  /** A socket unwritable for this long is a slow consumer (0 = no deadline). */
  writeDeadlineMs: number;
  /** Inbound requests handled at once; above it the session stops reading. */
  maxInFlight: number;
  /** Graceful close gives up and destroys the socket after this many ms. */
  closeTimeoutMs: number;
  /** Too-frequent pings tolerated before closing with TOO_MANY_PINGS. */
  maxPingStrikes: number;
  /** Default timeout of outbound requests (0 = none). */
  requestTimeoutMs: number;
  /** Items a stream's consumer grants its producer at most at once (default 16384, bounded by `streamBufferBytes`; PROTOCOL.md 8.7). */
  streamWindow?: number;
  /** Payload bytes a stream's consumer grants its producer at most at once (default 1 MiB). */
  streamBufferBytes?: number;
  /** Streams the peer may have open on this connection at once (default 100). */
  maxStreams?: number;
}

/** What a stream handler is told besides its input. */
export interface StreamContext {
  /** The stream's id on this connection. */
  readonly id: number;
  /** Aborts when the opener cancels, the deadline passes or the connection ends. */
  readonly signal: AbortSignal;
  /** The opener's `send` items (a client stream, or bidirectional); empty otherwise. */
  readonly items: AsyncIterable<unknown>;
}

/** A stream handler's answer: the items, and for a generator its return value as the result. */
export type StreamHandlerResult = AsyncIterable<unknown> | Iterable<unknown>;

/** The stream limits' defaults (PROTOCOL.md 9). */
export const STREAM_DEFAULTS = Object.freeze({
  streamWindow: 16_384,
  streamBufferBytes: 1024 * 1024,
  maxStreams: 100,
});

/** How a session ended. */
export interface CloseInfo {
  /** Wire code of the reason: NORMAL, GOING_AWAY, HEARTBEAT_TIMEOUT, SLOW_CONSUMER, ... */
  code: string;
  message: string;
  /** Which side started the close. */
  initiator: "local" | "remote";
  /** True when both FINs were exchanged in order: nothing accepted for sending was lost. */
  graceful: boolean;
  /** The failure behind an abnormal close, if any. */
  error: SockwireError | undefined;
  /** From the peer's goaway: how long it suggests waiting before reconnecting. */
  reconnectAfterMs: number | undefined;
}

/** Callbacks from a session to its owner (server connection or client). */
export interface SessionHooks {
  /** Frames that arrive before `open()`: hello, welcome or reject. */
  handshake(envelope: Envelope): void;
  /** A validated inbound event. */
  event(name: string, data: unknown): unknown;
  /** A validated inbound request; the return value (or promise) is the response. */
  request(name: string, params: unknown, context: RequestContext): unknown;
  /**
   * A stream the peer opened, with its validated input: the owner's handler's items (an async
   * generator, whose return value is the result), or undefined when it has no handler for it.
   */
  stream?(name: string, input: unknown, context: StreamContext): StreamHandlerResult | undefined;
  /** A non-fatal problem: an invalid event dropped, a handler that threw, a late response. */
  error(error: SockwireError): void;
  /** The peer announced it is going away. */
  goaway(reason: Reason): void;
  /** Called exactly once when the session has ended. */
  closed(info: CloseInfo): void;
  /**
   * A resumable session lost its link and waits for a new one (`info` says why). The owner
   * reconnects (client) or holds the session for the resume window (server).
   */
  detached?(info: CloseInfo): void;
  /** While detached, the session kept one more frame for replay (its replay bytes grew). */
  replayGrew?(): void;
}

/**
 * What a session needs besides its socket and hooks. Nothing in it is per connection, so a
 * server passes one object to all its sessions.
 */
export interface SessionOptions {
  /** Which side this session is on; it sends `contract[side]` messages. */
  side: Side;
  contract: AnyContract;
  codec: PayloadCodec;
  limits: SessionLimits;
  /** What passing the hard cap does: close the connection (server) or reject the send (client). */
  overflow: "close" | "reject";
  /** Validate outbound payloads against the contract before sending (default true). */
  validateOutbound: boolean;
  /** Shared timer that drives heartbeats and deadlines. */
  ticker: Ticker;
}

/** Counters of one session. */
export interface SessionStats {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Bytes accepted for sending and not yet passed to the kernel. */
  bufferedBytes: number;
  /** Chunks held by the frame decoder. */
  retainedChunks: number;
  /** Inbound requests being handled. */
  inFlightIn: number;
  /** Outbound requests awaiting an answer. */
  inFlightOut: number;
  /** Answers that arrived after their request had settled. */
  lateResponses: number;
}

/**
 * Lifecycle of a session:
 *
 * ```
 *  handshake ──open()──► open ──close()/goaway──► closing ──both FINs──► closed
 *      │                 │  ▲                       │ close timeout ──► closed (destroyed)
 *      │   link lost     │  │ resumed on a new link │
 *      │   (resumable)   ▼  │                       │
 *      │              detached ──expired, close()──────────────────────► closed
 *      └──── fail()/destroy()/socket error/FIN (not resumable) ─────────► closed
 * ```
 *
 * A session is resumable when both peers agreed on it in the handshake (PROTOCOL.md 8.6): a
 * link lost by a socket error, a reset, a FIN without goaway or a dead heartbeat then detaches
 * it instead of closing it, and what is sent meanwhile is kept for replay.
 */
export type SessionState = "handshake" | "open" | "detached" | "closing" | "closed";
