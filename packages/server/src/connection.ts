import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import {
  type AnyContract,
  APP_CODE_PATTERN,
  ErrorCode,
  type EventInput,
  type EventName,
  type NameArg,
  type NameKey,
  type RequestInput,
  type RequestName,
  type ResponseData,
  SockwireError,
  type StreamCallOf,
  type StreamCallOptionsOf,
  type StreamInput,
  type StreamName,
  WireCode,
} from "@sockwire/protocol";
import { CORE, ConnectionCore } from "./connection-core.js";
import type { ConnectionHost } from "./connection-host.js";
import type { ConnectionState, ConnectionStats, DisconnectInfo } from "./types.js";

let lastId = 0;

const NO_MESSAGES: readonly string[] = Object.freeze([]);

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
  /** The peer's IP address (of the current link: a resumed session may come from another). */
  remoteAddress: string;
  /** The peer's TCP port (of the current link). */
  remotePort: number;
  /** True for a TLS connection. */
  readonly encrypted: boolean;
  /**
   * The session, handshake and rooms behind this connection, for the server's own modules
   * (connection-core.ts). Set in the constructor and never replaced.
   */
  declare readonly [CORE]: ConnectionCore<ServerConnection>;

  /** Created by the server for each accepted socket; applications never construct one. */
  constructor(socket: Socket | TLSSocket, host: ConnectionHost<ServerConnection>) {
    this.id = host.idPrefix + (++lastId).toString(36);
    this.remoteAddress = socket.remoteAddress ?? "";
    this.remotePort = socket.remotePort ?? 0;
    this.encrypted = "encrypted" in socket && socket.encrypted === true;
    // Not enumerable: logging or inspecting a connection shows its public fields only, not the
    // session and, through the host, every other connection of the server.
    Object.defineProperty(this, CORE, { value: new ConnectionCore(socket, host, this) });
  }

  /** What `authenticate` returned for this connection (`undefined` without the hook). */
  get context(): Ctx {
    return this[CORE].context as Ctx;
  }

  /** The session id sent in the welcome (a random UUID); empty before the handshake. */
  get sessionId(): string {
    return this[CORE].sessionId;
  }

  /** The `agent` string the client sent in its hello, if any. */
  get agent(): string | undefined {
    return this[CORE].agent;
  }

  /**
   * Messages that cannot be used on this connection because the client was built from another
   * version of the contract (keys such as `server.events.news`, `client.requests.run`); empty
   * when its contract is ours. Sending one rejects with `ERR_MESSAGE_DISABLED`; a broadcast
   * skips this connection for such an event.
   */
  get disabledMessages(): readonly string[] {
    return this[CORE].session.terms?.disabled ?? NO_MESSAGES;
  }

  /** @internal The session resumed on `socket`: the peer's address is its. */
  relinked(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): void {
    this.remoteAddress = socket.remoteAddress ?? "";
    this.remotePort = socket.remotePort ?? 0;
  }

  /**
   * Resolves once the client has acknowledged every message sent to it so far (it has them, and
   * ran its handlers for the events), across resumes. Rejects with `ERR_NOT_RESUMABLE` when the
   * session has no acknowledgements (resumption off on either side), or with the close's error
   * if the session ends first.
   *
   * @example
   * ```ts
   * await conn.emit("invoice", invoice);
   * await conn.delivered(); // the client has it
   * ```
   */
  delivered(): Promise<void> {
    return this[CORE].session.delivered();
  }

  /** Where the connection is in its lifecycle. */
  get state(): ConnectionState {
    return this[CORE].state;
  }

  /** Rooms this connection is in. */
  get rooms(): ReadonlySet<string> {
    return this[CORE].rooms;
  }

  /** Bytes accepted for sending and not yet passed to the kernel. */
  get bufferedAmount(): number {
    return this[CORE].session.bufferedAmount;
  }

  /** False while the outbound queue is above the soft mark (`sendSoftBytes`). */
  get hasRoom(): boolean {
    return this[CORE].session.hasRoom;
  }

  /**
   * Resolves when the outbound queue is below the soft mark; rejects (`ERR_CONNECTION_CLOSED` or
   * `ERR_CONNECTION_LOST`) if the connection ends first.
   */
  waitForRoom(): Promise<void> {
    return this[CORE].session.waitForRoom();
  }

  /** Adds this connection to `room` (created on first join). No effect once closed. */
  join(room: string): void {
    this[CORE].join(room);
  }

  /** Removes this connection from `room`. */
  leave(room: string): void {
    this[CORE].leave(room);
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
    return this[CORE].session.emit(name, data);
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
    return this[CORE].session.request(name, input, options) as Promise<
      ResponseData<C, "server", NameKey<K, RequestName<C, "server">>>
    >;
  }

  /**
   * Opens a stream to the client (one the contract's `server.streams` declares; the client
   * serves it with `client.handleStream`): read its items with `for await`, its result from
   * `result`. Credit flows as you read, so the client never sends more than you can hold.
   *
   * @throws `ERR_NOT_CONNECTED`, `ERR_STREAMS_UNSUPPORTED` (a client before protocol 1.2),
   * `ERR_MESSAGE_DISABLED`, `ERR_VALIDATION_FAILED`, `ERR_REQUEST_CANCELLED`.
   *
   * @example
   * ```ts
   * for await (const entry of conn.stream("probe", { depth: 2 }, { timeoutMs: 10_000 })) {
   *   console.log(entry);
   * }
   * ```
   */
  stream<K extends string>(
    name: NameArg<K, StreamName<C, "server">>,
    input: StreamInput<C, "server", NameKey<K, StreamName<C, "server">>>,
    options: StreamCallOptionsOf<C, "server", NameKey<K, StreamName<C, "server">>> = {},
  ): StreamCallOf<C, "server", NameKey<K, StreamName<C, "server">>> {
    return this[CORE].session.openStream(name, input, options) as unknown as StreamCallOf<
      C,
      "server",
      NameKey<K, StreamName<C, "server">>
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
    const core = this[CORE];
    core.shutdown(code, String(message).slice(0, 1024));
    return core.whenClosed();
  }

  /** Closes at once: queued output is dropped (lossy; prefer {@link close}). */
  destroy(): void {
    this[CORE].session.destroy(
      WireCode.NORMAL,
      new SockwireError(
        ErrorCode.CONNECTION_CLOSED,
        "the connection was destroyed by the application",
      ),
    );
  }

  /** Counters of this connection. */
  stats(): ConnectionStats {
    return this[CORE].session.stats();
  }
}
