import { ErrorCode } from "./codes.js";
import { SockwireError } from "./sockwire-error.js";
import { APP_CODE_PATTERN, isRegistryWireCode } from "./wire-codes.js";

const MARK = Symbol.for("sockwire.app-error");

/**
 * Throw this from a request handler to answer with your own error code. The caller's promise
 * rejects with a {@link SockwireError} whose `code` is `ERR_REMOTE`, `remoteCode` is your code
 * and `details` carries what you passed. Any other thrown value becomes `INTERNAL` and its
 * message is not sent (it goes to the local error hook instead).
 *
 * @throws `ERR_INVALID_ARGUMENT` if `code` is not upper snake case or is a reserved registry code.
 *
 * @example
 * ```ts
 * server.handle("join", ({ room }) => {
 *   if (full(room)) throw new AppError("ROOM_FULL", `room ${room} is full`, { limit: 50 });
 *   return { members: size(room) };
 * });
 * ```
 */
export class AppError extends Error {
  readonly code: string;
  readonly details: unknown;

  constructor(code: string, message: string, details?: unknown) {
    super(message);
    if (!APP_CODE_PATTERN.test(code) || isRegistryWireCode(code)) {
      throw new SockwireError(
        ErrorCode.INVALID_ARGUMENT,
        `application error code ${JSON.stringify(code)} must match ${APP_CODE_PATTERN} and not be a registry code`,
      );
    }
    this.name = "AppError";
    this.code = code;
    this.details = details;
    Object.defineProperty(this, MARK, { value: true });
  }
}

/** True for an {@link AppError}, also across duplicate package copies. */
export function isAppError(value: unknown): value is AppError {
  return (
    typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARK] === true
  );
}
