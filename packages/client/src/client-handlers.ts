import {
  type AnyContract,
  ErrorCode,
  type EventData,
  type EventName,
  type NameArg,
  type NameKey,
  type RequestName,
  type RequestParams,
  type ResponseInput,
  SockwireError,
  type StreamHandlerContext,
  type StreamHandlerReturn,
  type StreamItemInput,
  type StreamName,
  type StreamParams,
  type StreamResultInput,
  type StreamSent,
} from "@sockwire/protocol";
import { handlerFailed, type RequestContext } from "@sockwire/protocol/internal";
import type { ConnectionState } from "./connection-state.js";
import { EventStream, type EventStreamOptions } from "./event-stream.js";
import { Listeners, listenerFailed } from "./listeners.js";
import { rejoining } from "./rejoining.js";
import type { ClientStatus, ResumeFailure } from "./status.js";

/**
 * Handler of a request the server sends to the client: gets the validated input and the request's
 * id and `signal` (aborted when the server cancels, the deadline passes or the connection ends).
 *
 * @example
 * ```ts
 * const whoami: ClientRequestHandler<typeof chat, "whoami"> = (_input, { signal }) => ({ user: "ada" });
 * client.handle("whoami", whoami);
 * ```
 */
export type ClientRequestHandler<C extends AnyContract, K extends RequestName<C, "server">> = (
  input: RequestParams<C, "server", K>,
  context: RequestContext,
) => ResponseInput<C, "server", K> | Promise<ResponseInput<C, "server", K>>;

/**
 * Handler of a stream the server opens (PROTOCOL.md 8.7): an async generator whose yields are
 * the items (each waits for the server's credit) and whose return value is the result; the
 * server's `send` items, if the stream declares them, are `ctx.items`. When the server cancels,
 * the deadline passes or the connection ends, `ctx.signal` aborts and the generator is ended.
 *
 * @example
 * ```ts
 * const probe: ClientStreamHandler<typeof logs, "probe"> = async function* ({ depth }) {
 *   for (const dir of await listDirs(depth)) yield [dir];
 * };
 * client.handleStream("probe", probe);
 * ```
 */
export type ClientStreamHandler<C extends AnyContract, K extends StreamName<C, "server">> = (
  input: StreamParams<C, "server", K>,
  context: StreamHandlerContext<StreamSent<C, "server", K>>,
) => StreamHandlerReturn<StreamItemInput<C, "server", K>, StreamResultInput<C, "server", K>>;

/**
 * What an application registers on a client, and how the client calls it: listeners of server
 * events (and event streams), handlers of server requests, and listeners of status changes,
 * errors and failed resumes. The base of `SockwireClient` (client.ts), which adds the connection
 * and the send side: a base class, so that these methods and their documentation are the
 * client's own.
 */
export abstract class ClientHandlers<C extends AnyContract> {
  /** The contract this client speaks. */
  readonly contract: C;
  protected readonly listeners = new Listeners();
  protected readonly handlers = new Map<
    string,
    (input: unknown, context: RequestContext) => unknown
  >();
  protected readonly streamHandlers = new Map<
    string,
    (
      input: unknown,
      context: StreamHandlerContext<unknown>,
    ) => AsyncIterable<unknown> | Iterable<unknown>
  >();
  private readonly statusListeners = new Set<(status: ClientStatus) => void>();
  private readonly errorListeners = new Set<(error: SockwireError) => void>();
  private readonly resumeFailedListeners = new Set<
    (failure: ResumeFailure) => void | Promise<void>
  >();
  protected readonly streams = new Set<EventStream<unknown>>();

  constructor(contract: C) {
    this.contract = contract;
  }

  /** Current connection state: idle, connecting, open, reconnecting, closing or closed. */
  abstract get state(): ConnectionState;

  /**
   * Runs `listener` when a reconnect could not resume the interrupted session and a new one
   * began (the server restarted, the window passed...): before anything queued while
   * disconnected is sent, so the application can re-join rooms and re-subscribe first. What the
   * listener sends meanwhile goes out at once; the queue follows when every listener's promise
   * has settled. The `open` status that precedes it carries the same `resumeFailure`. Returns the
   * unsubscribe function.
   *
   * @example
   * ```ts
   * client.onResumeFailed(async ({ reason, unacknowledged }) => {
   *   log.warn(`session lost (${reason}), ${unacknowledged} message(s) may not have arrived`);
   *   await client.request("join", { room: "lobby" });
   * });
   * ```
   */
  onResumeFailed(listener: (failure: ResumeFailure) => void | Promise<void>): () => void {
    this.resumeFailedListeners.add(listener);
    return () => this.resumeFailedListeners.delete(listener);
  }
  /**
   * Subscribes to status changes; returns the unsubscribe function.
   *
   * @example
   * ```ts
   * const stop = client.onStatus((s) => console.log(s.state));
   * ```
   */
  onStatus(listener: (status: ClientStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /**
   * Subscribes to non-fatal errors: invalid server events (dropped), listeners or handlers that
   * threw, late or invalid answers. Returns the unsubscribe function.
   *
   * @example
   * ```ts
   * client.onError((err) => log.warn({ code: err.code }, err.message));
   * ```
   */
  onError(listener: (error: SockwireError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /**
   * Listens to a server event (validated against the contract before it reaches you).
   *
   * @example
   * ```ts
   * client.on("message", ({ from, text }) => console.log(`${from}: ${text}`));
   * ```
   */
  on<K extends string>(
    name: NameArg<K, EventName<C, "server">>,
    listener: (data: EventData<C, "server", NameKey<K, EventName<C, "server">>>) => unknown,
  ): this {
    this.listeners.on(this.serverEvent(name), listener as (data: unknown) => unknown);
    return this;
  }

  /**
   * Listens to the next occurrence of a server event only.
   *
   * @example
   * ```ts
   * client.once("greeting", (g) => console.log(g.text));
   * ```
   */
  once<K extends string>(
    name: NameArg<K, EventName<C, "server">>,
    listener: (data: EventData<C, "server", NameKey<K, EventName<C, "server">>>) => unknown,
  ): this {
    this.listeners.once(this.serverEvent(name), listener as (data: unknown) => unknown);
    return this;
  }

  /**
   * Removes a listener added with `on` or `once`, or every listener of `name` when none is given.
   *
   * @example
   * ```ts
   * client.off("message", print);
   * ```
   */
  off<K extends string>(
    name: NameArg<K, EventName<C, "server">>,
    listener?: (data: EventData<C, "server", NameKey<K, EventName<C, "server">>>) => unknown,
  ): this {
    this.listeners.off(name, listener as ((data: unknown) => unknown) | undefined);
    return this;
  }

  /**
   * A server event as an async iterator with a bounded buffer (see {@link EventStreamOptions}).
   * It survives reconnects and ends when the client closes or the signal aborts.
   *
   * @example
   * ```ts
   * for await (const m of client.events("message", { signal })) console.log(m.text);
   * ```
   */
  events<K extends string>(
    name: NameArg<K, EventName<C, "server">>,
    options?: EventStreamOptions,
  ): AsyncIterableIterator<EventData<C, "server", NameKey<K, EventName<C, "server">>>> {
    const event = this.serverEvent(name);
    const stream: EventStream<unknown> = new EventStream((push) => {
      this.listeners.on(event, push);
      return () => {
        this.listeners.off(event, push);
        this.streams.delete(stream);
      };
    }, options);
    if (this.state === "closed") stream.end();
    else if (!stream.ended) this.streams.add(stream);
    return stream as EventStream<EventData<C, "server", NameKey<K, EventName<C, "server">>>>;
  }

  /**
   * Answers a request the server sends to this client; a second call for the same name replaces
   * the handler. Input and output are validated like on the server; throw an `AppError` to answer
   * with your own code; anything else thrown answers `INTERNAL` and is reported to `onError`.
   *
   * @example
   * ```ts
   * client.handle("whoami", () => ({ user: os.userInfo().username }));
   * ```
   */
  handle<K extends string>(
    name: NameArg<K, RequestName<C, "server">>,
    handler: ClientRequestHandler<C, NameKey<K, RequestName<C, "server">>>,
  ): this {
    if (!this.contract.server.requests.has(name)) throw unknownName("server request", name);
    this.handlers.set(name, handler as (input: unknown, context: RequestContext) => unknown);
    return this;
  }

  /**
   * Serves a stream the server opens; a second call for the same name replaces the handler. A
   * stream without a handler is refused `NOT_IMPLEMENTED`.
   *
   * @example
   * ```ts
   * client.handleStream("probe", async function* ({ depth }) {
   *   yield await listDirs(depth);
   * });
   * ```
   */
  handleStream<K extends string>(
    name: NameArg<K, StreamName<C, "server">>,
    handler: ClientStreamHandler<C, NameKey<K, StreamName<C, "server">>>,
  ): this {
    if (!this.contract.server.streams.has(name)) throw unknownName("server stream", name);
    this.streamHandlers.set(
      name,
      handler as unknown as (
        input: unknown,
        context: StreamHandlerContext<unknown>,
      ) => AsyncIterable<unknown> | Iterable<unknown>,
    );
    return this;
  }

  /** Runs the `onResumeFailed` listeners; a promise while any still runs, else undefined. */
  protected runResumeFailed(failure: ResumeFailure): Promise<void> | undefined {
    if (this.resumeFailedListeners.size === 0) return undefined;
    // Inside `rejoining`, what the listeners send (and only that) goes out before the queue.
    const runs = [...this.resumeFailedListeners].map((listener) =>
      rejoining.run(true, async () => {
        try {
          await listener(failure);
        } catch (error) {
          this.report(handlerFailed("an onResumeFailed listener", error));
        }
      }),
    );
    return Promise.all(runs).then(() => undefined);
  }

  protected publish(status: ClientStatus): void {
    for (const listener of [...this.statusListeners]) {
      try {
        listener(status);
      } catch (error) {
        this.report(listenerFailed("status", error));
      }
    }
  }

  protected report(error: SockwireError): void {
    for (const listener of [...this.errorListeners]) {
      try {
        listener(error);
      } catch {
        // An error listener that throws has nowhere left to report to; keep the others running.
      }
    }
  }

  private serverEvent(name: string): string {
    if (!this.contract.server.events.has(name)) throw unknownName("server event", name);
    return name;
  }
}

function unknownName(what: string, name: string): SockwireError {
  return new SockwireError(
    ErrorCode.INVALID_ARGUMENT,
    `the contract declares no ${what} named ${JSON.stringify(name)}`,
  );
}
