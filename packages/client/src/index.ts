/**
 * @sockwire/client: a typed, reconnecting TCP/TLS client for sockwire contracts.
 * @packageDocumentation
 */
import type { AnyContract } from "@sockwire/protocol";
import { SockwireClient } from "./client.js";
import type { ClientOptions } from "./options.js";

export {
  AppError,
  type CanonicalContract,
  contractFromForm,
  defineContract,
  ErrorCode,
  isAppError,
  isSockwireError,
  SockwireError,
  WireCode,
} from "@sockwire/protocol";
export type { RequestContext } from "@sockwire/protocol/internal";
export { type ClientRequestHandler, SockwireClient } from "./client.js";
export { type ConnectionEvent, type ConnectionState, transition } from "./connection-state.js";
export { type DescribeOptions, describeServer } from "./describe.js";
export { DEFAULT_EVENT_BUFFER, type EventStreamOptions } from "./event-stream.js";
export type {
  ClientOptions,
  CredentialsOption,
  OfflineQueueOptions,
  ReconnectOptions,
} from "./options.js";
export { type BackoffSettings, backoffDelay } from "./reconnect-policy.js";
export type { EmitOptions, RequestOptions } from "./send-options.js";
export type { ClientStats, ClientStatus, ResumeFailure } from "./status.js";

/**
 * Creates a client in the `idle` state: register listeners and handlers, then call `connect()`.
 * Nothing touches the network until then.
 *
 * @throws `ERR_INVALID_ARGUMENT` for a missing port or any option out of range or unknown.
 *
 * @example
 * ```ts
 * const client = createClient(chat, { host: "127.0.0.1", port: 7000, requestTimeoutMs: 5000 });
 * client.on("message", (m) => console.log(m.text));
 * await client.connect();
 * ```
 */
export function createClient<C extends AnyContract>(
  contract: C,
  options: ClientOptions<C>,
): SockwireClient<C> {
  return new SockwireClient(contract, options);
}

/**
 * Creates a client and connects it: resolves once the server's welcome arrives, rejects with a
 * coded error otherwise (the client is then closed). Listeners registered after this resolves
 * may miss events the server sends right after the welcome; use {@link createClient} for those.
 *
 * @example
 * ```ts
 * await using client = await connect(chat, { port: 7000 });
 * await client.emit("say", { text: "hello" });
 * ```
 */
export async function connect<C extends AnyContract>(
  contract: C,
  options: ClientOptions<C>,
): Promise<SockwireClient<C>> {
  const client = new SockwireClient(contract, options);
  await client.connect();
  return client;
}
