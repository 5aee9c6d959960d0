import type { ErrorCode } from "./codes.js";

/** Marker used by {@link isSockwireError}: a registered symbol survives duplicate package copies. */
const MARK = Symbol.for("sockwire.error");

/** Options accepted by every sockwire error. */
export interface SockwireErrorOptions {
  /** The underlying failure (socket error, ZodError, remote error...). */
  cause?: unknown;
  /** The wire code the peer sent, when the error came from the other side. */
  remoteCode?: string | undefined;
  /** Extra, bounded, serialisable detail (issue list, limits, ids). */
  details?: Record<string, unknown> | undefined;
}

/**
 * Base class of every error a sockwire package throws or reports. Branch on `code`, never on the
 * message text: codes are stable, messages may improve.
 *
 * @example
 * ```ts
 * try {
 *   await client.request("join", { room: "lobby" });
 * } catch (err) {
 *   if (isSockwireError(err) && err.code === "ERR_REQUEST_TIMEOUT") retryLater();
 *   else throw err;
 * }
 * ```
 */
export class SockwireError extends Error {
  /** Stable machine-readable code; see the errors table in the README. */
  readonly code: ErrorCode;
  /** The peer's wire code when the failure came from the other side, else `undefined`. */
  readonly remoteCode: string | undefined;
  /** Bounded extra detail (never the raw offending input). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: SockwireErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SockwireError";
    this.code = code;
    this.remoteCode = options.remoteCode;
    this.details = options.details;
    Object.defineProperty(this, MARK, { value: true });
  }
}

/**
 * True when `value` is a {@link SockwireError}, even one created by another copy of this package
 * (two versions installed side by side), where `instanceof` would say no.
 *
 * @example
 * ```ts
 * client.on("error", (err) => { if (isSockwireError(err)) log(err.code); });
 * ```
 */
export function isSockwireError(value: unknown): value is SockwireError {
  return (
    typeof value === "object" &&
    value !== null &&
    ((value as Record<symbol, unknown>)[MARK] === true || value instanceof SockwireError)
  );
}

/** Shorthand used across the packages: build a coded error in one call. */
export function sockwireError(
  code: ErrorCode,
  message: string,
  options?: SockwireErrorOptions,
): SockwireError {
  return new SockwireError(code, message, options);
}
