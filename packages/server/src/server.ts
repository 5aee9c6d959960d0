// Over 300 lines on purpose: this is the package's public class, a third of it is the TSDoc of
// its methods, and the work itself lives in the router, registry, cluster, listener and lifecycle
// (listen and close). Splitting the class further would scatter its API without making any
// method simpler.

import {
  type AnyContract,
  ErrorCode,
  type EventInput,
  type EventName,
  type NameArg,
  type NameKey,
  type RequestName,
  SockwireError,
  type StreamName,
} from "@sockwire/protocol";
import { type MessageCodec, messageCodecFor, periodFor, Ticker } from "@sockwire/protocol/internal";
import { type BroadcastOptions, deliver, type RoomTarget } from "./broadcast.js";
import { Cluster, clusterFor } from "./cluster.js";
import type { ServerConnection } from "./connection.js";
import { ServerLifecycle } from "./lifecycle.js";
import { resolveOptions, type ServerOptions } from "./options.js";
import { ConnectionRegistry } from "./registry.js";
import { checkRoomName } from "./rooms.js";
import {
  type EventHandler,
  type RequestHandler,
  Router,
  type StoredEventHandler,
  type StoredRequestHandler,
} from "./router.js";
import type { StoredStreamHandler, StreamHandler } from "./stream-handler.js";
import type {
  CloseOptions,
  DisconnectInfo,
  ListenOptions,
  ServerAddress,
  ServerState,
  ServerStats,
} from "./types.js";
import { checkContract } from "./validate.js";

/**
 * A typed message server: accepts TCP or TLS connections, runs the handshake on each, routes
 * client events and requests to handlers, and sends server events, requests and broadcasts.
 * Create it with {@link createServer}.
 *
 * Lifecycle (see {@link ServerState}): `idle` until `listen()`, `listening` while it accepts,
 * `closing` during `close()`, then `closed` for good.
 *
 * @example
 * ```ts
 * const server = createServer(chat);
 * server.on("say", ({ text }, conn) => server.broadcast("said", { text }, { except: conn }));
 * server.handle("join", ({ room }, conn) => (conn.join(room), { members: server.to(room).size }));
 * const { port } = await server.listen({ port: 18888 });
 * process.on("SIGINT", () => void server.close());
 * ```
 */
export class SockwireServer<C extends AnyContract = AnyContract, Ctx = undefined>
  implements AsyncDisposable
{
  /** The contract this server speaks. */
  readonly contract: C;
  /** The message codec every session of this server shares; broadcasts encode with it too. */
  readonly #messages: MessageCodec;
  readonly #router: Router;
  readonly #registry: ConnectionRegistry<C, Ctx>;
  /** The scale-out adapter's link, when the `adapter` option is set. */
  readonly #cluster: Cluster<C, Ctx> | undefined;
  /** The listener, the raw sockets, and the state from `idle` to `closed`. */
  readonly #lifecycle: ServerLifecycle<C, Ctx>;

  /** Use {@link createServer}. */
  constructor(contract: C, options?: ServerOptions<C, Ctx>) {
    checkContract(contract);
    this.contract = contract;
    const o = resolveOptions(options);
    this.#messages = messageCodecFor(contract, "server", o.codec, o.validateOutbound);
    this.#router = new Router(contract);
    const timers = [o.frameTimeoutMs, o.heartbeatIntervalMs, o.heartbeatTimeoutMs].filter(
      (ms) => ms > 0,
    );
    const ticker = new Ticker(periodFor(timers.length > 0 ? Math.min(...timers) : 5000));
    this.#registry = new ConnectionRegistry(
      contract,
      o,
      ticker,
      this.#router,
      () => this.#lifecycle.state === "listening",
    );
    this.#cluster = o.adapter && new Cluster(o.adapter, contract, this.#registry);
    this.#lifecycle = new ServerLifecycle(o, this.#registry, this.#cluster);
  }

  /** Where the server is in its lifecycle. */
  get state(): ServerState {
    return this.#lifecycle.state;
  }

  /** The bound address once listening, else `undefined`. */
  get address(): ServerAddress | undefined {
    return this.#lifecycle.address;
  }

  /** Open connections (handshake completed), by `conn.id`. */
  get connections(): ReadonlyMap<string, ServerConnection<C, Ctx>> {
    return this.#registry.open;
  }

  /**
   * Adds a handler for a client event; several handlers per event run in order. A handler that
   * throws or rejects is reported to `onError` (`ERR_HANDLER_FAILED`).
   *
   * @throws `ERR_INVALID_ARGUMENT` if the contract declares no such client event.
   */
  on<K extends string>(
    name: NameArg<K, EventName<C, "client">>,
    handler: EventHandler<C, NameKey<K, EventName<C, "client">>, Ctx>,
  ): this {
    this.#router.on(name, handler as StoredEventHandler, false);
    return this;
  }

  /** Like {@link on}, but the handler runs for the next event only. */
  once<K extends string>(
    name: NameArg<K, EventName<C, "client">>,
    handler: EventHandler<C, NameKey<K, EventName<C, "client">>, Ctx>,
  ): this {
    this.#router.on(name, handler as StoredEventHandler, true);
    return this;
  }

  /** Removes one event handler, or all handlers of the event when `handler` is omitted. */
  off<K extends string>(
    name: NameArg<K, EventName<C, "client">>,
    handler?: EventHandler<C, NameKey<K, EventName<C, "client">>, Ctx>,
  ): this {
    this.#router.off(name, handler as StoredEventHandler | undefined);
    return this;
  }

  /**
   * Sets the handler of a client request. It gets the validated input, the connection and
   * `{ id, signal }`; its return value is validated against the output schema and sent. Throw
   * an `AppError` to answer with your own code; any other throw answers `INTERNAL` (details stay
   * local, reported to `onError`). A request without a handler is answered `NOT_IMPLEMENTED`.
   *
   * @throws `ERR_INVALID_ARGUMENT` if the contract declares no such request or it already has a handler.
   */
  handle<K extends string>(
    name: NameArg<K, RequestName<C, "client">>,
    handler: RequestHandler<C, NameKey<K, RequestName<C, "client">>, Ctx>,
  ): this {
    this.#router.handle(name, handler as StoredRequestHandler);
    return this;
  }

  /**
   * Sets the handler of a stream the client opens (PROTOCOL.md 8.7): an async generator whose
   * yields are the items (each waits for the client's credit) and whose return value is the
   * result. A stream without a handler is refused `NOT_IMPLEMENTED`.
   *
   * @throws `ERR_INVALID_ARGUMENT` if the contract declares no such stream or it already has a handler.
   *
   * @example
   * ```ts
   * server.handleStream("tail", async function* ({ file }, conn, { signal }) {
   *   for await (const line of follow(file, signal)) yield { line };
   * });
   * ```
   */
  handleStream<K extends string>(
    name: NameArg<K, StreamName<C, "client">>,
    handler: StreamHandler<C, NameKey<K, StreamName<C, "client">>, Ctx>,
  ): this {
    this.#router.handleStream(name, handler as unknown as StoredStreamHandler);
    return this;
  }

  /** Calls `listener` after each welcome is sent. Returns a function that unsubscribes. */
  onConnection(listener: (conn: ServerConnection<C, Ctx>) => void): () => void {
    return this.#registry.onConnection.add(listener);
  }

  /** Calls `listener` once when an open connection has closed, with the reason. Returns an unsubscribe function. */
  onDisconnect(
    listener: (conn: ServerConnection<C, Ctx>, info: DisconnectInfo) => void,
  ): () => void {
    return this.#registry.onDisconnect.add(listener);
  }

  /**
   * Calls `listener` when a client resumes a detached session on a new connection (same
   * connection, id, rooms and context; what was sent meanwhile is replayed in order). Returns an
   * unsubscribe function.
   *
   * @example
   * ```ts
   * server.onSessionResumed((conn) => log.info("resumed", conn.id, conn.remoteAddress));
   * ```
   */
  onSessionResumed(listener: (conn: ServerConnection<C, Ctx>) => void): () => void {
    return this.#registry.onSessionResumed.add(listener);
  }

  /**
   * Calls `listener` when a detached session ends without being resumed: its window passed, or
   * it was evicted (`info.error.details.reason`). What it had sent and the client had not
   * acknowledged is lost; `onDisconnect` follows. Returns an unsubscribe function.
   */
  onSessionExpired(
    listener: (conn: ServerConnection<C, Ctx>, info: DisconnectInfo) => void,
  ): () => void {
    return this.#registry.onSessionExpired.add(listener);
  }

  /**
   * Calls `listener` for problems that do not end the server: invalid or unhandled events,
   * handler failures, refused handshakes (`conn` is then a connection that never opened),
   * TLS and listener failures. Returns an unsubscribe function.
   */
  onError(listener: (error: SockwireError, conn?: ServerConnection<C, Ctx>) => void): () => void {
    return this.#registry.onError.add(listener);
  }

  /**
   * Starts accepting connections. Resolves with the bound address; rejects with
   * `ERR_SOCKET` (`cause` is the system error, e.g. `EADDRINUSE`), `ERR_SERVER_CLOSED` after
   * `close()`, or `ERR_INVALID_ARGUMENT` for bad options or a second call.
   */
  listen(options: ListenOptions = {}): Promise<ServerAddress> {
    return this.#lifecycle.listen(options);
  }

  /**
   * Sends a server event to every open connection (or those passing `filter`, minus `except`),
   * encoding it once. With an `adapter` it also goes to every connection of the other instances
   * (unless `local`). Returns how many connections of this instance it was queued for.
   *
   * @throws `ERR_VALIDATION_FAILED` when `data` does not match the contract (nothing is sent);
   * `ERR_INVALID_ARGUMENT` for a `filter` without `local: true` on a server with an adapter.
   */
  broadcast<K extends string>(
    name: NameArg<K, EventName<C, "server">>,
    data: EventInput<C, "server", NameKey<K, EventName<C, "server">>>,
    options?: BroadcastOptions<C, Ctx>,
  ): number {
    const cluster = clusterFor(this.#cluster, options);
    const frame = this.#encode(name, data);
    const sent = deliver(frame, this.#registry.open.values(), options, this.#registry.report);
    cluster?.publish(frame, { kind: "all", except: options?.except?.id });
    return sent;
  }

  /**
   * A room as a broadcast target: `server.to("lobby").emit("news", data)`. With an `adapter`,
   * `emit` reaches the room's members on every instance; `size` counts this instance only.
   */
  to(room: string): RoomTarget<C, Ctx> {
    const rooms = this.#registry.rooms;
    return {
      name: room,
      get size() {
        return rooms.members(room).size;
      },
      emit: (name, data, options) => {
        const cluster = clusterFor(this.#cluster, options);
        if (cluster) checkRoomName(room);
        const frame = this.#encode(name, data);
        const sent = deliver(frame, rooms.members(room), options, this.#registry.report);
        cluster?.publish(frame, { kind: "room", room, except: options?.except?.id });
        return sent;
      },
    };
  }

  /**
   * Sends a server event to one connection by id: a connection of this server, or, with an
   * `adapter`, of any instance (ids are then `<instanceId>.<n>`). Returns true when it was
   * queued locally or handed to the adapter for the owning instance, false for an id that is
   * nowhere to be found. Like a broadcast, it is at-most-once and never waits.
   *
   * @throws `ERR_VALIDATION_FAILED` when `data` does not match the contract (nothing is sent).
   *
   * @example
   * ```ts
   * server.handle("whisper", ({ to, text }, conn) => ({
   *   sent: server.emitTo(to, "whispered", { from: conn.id, text }),
   * }));
   * ```
   */
  emitTo<K extends string>(
    connectionId: string,
    name: NameArg<K, EventName<C, "server">>,
    data: EventInput<C, "server", NameKey<K, EventName<C, "server">>>,
  ): boolean {
    if (typeof connectionId !== "string") {
      throw new SockwireError(ErrorCode.INVALID_ARGUMENT, "connectionId must be a string");
    }
    const frame = this.#encode(name, data);
    const conn = this.#registry.open.get(connectionId);
    if (conn) return deliver(frame, [conn], undefined, this.#registry.report) === 1;
    return this.#cluster?.publishTo(frame, connectionId) ?? false;
  }

  /** Counters and gauges of the whole server. */
  stats(): ServerStats {
    return this.#registry.stats(this.#lifecycle.state);
  }

  /**
   * Graceful shutdown: stop accepting, refuse handshakes in progress, send goaway `GOING_AWAY`
   * to every open connection, let requests in flight finish, flush, half-close and wait for each
   * client to close its side. A TLS handshake in progress is left to finish (the connection is
   * then refused with `GOING_AWAY`) or to fail, within the handshake timeout. Whatever is still
   * open after `timeoutMs` (default `closeTimeoutMs`) is destroyed. Resolves when every socket
   * and the listener are closed. Calling it again returns the same promise.
   */
  close(options: CloseOptions = {}): Promise<void> {
    return this.#lifecycle.close(options);
  }

  /** `await using server = createServer(...)` closes it gracefully at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Validates and encodes a server event once, for every connection it goes to. */
  #encode(name: string, data: unknown): Buffer {
    return this.#messages.sharedEvent(name, data);
  }
}

/**
 * Creates a server for `contract`. Nothing listens until `listen()`; register handlers first.
 * The `authenticate` option's return type becomes the type of every `conn.context`.
 *
 * @throws `ERR_INVALID_ARGUMENT` synchronously for an unknown option or a value out of range.
 *
 * @example
 * ```ts
 * import { createServer } from "@sockwire/server";
 * import { chat } from "./contract.js";
 *
 * const server = createServer(chat, {
 *   authenticate: ({ token }) => ({ user: verify(token) }),   // conn.context: { user: string }
 * });
 * server.on("say", ({ text }, conn) => server.broadcast("said", { from: conn.context.user, text }));
 * const { port } = await server.listen({ port: 0 });
 * ```
 */
export function createServer<C extends AnyContract, Ctx = undefined>(
  contract: C,
  options?: ServerOptions<C, Ctx>,
): SockwireServer<C, Ctx> {
  return new SockwireServer<C, Ctx>(contract, options);
}
