import type {
  AnyContract,
  StreamHandlerContext,
  StreamHandlerReturn,
  StreamItemInput,
  StreamName,
  StreamParams,
  StreamResultInput,
  StreamSent,
} from "@sockwire/protocol";
import type { ServerConnection } from "./connection.js";

/**
 * Handler of a stream the client opens (PROTOCOL.md 8.7): an async generator whose yields are
 * the items and whose return value is the result. Each `yield` waits until the client has granted
 * credit, so a slow reader holds the generator back instead of growing a buffer. When the client
 * cancels, the deadline passes or the connection ends, `ctx.signal` aborts and the generator is
 * ended (its `finally` blocks run). Throw an `AppError` to end the stream with your own code; the
 * client's `send` items, if the stream declares them, are `ctx.items`.
 *
 * @example
 * ```ts
 * const tail: StreamHandler<typeof logs, "tail"> = async function* ({ file }, conn, ctx) {
 *   const lines = follow(file, ctx.signal);
 *   try {
 *     for await (const line of lines) yield { line };
 *   } finally {
 *     lines.close();
 *   }
 * };
 * ```
 */
export type StreamHandler<
  C extends AnyContract,
  K extends StreamName<C, "client">,
  Ctx = unknown,
> = (
  input: StreamParams<C, "client", K>,
  conn: ServerConnection<C, Ctx>,
  ctx: StreamHandlerContext<StreamSent<C, "client", K>>,
) => StreamHandlerReturn<StreamItemInput<C, "client", K>, StreamResultInput<C, "client", K>>;

// biome-ignore lint/suspicious/noExplicitAny: handler tables hold handlers of every stream.
type AnyConnection = ServerConnection<any, any>;

/** A stream handler as stored: typed at `server.handleStream()`, untyped here. */
export type StoredStreamHandler = (
  input: unknown,
  conn: AnyConnection,
  ctx: StreamHandlerContext<unknown>,
) => AsyncIterable<unknown> | Iterable<unknown>;
