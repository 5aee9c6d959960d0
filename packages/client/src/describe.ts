import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import {
  type CanonicalContract,
  CONTRACT_NAME_PATTERN,
  defineContract,
  ErrorCode,
  MAX_FRAME_BYTES_LIMIT,
  SockwireError,
} from "@sockwire/protocol";
import { periodFor, Ticker } from "@sockwire/protocol/internal";
import { Attempt, type AttemptHooks } from "./attempt.js";
import { connectFailed } from "./attempt-parts.js";
import { resolveCredentials } from "./credentials.js";
import { closedError } from "./errors.js";
import { resolveOptions } from "./options.js";

/**
 * Options of {@link describeServer}: where the server is, how to reach it, and the credentials
 * its hello needs. Unknown options and out-of-range values throw `ERR_INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * const options: DescribeOptions = { host: "chat.internal", port: 7000, tls: { ca }, credentials: { token } };
 * ```
 */
export interface DescribeOptions {
  /** Server host name or address. Default `"127.0.0.1"`. */
  host?: string | undefined;
  /** Server port (1-65535). Required. */
  port: number;
  /** Connect over TLS: `true`, or `node:tls` connect options (`ca`, `cert`, `key`, `servername`...). */
  tls?: boolean | TlsConnectionOptions | undefined;
  /**
   * Credentials for the server's hello, as the contract's `credentials` schema wants them (the
   * server checks them, and runs `authenticate`, before it describes anything). A value, or a
   * function called once. Sent as given: without the contract, nothing is checked here.
   */
  credentials?: unknown;
  /** The contract the server must speak; a server with another answers `ERR_CONTRACT_MISMATCH`. Default: any. */
  contract?: string | undefined;
  /** Limit for the whole exchange: TCP connect, TLS, the answer and the close. Default 10000 ms. */
  connectTimeoutMs?: number | undefined;
  /** Largest answer accepted (the form of a big contract is large). Default 64 MiB, the maximum. */
  maxFrameBytes?: number | undefined;
  /** Aborting it abandons the exchange (`ERR_CONNECTION_CLOSED`). */
  signal?: AbortSignal | undefined;
}

/** What a reflecting attempt's session is made with: a contract with no messages. */
const REFLECTING = defineContract({ name: "reflection" });

/**
 * Asks the server at `host:port` for its contract, on a connection of its own that closes once
 * the answer is in (PROTOCOL.md 8.1, "Reflection"), and resolves with the contract's canonical
 * form, checked as any form from outside: every message, the side that sends it, whether it is an
 * event or a request, and its schema. `contractFromForm(form)` from `@sockwire/protocol` turns it
 * into a contract that connects to that server as its own.
 *
 * The server must have the `reflection` option on (it is off by default).
 *
 * @throws (rejects with) `ERR_REFLECTION_DISABLED` when reflection is off; `ERR_CONTRACT_MISMATCH`
 * when `contract` names another contract (or the form exceeds `maxFrameBytes`);
 * `ERR_HANDSHAKE_REJECTED` when the credentials or `authenticate` refuse (`remoteCode` says why);
 * `ERR_CONNECT_FAILED`, `ERR_CONNECT_TIMEOUT`, `ERR_TLS_MISMATCH` when the server cannot be
 * reached or answers something else; `ERR_UNSUPPORTED_VERSION`; `ERR_CONNECTION_CLOSED` when
 * `signal` aborts; `ERR_INVALID_ARGUMENT` for bad options (thrown before connecting).
 *
 * @example
 * ```ts
 * import { contractFromForm } from "@sockwire/protocol";
 * const form = await describeServer({ port: 7000 });
 * console.log(Object.keys(form.client.requests)); // ["join", "leave"]
 * const client = createClient(contractFromForm(form), { port: 7000 });
 * ```
 */
export async function describeServer(options: DescribeOptions): Promise<CanonicalContract> {
  const { credentials, contract: name = "", ...connection } = options ?? ({} as DescribeOptions);
  if (typeof name !== "string" || (name !== "" && !CONTRACT_NAME_PATTERN.test(name))) {
    throw new SockwireError(
      ErrorCode.INVALID_ARGUMENT,
      `invalid contract name ${JSON.stringify(name)}`,
    );
  }
  const resolved = resolveOptions(REFLECTING, {
    ...connection,
    maxFrameBytes: connection.maxFrameBytes ?? MAX_FRAME_BYTES_LIMIT,
    reconnect: false,
  });
  const signal = resolved.signal;
  if (signal?.aborted) throw closedError("describeServer was aborted", signal.reason);
  const value = await resolveCredentials(REFLECTING, { ...resolved, credentials });
  return new Promise((resolve, reject) => {
    const onAbort = () => attempt.abort(closedError("describeServer was aborted", signal?.reason));
    const hooks: AttemptHooks = {
      opened: () => {},
      event: () => undefined,
      request: () => undefined,
      stream: () => undefined,
      error: () => {},
      goaway: () => {},
      resumed: () => {},
      detached: () => {},
      closed: (done, info, failure) => {
        signal?.removeEventListener("abort", onAbort);
        if (done.reflection !== undefined) resolve(done.reflection);
        else
          reject(
            failure ??
              connectFailed("the server closed without describing its contract", info.error),
          );
      },
    };
    const ticker = new Ticker(periodFor(resolved.frameTimeoutMs || 30_000));
    const attempt = new Attempt(REFLECTING, resolved, value, ticker, hooks, undefined, { name });
    // The signal may have fired while the credentials were being made.
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
}
