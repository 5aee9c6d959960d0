import {
  type AnyContract,
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
} from "@sockwire/protocol";
import { ClientHandlers } from "./client-handlers.js";
import { ConnectionManager } from "./connection-manager.js";
import type { ConnectionState } from "./connection-state.js";
import { notConnected } from "./errors.js";
import { type ClientOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { Outbox } from "./outbox.js";
import type { EmitOptions, RequestOptions } from "./send-options.js";
import type { ClientStats } from "./status.js";

export type { ClientRequestHandler } from "./client-handlers.js";

const NO_MESSAGES: readonly string[] = Object.freeze([]);

/** Options of an `emit` called without any (shared: a fresh `{}` per message showed up in profiles). */
const NO_EMIT_OPTIONS: EmitOptions = Object.freeze({});

/**
 * A typed, reconnecting sockwire client for one contract. Create it with {@link createClient}
 * (register handlers, then `connect()`) or {@link connect}. See the package README for the
 * lifecycle, every option and every error code.
 *
 * The listeners and handlers it calls (`on`, `handle`, `onStatus`, `events`...) are registered
 * through its base class, {@link ClientHandlers}; the connection and the send side are here.
 *
 * @example
 * ```ts
 * await using client = await connect(chat, { port: 7000 });
 * client.on("message", (m) => console.log(m.text));
 * await client.emit("say", { text: "hi" });
 * const { members } = await client.request("join", { room: "lobby" }, { timeoutMs: 5000 });
 * ```
 */
export class SockwireClient<C extends AnyContract = AnyContract>
  extends ClientHandlers<C>
  implements AsyncDisposable
{
  private readonly options: ResolvedOptions;
  private readonly manager: ConnectionManager;
  private readonly outbox: Outbox;

  /** Prefer {@link createClient}. Throws `ERR_INVALID_ARGUMENT` for bad options. */
  constructor(contract: C, options: ClientOptions<C>) {
    super(contract);
    this.options = resolveOptions(contract, options as ClientOptions);
    this.manager = new ConnectionManager(contract, this.options, {
      event: (name, data) => this.listeners.dispatch(name, data, (error) => this.report(error)),
      request: (name, params, context) => {
        const handler = this.handlers.get(name);
        if (!handler)
          throw new SockwireError(
            ErrorCode.HANDLER_NOT_FOUND,
            `no handler is registered for request ${name}`,
          );
        return handler(params, context);
      },
      stream: (name, input, context) => this.streamHandlers.get(name)?.(input, context),
      error: (error) => this.report(error),
      status: (status) => this.publish(status),
      opened: (session) => this.outbox.flush(session, false),
      closing: (session) => {
        if (session) this.outbox.flush(session, true);
        else this.outbox.close(undefined); // builds its "closed before sent" error if needed
      },
      finished: (error) => this.finished(error),
      resumeFailed: (failure) => this.runResumeFailed(failure),
    });
    this.outbox = new Outbox(contract, this.options, this.manager);
  }

  /** Current connection state: idle, connecting, open, reconnecting, closing or closed. */
  get state(): ConnectionState {
    return this.manager.state;
  }

  /** The server's id for the open connection (changes on every reconnect), else `undefined`. */
  get sessionId(): string | undefined {
    return this.manager.session ? this.manager.welcome?.sessionId : undefined;
  }

  /**
   * Messages that cannot be used on the open connection because the server runs another version
   * of the contract (keys such as `server.events.news`, `client.requests.run`); empty when its
   * contract is ours or the client is not open. Sending one rejects with `ERR_MESSAGE_DISABLED`.
   */
  get disabledMessages(): readonly string[] {
    return this.manager.session?.terms?.disabled ?? NO_MESSAGES;
  }

  /** Local address of the open connection, else `undefined`. */
  get localAddress(): string | undefined {
    return this.manager.socket?.localAddress;
  }

  /** Local port of the open connection, else `undefined`. */
  get localPort(): number | undefined {
    return this.manager.socket?.localPort;
  }

  /** Bytes accepted and not yet handed to the kernel: the offline queue plus the connection's buffer. */
  get bufferedAmount(): number {
    return this.outbox.bufferedAmount;
  }

  /**
   * Connects and performs the handshake. Resolves when the server's welcome arrives; rejects with
   * `ERR_CONNECT_FAILED` (refused, reset; `cause` is the socket error), `ERR_CONNECT_TIMEOUT`,
   * `ERR_TLS_MISMATCH` (TLS on one end only; `details.expected` says what the server speaks),
   * `ERR_HANDSHAKE_REJECTED` (`remoteCode` is the server's reason), `ERR_CONTRACT_MISMATCH`,
   * `ERR_UNSUPPORTED_VERSION`, `ERR_UNSUPPORTED_CODEC`, `ERR_VALIDATION_FAILED` (credentials) or
   * `ERR_CONNECTION_CLOSED` (closed or aborted meanwhile). A failed first connect closes the client.
   * While reconnecting it resolves at the next open.
   *
   * @example
   * ```ts
   * const client = createClient(chat, { port: 7000 });
   * client.on("message", print);          // handlers first: nothing sent right after the welcome is missed
   * await client.connect();
   * ```
   */
  connect(): Promise<void> {
    return this.manager.connect();
  }

  /**
   * Resolves once the server has acknowledged every message sent so far: it has them, and ran
   * its handlers for the events. It survives resumed connections; it rejects with
   * `ERR_NOT_RESUMABLE` when there are no acknowledgements (resumption off on either side), and
   * with `ERR_SESSION_EXPIRED` or the close's error when the session ends first.
   *
   * @example
   * ```ts
   * await client.emit("order", order);
   * await client.delivered(); // the server has it
   * ```
   */
  delivered(): Promise<void> {
    return this.manager.delivered();
  }

  /**
   * Sends an event. Resolves when the frame is handed to the socket; rejects if it cannot be
   * (`ERR_VALIDATION_FAILED`, `ERR_PEER_FRAME_LIMIT`, `ERR_OUTBOUND_BUFFER_FULL`,
   * `ERR_NOT_CONNECTED`, `ERR_CONNECTION_CLOSED`, `ERR_MESSAGE_EXPIRED`). While the connection is
   * down, `offline` decides: `"queue"` (default once the client has been open and reconnect is on)
   * waits in the bounded offline queue and is delivered once, in order, after reconnecting;
   * `"drop"` resolves without sending; `"fail"` (default otherwise) rejects with `ERR_NOT_CONNECTED`.
   *
   * @example
   * ```ts
   * await client.emit("say", { text: "hi" }, { offline: "queue", expireAfterMs: 10_000 });
   * ```
   */
  emit<K extends string>(
    name: NameArg<K, EventName<C, "client">>,
    data: EventInput<C, "client", NameKey<K, EventName<C, "client">>>,
    options: EmitOptions = NO_EMIT_OPTIONS,
  ): Promise<void> {
    return this.outbox.emit(name, data, options);
  }

  /**
   * Sends a request and resolves with the server's validated answer. Settles exactly once:
   * answer, `ERR_REMOTE` (`remoteCode` is the server's code), `ERR_REQUEST_TIMEOUT` (default
   * 30 s; the server is told with a cancel frame), `ERR_REQUEST_CANCELLED` (signal), or
   * `ERR_CONNECTION_LOST` (written, then the connection was lost before the answer; `cause` says
   * why). While the connection is down, `offline` decides as for `emit` (`"queue"`, the default
   * once the client has been open and will reconnect: wait in the offline queue, the timeout
   * counting from this call; `"fail"`: `ERR_NOT_CONNECTED`). `idempotent: true` says the request
   * may run twice: lost with its connection, it is sent again after the reconnect instead of
   * failing.
   *
   * @example
   * ```ts
   * const { members } = await client.request("join", { room: "lobby" }, { timeoutMs: 2000, idempotent: true });
   * ```
   */
  request<K extends string>(
    name: NameArg<K, RequestName<C, "client">>,
    input: RequestInput<C, "client", NameKey<K, RequestName<C, "client">>>,
    options: RequestOptions = {},
  ): Promise<ResponseData<C, "client", NameKey<K, RequestName<C, "client">>>> {
    return this.outbox.request(name, input, options) as Promise<
      ResponseData<C, "client", NameKey<K, RequestName<C, "client">>>
    >;
  }

  /**
   * Opens a stream (PROTOCOL.md 8.7): `for await` reads its items as the server yields them,
   * `result` gives its final value. Credit flows as you read, so however slow the loop the
   * server never has more in flight than the window (`streamWindow`, default 16384 items,
   * and at most `streamBufferBytes`, 1 MiB, of them). Leaving the loop early, `cancel()`, the signal or `timeoutMs` (the
   * whole stream's deadline) cancel it on both sides. A stream is not queued while the client is
   * disconnected: it needs an open connection. With resumable sessions a stream rides out a lost
   * link like any message; without, the link's loss ends it with `ERR_CONNECTION_LOST`.
   *
   * @throws `ERR_NOT_CONNECTED`, `ERR_STREAMS_UNSUPPORTED` (a server before protocol 1.2),
   * `ERR_MESSAGE_DISABLED`, `ERR_VALIDATION_FAILED`, `ERR_REQUEST_CANCELLED`.
   *
   * @example
   * ```ts
   * const tail = client.stream("tail", { service: "api" }, { signal: AbortSignal.timeout(60_000) });
   * for await (const { at, line } of tail) console.log(at, line);
   * ```
   */
  stream<K extends string>(
    name: NameArg<K, StreamName<C, "client">>,
    input: StreamInput<C, "client", NameKey<K, StreamName<C, "client">>>,
    options: StreamCallOptionsOf<C, "client", NameKey<K, StreamName<C, "client">>> = {},
  ): StreamCallOf<C, "client", NameKey<K, StreamName<C, "client">>> {
    const session = this.manager.session;
    if (session === undefined) throw notConnected(this.state);
    return session.openStream(name, input, options) as unknown as StreamCallOf<
      C,
      "client",
      NameKey<K, StreamName<C, "client">>
    >;
  }

  /**
   * Measures a round trip to the server with a ping frame; resolves with milliseconds.
   *
   * @example
   * ```ts
   * console.log(`rtt ${(await client.ping()).toFixed(2)} ms`);
   * ```
   */
  async ping(timeoutMs = 5000): Promise<number> {
    const session = this.manager.session;
    if (!session) throw notConnected(this.manager.state);
    const ms = await session.ping(timeoutMs);
    if (Number.isNaN(ms))
      throw new SockwireError(ErrorCode.CONNECTION_LOST, "the connection ended before the pong");
    return ms;
  }

  /**
   * Resolves when {@link bufferedAmount} is below `sendSoftBytes`: producers await it to respect
   * backpressure. While disconnected it waits for the reconnect; rejects once the client closes.
   *
   * @example
   * ```ts
   * for (const row of rows) {
   *   if (client.bufferedAmount >= softLimit) await client.waitForRoom();
   *   void client.emit("row", row);
   * }
   * ```
   */
  waitForRoom(): Promise<void> {
    return this.outbox.waitForRoom();
  }

  /**
   * Counters of this client over all its connections.
   *
   * @example
   * ```ts
   * console.log(client.stats().reconnects);
   * ```
   */
  stats(): ClientStats {
    const c = this.manager.counters();
    return {
      state: this.manager.state,
      reconnects: this.manager.reconnects,
      messagesIn: c.messagesIn,
      messagesOut: c.messagesOut,
      bytesIn: c.bytesIn,
      bytesOut: c.bytesOut,
      queuedMessages: this.outbox.queue.size,
      queuedBytes: this.outbox.queue.bytes,
      bufferedBytes: c.bufferedBytes,
      inFlightRequests: c.inFlightOut,
      inFlightHandlers: c.inFlightIn,
      lateResponses: c.lateResponses,
      droppedMessages: this.outbox.dropped,
    };
  }

  /**
   * Graceful close: stops reconnecting, sends goaway, lets requests in flight finish both ways,
   * flushes everything accepted (including the offline queue when open), waits for the server's
   * FIN and half-closes after it (so the TIME_WAIT state stays on the server, not on one of this
   * host's ephemeral ports). After `timeoutMs` (default `closeTimeoutMs`) the socket is destroyed.
   * Queued messages that cannot be sent (not open) reject with `ERR_CONNECTION_CLOSED`.
   *
   * @example
   * ```ts
   * await client.close({ timeoutMs: 5000 });
   * ```
   */
  close(options: { timeoutMs?: number | undefined } = {}): Promise<void> {
    return this.manager.close(options.timeoutMs);
  }

  /**
   * Immediate close, lossy by design: the socket is destroyed at once, so bytes still buffered
   * are lost, and everything pending rejects with `ERR_CONNECTION_CLOSED`. Prefer `close()`.
   *
   * @example
   * ```ts
   * process.on("SIGKILL-ish", () => client.destroy());
   * ```
   */
  destroy(): void {
    this.manager.destroy();
  }

  /** `await using client = ...` closes gracefully at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private finished(error: SockwireError | undefined): void {
    this.outbox.close(error);
    for (const stream of [...this.streams]) stream.end();
    this.streams.clear();
  }
}
