import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import {
  type AnyContract,
  APP_CODE_PATTERN,
  type Envelope,
  ErrorCode,
  type EventInput,
  type EventName,
  type NameArg,
  type NameKey,
  type RequestInput,
  type RequestName,
  type ResponseData,
  SockwireError,
  WireCode,
} from "@sockwire/protocol";
import {
  type CloseInfo,
  type Deferred,
  deferred,
  Session,
  type SessionHooks,
  type SessionOptions,
  type RequestContext as SessionRequestContext,
} from "@sockwire/protocol/internal";
import { HandshakeGate } from "./handshake-gate.js";
import type { ResolvedOptions } from "./options.js";
import { tlsClientOnPlainServer } from "./tls-failure.js";
import type { ConnectionState, ConnectionStats, DisconnectInfo, RequestContext } from "./types.js";

/**
 * How a socket ended, from the server's point of view: it completed the handshake (`open`),
 * we refused it (`rejected`), or it went away or failed before finishing the handshake.
 */
export type CloseOutcome = "open" | "rejected" | "abandoned";

/** What a connection needs from its server. Not public API. */
export interface ConnectionHost {
  readonly contract: AnyContract;
  readonly options: ResolvedOptions;
  /** One object for every session of the server: none of it is per connection. */
  readonly sessionOptions: SessionOptions;
  /** Prepended to connection ids: `<instanceId>.` with a scale-out adapter, else empty. */
  readonly idPrefix: string;
  /** False once the server is closing: new hellos are refused with GOING_AWAY. */
  readonly accepting: boolean;
  /** Returns a promise while async handlers of the event are still running. */
  dispatchEvent(name: string, data: unknown, conn: ServerConnection): Promise<void> | undefined;
  dispatchRequest(
    name: string,
    input: unknown,
    conn: ServerConnection,
    ctx: RequestContext,
  ): unknown;
  joinRoom(conn: ServerConnection, room: string): void;
  leaveRoom(conn: ServerConnection, room: string): void;
  opened(conn: ServerConnection): void;
  closed(conn: ServerConnection, info: DisconnectInfo, outcome: CloseOutcome): void;
  reportError(error: SockwireError, conn?: ServerConnection): void;
}

let lastId = 0;
const NO_ROOMS: ReadonlySet<string> = new Set<string>();

/**
 * Reach into a connection's private fields for the server's own use, without a public static
 * method or a WeakMap entry per connection: the class's static block assigns these.
 */
let sessionOfConnection: (conn: ServerConnection) => Session;
let gateOfConnection: (conn: ServerConnection) => HandshakeGate;
let sessionClosed: (conn: ServerConnection, info: CloseInfo) => void;

/** The session behind a connection, for the server's own use (broadcast, stats). */
export function sessionOf(conn: ServerConnection): Session {
  return sessionOfConnection(conn);
}

/**
 * Passes session callbacks on to the server. One object per connection with its methods on the
 * prototype, rather than six closures: at 10,000 idle connections the difference is megabytes.
 */
class SessionBridge implements SessionHooks {
  gate!: HandshakeGate;

  constructor(
    private readonly conn: ServerConnection,
    private readonly host: ConnectionHost,
  ) {}

  handshake(envelope: Envelope): void {
    this.gate.receive(envelope);
  }

  event(name: string, data: unknown): Promise<void> | undefined {
    return this.host.dispatchEvent(name, data, this.conn);
  }

  request(name: string, input: unknown, ctx: SessionRequestContext): unknown {
    return this.host.dispatchRequest(name, input, this.conn, ctx);
  }

  error(error: SockwireError): void {
    this.host.reportError(error, this.conn);
  }

  goaway(): void {
    // The session itself answers a goaway by closing; onDisconnect reports the reason.
  }

  closed(info: CloseInfo): void {
    sessionClosed(this.conn, info);
  }
}

/**
 * Graceful close of a connection in any phase: a handshake in progress is refused with `code`,
 * an open connection gets a goaway with `code` and the optional reconnect hint.
 */
export function shutdownConnection(
  conn: ServerConnection,
  code: string,
  message: string,
  reconnectAfterMs?: number,
): void {
  const gate = gateOfConnection(conn);
  if (gate.outcome === "pending") {
    const reason = message || "connection closed during the handshake";
    gate.refuse({ code, message }, new SockwireError(ErrorCode.SERVER_CLOSED, reason));
  } else {
    sessionOfConnection(conn).close(code, message, reconnectAfterMs);
  }
}

/**
 * One client connection, created by the server for each accepted socket. Applications meet it
 * once the handshake has succeeded (`onConnection`, handlers, `server.connections`).
 *
 * Sends are typed by the contract: `emit` takes the server events, `request` the server
 * requests. Sends resolve when the frame is handed to the socket; past the soft mark of the
 * outbound queue `hasRoom` is false and `waitForRoom()` waits; past the hard cap the connection
 * is closed as `SLOW_CONSUMER` so memory stays bounded.
 *
 * @example
 * ```ts
 * server.onConnection(async (conn) => {
 *   conn.join("lobby");
 *   await conn.emit("greeting", { text: `welcome ${conn.context.user}` });
 *   const { ok } = await conn.request("confirm", { question: "ready?" }, { timeoutMs: 5000 });
 * });
 * ```
 */
export class ServerConnection<C extends AnyContract = AnyContract, Ctx = unknown> {
  /**
   * The key of `server.connections`: unique in the process, and cluster-wide with an adapter
   * (`<instanceId>.<n>`).
   */
  readonly id: string;
  /** The peer's IP address. */
  readonly remoteAddress: string;
  /** The peer's TCP port. */
  readonly remotePort: number;
  /** True for a TLS connection. */
  readonly encrypted: boolean;
  readonly #host: ConnectionHost;
  readonly #session: Session;
  readonly #gate: HandshakeGate;
  /** Created on first join: most connections never join a room. */
  #rooms: Set<string> | undefined;
  /** Created when someone waits for the close. */
  #closed: Deferred<DisconnectInfo> | undefined;
  #info: DisconnectInfo | undefined;

  /** Created by the server for each accepted socket; applications never construct one. */
  constructor(socket: Socket | TLSSocket, host: ConnectionHost) {
    this.id = host.idPrefix + (++lastId).toString(36);
    this.remoteAddress = socket.remoteAddress ?? "";
    this.remotePort = socket.remotePort ?? 0;
    this.encrypted = "encrypted" in socket && socket.encrypted === true;
    this.#host = host;
    const bridge = new SessionBridge(this, host);
    this.#session = new Session(host.sessionOptions, socket, bridge);
    this.#gate = new HandshakeGate(this.#session, socket, host, this);
    bridge.gate = this.#gate;
  }

  static {
    sessionOfConnection = (conn) => conn.#session;
    gateOfConnection = (conn) => conn.#gate;
    sessionClosed = (conn, info) => conn.#onClosed(info);
  }

  /** What `authenticate` returned for this connection (`undefined` without the hook). */
  get context(): Ctx {
    return this.#gate.context as Ctx;
  }

  /** The session id sent in the welcome (a random UUID); empty before the handshake. */
  get sessionId(): string {
    return this.#gate.sessionId;
  }

  /** The `agent` string the client sent in its hello, if any. */
  get agent(): string | undefined {
    return this.#gate.agent;
  }

  /** Where the connection is in its lifecycle. */
  get state(): ConnectionState {
    if (this.#info) return "closed";
    if (this.#gate.outcome === "open") return this.#session.state === "open" ? "open" : "closing";
    return this.#gate.outcome === "pending" ? "handshake" : "closing";
  }

  /** Rooms this connection is in. */
  get rooms(): ReadonlySet<string> {
    return this.#rooms ?? NO_ROOMS;
  }

  /** Bytes accepted for sending and not yet passed to the kernel. */
  get bufferedAmount(): number {
    return this.#session.bufferedAmount;
  }

  /** False while the outbound queue is above the soft mark (`sendSoftBytes`). */
  get hasRoom(): boolean {
    return this.#session.hasRoom;
  }

  /**
   * Resolves when the outbound queue is below the soft mark; rejects (`ERR_CONNECTION_CLOSED` or
   * `ERR_CONNECTION_LOST`) if the connection ends first.
   */
  waitForRoom(): Promise<void> {
    return this.#session.waitForRoom();
  }

  /** Adds this connection to `room` (created on first join). No effect once closed. */
  join(room: string): void {
    if (this.#info) return;
    this.#host.joinRoom(this, room);
    this.#rooms ??= new Set();
    this.#rooms.add(room);
  }

  /** Removes this connection from `room`. */
  leave(room: string): void {
    if (!this.#rooms?.delete(room)) return;
    this.#host.leaveRoom(this, room);
  }

  /**
   * Sends a server event. Resolves when the frame is handed to the socket. Rejects with
   * `ERR_VALIDATION_FAILED` (bad data), `ERR_PEER_FRAME_LIMIT` (larger than the client accepts;
   * the connection stays up), `ERR_NOT_CONNECTED`, or `ERR_OUTBOUND_BUFFER_FULL` (the
   * connection is then closed as `SLOW_CONSUMER`).
   */
  emit<K extends string>(
    name: NameArg<K, EventName<C, "server">>,
    data: EventInput<C, "server", NameKey<K, EventName<C, "server">>>,
  ): Promise<void> {
    return this.#session.emit(name, data);
  }

  /**
   * Sends a request to the client and resolves with its validated response. Rejects with
   * `ERR_REQUEST_TIMEOUT` (default `requestTimeoutMs`), `ERR_REQUEST_CANCELLED` (signal),
   * `ERR_REMOTE` (the client's handler answered an error; see `remoteCode`),
   * `ERR_CONNECTION_LOST`/`ERR_CONNECTION_CLOSED`, or the send errors of {@link emit}.
   */
  request<K extends string>(
    name: NameArg<K, RequestName<C, "server">>,
    input: RequestInput<C, "server", NameKey<K, RequestName<C, "server">>>,
    options: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<ResponseData<C, "server", NameKey<K, RequestName<C, "server">>>> {
    return this.#session.request(name, input, options) as Promise<
      ResponseData<C, "server", NameKey<K, RequestName<C, "server">>>
    >;
  }

  /**
   * Closes gracefully: goaway with `code`, let requests in flight finish both ways, flush
   * everything already accepted, half-close, read what the client still sends until it
   * half-closes too. After `closeTimeoutMs` the socket is destroyed instead. Resolves with how
   * the connection ended.
   *
   * @param code Wire code sent in the goaway (upper snake case). Default `NORMAL`.
   * @throws `ERR_INVALID_ARGUMENT` for a malformed code.
   */
  close(code: string = WireCode.NORMAL, message = ""): Promise<DisconnectInfo> {
    if (typeof code !== "string" || !APP_CODE_PATTERN.test(code)) {
      throw new SockwireError(
        ErrorCode.INVALID_ARGUMENT,
        `close code must match ${APP_CODE_PATTERN}`,
      );
    }
    shutdownConnection(this, code, String(message).slice(0, 1024));
    if (this.#info) return Promise.resolve(this.#info);
    this.#closed ??= deferred<DisconnectInfo>(true);
    return this.#closed.promise;
  }

  /** Closes at once: queued output is dropped (lossy; prefer {@link close}). */
  destroy(): void {
    this.#session.destroy(
      WireCode.NORMAL,
      new SockwireError(
        ErrorCode.CONNECTION_CLOSED,
        "the connection was destroyed by the application",
      ),
    );
  }

  /** Counters of this connection. */
  stats(): ConnectionStats {
    return this.#session.stats();
  }

  #onClosed(info: CloseInfo): void {
    const outcome = this.#gate.settle();
    const mismatch =
      outcome === "open" || this.encrypted
        ? undefined
        : tlsClientOnPlainServer(info.error, this, () => this.#session.stats().messagesIn);
    this.#info = {
      code: mismatch ? WireCode.PROTOCOL_ERROR : info.code,
      message: mismatch ? mismatch.message : info.message,
      initiator: info.initiator,
      graceful: info.graceful,
      error: mismatch ?? info.error,
    };
    if (this.#rooms) for (const room of this.#rooms) this.#host.leaveRoom(this, room);
    this.#rooms = undefined;
    this.#host.closed(this, this.#info, outcome);
    this.#closed?.resolve(this.#info);
  }
}
