import {
  type AnyContract,
  ErrorCode,
  isSockwireError,
  SockwireError,
  toWireValue,
} from "@sockwire/protocol";
import type { ResolvedOptions } from "./options.js";

/**
 * Produces the credentials for one attempt: the configured value, or the result of the
 * credentials function (called for every attempt, so a token can be refreshed before a reconnect),
 * checked against the contract's credentials schema before anything is sent; what is sent holds
 * only what that schema declares.
 *
 * A function that never settles fails with `ERR_CONNECT_TIMEOUT` after the connect timeout; one
 * that throws fails with `ERR_CONNECT_FAILED` (its error as `cause`); invalid credentials fail
 * with `ERR_VALIDATION_FAILED`, which stops reconnecting.
 */
export async function resolveCredentials(
  contract: AnyContract,
  options: ResolvedOptions,
): Promise<unknown> {
  const source = options.credentials;
  let value: unknown = source;
  if (typeof source === "function") {
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = options.connectTimeoutMs;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(
          new SockwireError(
            ErrorCode.CONNECT_TIMEOUT,
            `the credentials function did not settle within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
    });
    try {
      value = await Promise.race([(source as () => unknown)(), timeout]);
    } catch (error) {
      if (isSockwireError(error)) throw error;
      throw new SockwireError(ErrorCode.CONNECT_FAILED, "the credentials function failed", {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }
  const schema = contract.schema.credentials;
  // Only what the schema declares goes into the hello.
  return schema ? toWireValue(schema, value, "credentials") : value;
}
