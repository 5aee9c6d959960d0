import type {
  AnyContract,
  Side,
  StreamItem,
  StreamName,
  StreamResult,
  StreamSendInput,
} from "../../contract/types.js";

// The typed faces of streams (PROTOCOL.md 8.7) that the server and the client both hand to
// applications. The engine (opened-stream.ts, served-stream.ts) is untyped; these are what its
// objects are, seen through a contract.

/**
 * A stream this side opened: its items are read with `for await`, its result from `result` once
 * they end. Leaving the loop early (`break`, `return`, a throw), `cancel()`, the signal or the
 * deadline cancel it on both sides: the producer's generator is ended and its `finally` blocks
 * run.
 *
 * @example
 * ```ts
 * const tail = client.stream("tail", { file: "app.log" });
 * for await (const line of tail) if (line.text.includes("ready")) break; // cancels it
 * ```
 */
export interface StreamCall<Item, Result> extends AsyncIterable<Item> {
  /** The stream's id on this connection. */
  readonly id: number;
  /**
   * The responder's result, after the last item; rejects with the error the stream ended with
   * (`ERR_REMOTE` with the responder's code, `ERR_REQUEST_TIMEOUT`, `ERR_REQUEST_CANCELLED`,
   * `ERR_CONNECTION_LOST`, `ERR_CREDIT_EXCEEDED`...). Never an unhandled rejection if unread.
   */
  readonly result: Promise<Result>;
  /** Cancels the stream on both sides (no effect once it ended). */
  cancel(reason?: unknown): void;
}

/** Options of opening a stream. */
export interface StreamCallOptions<Send> {
  /** A deadline for the whole stream, in ms (the responder is told it too); default none. */
  timeoutMs?: number | undefined;
  /** Aborting it cancels the stream on both sides. */
  signal?: AbortSignal | undefined;
  /**
   * The items to send, for a stream that declares `send`: taken one per credit the responder
   * grants, so a slow responder slows the source. The opener's side ends when it is exhausted.
   */
  send?: AsyncIterable<Send> | Iterable<Send> | undefined;
}

/** What a stream handler gets besides the input. */
export interface StreamHandlerContext<Sent> {
  /** The stream's id on this connection. */
  readonly id: number;
  /** Aborts when the opener cancels, the deadline passes or the connection ends. */
  readonly signal: AbortSignal;
  /** The opener's `send` items (empty for a stream without `send`); reading grants credit. */
  readonly items: AsyncIterable<Sent>;
}

/**
 * What a stream handler returns: its items, as an async generator (whose return value is the
 * result) or any iterable when the stream has no result.
 */
export type StreamHandlerReturn<Item, Result> = [Result] extends [undefined]
  ? AsyncIterable<Item> | Iterable<Item>
  : AsyncGenerator<Item, Result, unknown> | Generator<Item, Result, unknown>;

/**
 * Stream `K`, which side `S` opens, as its opener holds it: its items and result typed from the
 * contract.
 *
 * @example
 * ```ts
 * const tail: StreamCallOf<typeof logs, "client", "tail"> = client.stream("tail", { service: "api" });
 * ```
 */
export type StreamCallOf<
  C extends AnyContract,
  S extends Side,
  K extends StreamName<C, S>,
> = StreamCall<StreamItem<C, S, K>, StreamResult<C, S, K>>;

/** The options of opening stream `K` of side `S`: `send` takes the stream's `send` items. */
export type StreamCallOptionsOf<
  C extends AnyContract,
  S extends Side,
  K extends StreamName<C, S>,
> = StreamCallOptions<StreamSendInput<C, S, K>>;
