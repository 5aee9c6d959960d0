import {
  type AnyContract,
  ErrorCode,
  type EventData,
  type EventName,
  type RequestName,
  type RequestParams,
  type ResponseInput,
  SockwireError,
  type StreamHandlerContext,
} from "@sockwire/protocol";
import {
  handlerFailed,
  isThenable,
  type RequestContext as SessionRequestContext,
} from "@sockwire/protocol/internal";
import type { ServerConnection } from "./connection.js";
import type { StoredStreamHandler } from "./stream-handler.js";
import type { RequestContext } from "./types.js";

/**
 * Handler of a client event.
 *
 * @example
 * ```ts
 * const onSay: EventHandler<typeof chat, "say"> = ({ text }, conn) => conn.emit("echo", { text });
 * ```
 */
export type EventHandler<C extends AnyContract, K extends EventName<C, "client">, Ctx = unknown> = (
  data: EventData<C, "client", K>,
  conn: ServerConnection<C, Ctx>,
) => void | Promise<void>;

/**
 * Handler of a client request; its return value (validated against the output schema) is the
 * response, and a thrown `AppError` becomes an error response carrying its code.
 *
 * @example
 * ```ts
 * const join: RequestHandler<typeof chat, "join"> = ({ room }, conn) => {
 *   conn.join(room);
 *   return { members: server.to(room).size };
 * };
 * ```
 */
export type RequestHandler<
  C extends AnyContract,
  K extends RequestName<C, "client">,
  Ctx = unknown,
> = (
  input: RequestParams<C, "client", K>,
  conn: ServerConnection<C, Ctx>,
  ctx: RequestContext,
) => ResponseInput<C, "client", K> | Promise<ResponseInput<C, "client", K>>;

// biome-ignore lint/suspicious/noExplicitAny: handler tables hold handlers of every message type.
type AnyConnection = ServerConnection<any, any>;
/** An event handler as stored: typed at `server.on()`, untyped here. */
export type StoredEventHandler = (data: unknown, conn: AnyConnection) => unknown;
/** A request handler as stored. */
export type StoredRequestHandler = (
  input: unknown,
  conn: AnyConnection,
  ctx: RequestContext,
) => unknown;

interface EventEntry {
  fn: StoredEventHandler;
  once: boolean;
}

/**
 * The server's handler tables: any number of handlers per client event (like an EventEmitter),
 * exactly one per client request. Names are checked against the contract when a handler is
 * registered, so a typo fails at startup, not at the first message.
 */
export class Router {
  /** Handlers by event name; each list is replaced on change, never mutated. */
  private readonly events = new Map<string, readonly EventEntry[]>();
  private readonly requests = new Map<string, StoredRequestHandler>();
  private readonly streams = new Map<string, StoredStreamHandler>();

  constructor(private readonly contract: AnyContract) {}

  on(name: string, fn: StoredEventHandler, once: boolean): void {
    if (!this.contract.client.events.has(name)) {
      throw invalid(`the contract declares no client event named ${JSON.stringify(name)}`);
    }
    if (typeof fn !== "function") throw invalid(`the handler of event ${name} must be a function`);
    // Lists are replaced, never changed in place (see dispatchEvent).
    this.events.set(name, [...(this.events.get(name) ?? []), { fn, once }]);
  }

  /** Removes one handler, or every handler of `name` when `fn` is omitted. */
  off(name: string, fn?: StoredEventHandler): void {
    if (fn === undefined) {
      this.events.delete(name);
      return;
    }
    const list = this.events.get(name);
    const at = list?.findIndex((entry) => entry.fn === fn) ?? -1;
    if (list && at >= 0) this.events.set(name, list.toSpliced(at, 1));
  }

  handle(name: string, fn: StoredRequestHandler): void {
    if (!this.contract.client.requests.has(name)) {
      throw invalid(`the contract declares no client request named ${JSON.stringify(name)}`);
    }
    if (typeof fn !== "function")
      throw invalid(`the handler of request ${name} must be a function`);
    // Two handlers for one request is always a wiring mistake; silently replacing hides it.
    if (this.requests.has(name)) throw invalid(`request ${name} already has a handler`);
    this.requests.set(name, fn);
  }

  handleStream(name: string, fn: StoredStreamHandler): void {
    if (!this.contract.client.streams.has(name)) {
      throw invalid(`the contract declares no client stream named ${JSON.stringify(name)}`);
    }
    if (typeof fn !== "function") throw invalid(`the handler of stream ${name} must be a function`);
    if (this.streams.has(name)) throw invalid(`stream ${name} already has a handler`);
    this.streams.set(name, fn);
  }

  /**
   * Runs the handler of a stream the client opened and returns its items; undefined when none is
   * registered (the session answers `NOT_IMPLEMENTED`).
   */
  dispatchStream(
    name: string,
    input: unknown,
    conn: AnyConnection,
    context: StreamHandlerContext<unknown>,
  ): AsyncIterable<unknown> | Iterable<unknown> | undefined {
    return this.streams.get(name)?.(input, conn, context);
  }

  /**
   * Runs every handler of a validated event; failures go to `report` (with `conn`), never to the
   * caller. `report` is one function for all connections, so dispatching makes no closure.
   */
  dispatchEvent(
    name: string,
    data: unknown,
    conn: AnyConnection,
    report: (error: SockwireError, conn: AnyConnection) => void,
  ): Promise<void> | undefined {
    const list = this.events.get(name);
    if (!list || list.length === 0) {
      report(
        new SockwireError(
          ErrorCode.HANDLER_NOT_FOUND,
          `no handler registered for event ${name}; dropped`,
        ),
        conn,
      );
      return undefined;
    }
    // Async handlers are returned as one promise: the session counts it as work in flight, so a
    // peer cannot pile up unsettled handlers without reading pausing (maxInFlight).
    let pending: Promise<void>[] | undefined;
    // A handler may add or remove handlers while we iterate: `on` and `off` replace the list, so
    // this one stays as it was, with no copy per event.
    for (let i = 0; i < list.length; i++) {
      const entry = list[i] as EventEntry;
      if (entry.once) this.off(name, entry.fn);
      try {
        const result = entry.fn(data, conn);
        if (isThenable(result)) {
          pending ??= [];
          pending.push(
            Promise.resolve(result).then(
              () => undefined,
              (error: unknown) => report(handlerFailed(`event ${name} handler`, error), conn),
            ),
          );
        }
      } catch (error) {
        report(handlerFailed(`event ${name} handler`, error), conn);
      }
    }
    if (pending === undefined) return undefined;
    return pending.length === 1 ? pending[0] : Promise.all(pending).then(() => undefined);
  }

  /**
   * Runs the handler of a validated request and returns its result (value or promise). Throws
   * `ERR_HANDLER_NOT_FOUND` when none is registered; the session answers that `NOT_IMPLEMENTED`.
   */
  dispatchRequest(
    name: string,
    input: unknown,
    conn: AnyConnection,
    request: SessionRequestContext,
  ): unknown {
    const fn = this.requests.get(name);
    if (!fn)
      throw new SockwireError(
        ErrorCode.HANDLER_NOT_FOUND,
        `no handler registered for request ${name}`,
      );
    return fn(input, conn, new HandlerContext(request));
  }
}

/**
 * What a request handler gets as its context: the request id and its abort signal, read from the
 * session's request lazily (handlers that ignore the signal never make one). A class rather than
 * an object literal with a getter, which made a closure and its context for every request.
 */
class HandlerContext implements RequestContext {
  readonly id: number;
  readonly #request: SessionRequestContext;

  constructor(request: SessionRequestContext) {
    this.id = request.id;
    this.#request = request;
  }

  get signal(): AbortSignal {
    return this.#request.signal;
  }
}

function invalid(message: string): SockwireError {
  return new SockwireError(ErrorCode.INVALID_ARGUMENT, message);
}
