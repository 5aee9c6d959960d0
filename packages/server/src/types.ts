import type { PeerCertificate } from "node:tls";
import type { SockwireError } from "@sockwire/protocol";

// The public types that name none of the server's classes. This module imports nothing from the
// package, so every other module may use it; types that mention `ServerConnection` live above
// connection.ts (router.ts, broadcast.ts).

/**
 * What the `authenticate` hook learns about the connection besides the credentials.
 *
 * @example
 * ```ts
 * createServer(contract, {
 *   authenticate: (creds, { remoteAddress, signal }) => lookup(creds.token, { signal }),
 * });
 * ```
 */
export interface AuthenticateInfo {
  /** The peer's IP address. */
  remoteAddress: string;
  /** The peer's TCP port. */
  remotePort: number;
  /** The client certificate, when TLS is on and the client presented one. */
  tlsPeerCertificate: PeerCertificate | undefined;
  /** The `agent` string from the hello, if the client sent one. */
  agent: string | undefined;
  /** Aborts when the handshake times out or the socket closes: stop any lookup then. */
  signal: AbortSignal;
  /**
   * Set when the hello resumes a session this server holds: its id and the `context` it opened
   * with (which it keeps). Throw when the credentials belong to someone else than that context,
   * so that a token alone, with another account's valid credentials, cannot take a session over.
   */
  resuming: { sessionId: string; context: unknown } | undefined;
  /**
   * True when the hello asks for the server's contract (the `reflection` option) rather than a
   * connection: throw to keep the contract from this caller. What is returned is not used.
   */
  reflection: boolean;
}

/**
 * How a connection ended, as passed to `onDisconnect` and returned by `conn.close()`.
 *
 * @example
 * ```ts
 * server.onDisconnect((conn, { code, initiator, graceful }) => {
 *   log.info({ id: conn.id, code, initiator, graceful }, "client left");
 * });
 * ```
 */
export interface DisconnectInfo {
  /**
   * Wire code of the reason: `NORMAL` (client closed), `GOING_AWAY` (either side shutting down),
   * `HEARTBEAT_TIMEOUT`, `SLOW_CONSUMER`, `TOO_MANY_PINGS`, `PROTOCOL_ERROR`, `FRAME_TOO_LARGE`,
   * `FRAME_STALLED`, or the code given to `conn.close()`.
   */
  code: string;
  /** Human-readable detail; not stable. */
  message: string;
  /** Which side started the close. */
  initiator: "local" | "remote";
  /** True when both sides half-closed in order, so nothing accepted for sending was lost. */
  graceful: boolean;
  /** The failure behind an abnormal close, if any. */
  error: SockwireError | undefined;
}

/**
 * The third argument of a request handler.
 *
 * @example
 * ```ts
 * server.handle("search", async (input, conn, { signal }) => db.search(input.q, { signal }));
 * ```
 */
export interface RequestContext {
  /** The request id on the wire. */
  readonly id: number;
  /** Aborts on the client's cancel, at the client's deadline, and when the connection ends. */
  readonly signal: AbortSignal;
}

/**
 * Where to listen.
 *
 * @example
 * ```ts
 * await server.listen({ host: "0.0.0.0", port: 18888, backlog: 1024 });
 * ```
 */
export interface ListenOptions {
  /** Address to bind. Default `"127.0.0.1"` (loopback only; pass `"0.0.0.0"` or `"::"` to expose). */
  host?: string | undefined;
  /** Port; 0 picks a free one. Default 0. */
  port?: number | undefined;
  /** Kernel accept queue length. Default 511. */
  backlog?: number | undefined;
}

/**
 * The bound address `listen()` resolves with.
 *
 * @example
 * ```ts
 * const { port } = await server.listen({ port: 0 });
 * ```
 */
export interface ServerAddress {
  address: string;
  port: number;
  /** `"IPv4"` or `"IPv6"`. */
  family: string;
}

/**
 * Options of `server.close()`.
 *
 * @example
 * ```ts
 * await server.close({ timeoutMs: 5000, reconnectAfterMs: 1000 });
 * ```
 */
export interface CloseOptions {
  /** Destroy whatever has not closed gracefully after this long. Default: the `closeTimeoutMs` option. */
  timeoutMs?: number | undefined;
  /** Hint sent in the goaway: how long clients should wait before reconnecting. */
  reconnectAfterMs?: number | undefined;
}

/**
 * Lifecycle of the server.
 *
 * ```
 *  idle ──listen()──► listening ──close()──► closing ──all sockets closed──► closed
 *    └──────────────────────close()──────────────────────────────────────────►┘
 * ```
 *
 * @example
 * ```ts
 * if (server.state === "listening") await server.close();
 * ```
 */
export type ServerState = "idle" | "listening" | "closing" | "closed";

/**
 * Lifecycle of one connection: `handshake` → `open` → `closing` → `closed`. Applications see
 * connections from `open` on; sends are accepted only while `open`.
 *
 * @example
 * ```ts
 * if (conn.state === "open") await conn.emit("notice", { text: "hi" });
 * ```
 */
/**
 * Where a connection is. `detached`: its link was lost and its session waits, for the resume
 * window, for the client to resume it (its id, rooms and context kept; what the server sends
 * meanwhile is kept for replay).
 */
export type ConnectionState = "handshake" | "open" | "detached" | "closing" | "closed";

/**
 * Counters of one connection.
 *
 * @example
 * ```ts
 * if (conn.stats().bufferedBytes > 4 * 1024 * 1024) log.warn("client falling behind");
 * ```
 */
export interface ConnectionStats {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Bytes accepted for sending and not yet passed to the kernel. */
  bufferedBytes: number;
  /** Chunks held for a partial inbound frame. */
  retainedChunks: number;
  /** Client requests being handled. */
  inFlightIn: number;
  /** Requests sent to the client awaiting an answer. */
  inFlightOut: number;
  /** Answers that arrived after their request had settled (dropped). */
  lateResponses: number;
}

/**
 * Counters of the whole server, from `server.stats()`. Totals include connections that have
 * closed; gauges (`queuedBytes`, `inFlightRequests`...) describe this moment.
 *
 * @example
 * ```ts
 * setInterval(() => metrics.gauge("sockwire.connections", server.stats().connections), 10_000);
 * ```
 */
export interface ServerStats {
  state: ServerState;
  /** Open connections (handshake done), detached ones included (they keep their id and rooms). */
  connections: number;
  /** Sockets still in the handshake, including TLS sockets still in their TLS handshake. */
  handshaking: number;
  /** Sockets closing gracefully (including refused ones still lingering). */
  closing: number;
  /** Sessions whose link was lost, waiting to be resumed within the resume window. */
  detached: number;
  /** Sockets accepted since start (a TLS one from its TCP connection, before its TLS handshake). */
  accepted: number;
  /** Handshakes completed since start. */
  opened: number;
  /** Connections refused (reject sent: bad hello, authentication, server full, timeout...). */
  rejected: number;
  /** Sessions resumed on a new connection since start. */
  resumed: number;
  /** Hellos answered with the contract (the `reflection` option), each on a connection of its own. */
  reflected: number;
  /** Closed sockets by wire code (`NORMAL`, `SLOW_CONSUMER`, `SERVER_FULL`...). */
  closesByReason: Record<string, number>;
  /** Errors reported to `onError`, by error code. */
  errorsByCode: Record<string, number>;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Outbound bytes queued over all connections now. */
  queuedBytes: number;
  /** The largest outbound queue of a single connection now. */
  maxQueuedBytes: number;
  /** Client requests being handled now. */
  inFlightRequests: number;
  /** Server-to-client requests awaiting answers now. */
  pendingRequests: number;
  /** Chunks held for partial inbound frames now. */
  retainedChunks: number;
  /** Late answers dropped since start. */
  lateResponses: number;
  /** Rooms with at least one member. */
  rooms: number;
}
