import { isAppError } from "./app-error.js";
import { ErrorCode } from "./codes.js";
import { isSockwireError, SockwireError } from "./sockwire-error.js";

/**
 * The coded error reported when a local handler or listener throws or rejects: what it threw
 * when that is already a sockwire error, else `ERR_HANDLER_FAILED` with the thrown value as
 * `cause`. An {@link AppError} (which answers a request with its own code) thrown where no peer
 * waits for an answer, an event handler, keeps its code in plain sight: `details.appCode`, and
 * its details as `details.appDetails`.
 *
 * @example
 * ```ts
 * server.onError((err) => {
 *   if (err.code === "ERR_HANDLER_FAILED" && err.details?.appCode === "ROOM_FULL") metrics.full++;
 * });
 * ```
 */
export function handlerFailed(what: string, cause: unknown): SockwireError {
  if (isSockwireError(cause)) return cause;
  const details = isAppError(cause)
    ? { appCode: cause.code, ...(cause.details === undefined ? {} : { appDetails: cause.details }) }
    : undefined;
  return new SockwireError(ErrorCode.HANDLER_FAILED, `${what} threw`, {
    cause,
    ...(details === undefined ? {} : { details }),
  });
}
