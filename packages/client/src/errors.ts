import { ErrorCode, type Reason, SockwireError, WireCode } from "@sockwire/protocol";

/**
 * Reject reasons and goaway codes after which trying again cannot help: the same hello would be
 * refused the same way. Application codes (an `AppError` thrown by the server's authenticate hook)
 * count as permanent too: they are the server's decision about these credentials.
 */
const PERMANENT_WIRE_CODES = new Set<string>([
  WireCode.UNSUPPORTED_VERSION,
  WireCode.CONTRACT_MISMATCH,
  WireCode.UNSUPPORTED_CODEC,
  WireCode.UNAUTHORIZED,
  WireCode.REFLECTION_DISABLED,
]);

/** Local codes that no reconnect attempt can fix. */
const PERMANENT_ERROR_CODES = new Set<string>([
  ErrorCode.UNSUPPORTED_VERSION,
  ErrorCode.CONTRACT_MISMATCH,
  ErrorCode.UNSUPPORTED_CODEC,
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.INVALID_ARGUMENT,
  ErrorCode.REFLECTION_DISABLED,
]);

/** True when a wire code from the server means "do not come back with the same hello". */
export function isPermanentWireCode(code: string): boolean {
  if (PERMANENT_WIRE_CODES.has(code)) return true;
  return !(Object.values(WireCode) as string[]).includes(code);
}

/** True when an attempt failure should stop reconnecting. */
export function isPermanentFailure(error: SockwireError): boolean {
  if (PERMANENT_ERROR_CODES.has(error.code)) return true;
  return (
    error.code === ErrorCode.HANDSHAKE_REJECTED &&
    error.remoteCode !== undefined &&
    isPermanentWireCode(error.remoteCode)
  );
}

/** The error `connect()` rejects with when the server refuses the hello. */
export function rejectError(reason: Reason): SockwireError {
  const text = reason.message ? `: ${reason.message}` : "";
  const options = {
    remoteCode: reason.code,
    details: { reason: reason.code, message: reason.message ?? "" },
  };
  switch (reason.code) {
    case WireCode.UNSUPPORTED_VERSION:
      return new SockwireError(
        ErrorCode.UNSUPPORTED_VERSION,
        `the server does not speak this protocol version${text}`,
        options,
      );
    case WireCode.CONTRACT_MISMATCH:
      return new SockwireError(
        ErrorCode.CONTRACT_MISMATCH,
        `the server's contract differs from ours${text}`,
        options,
      );
    case WireCode.UNSUPPORTED_CODEC:
      return new SockwireError(
        ErrorCode.UNSUPPORTED_CODEC,
        `the server does not know our codec${text}`,
        options,
      );
    case WireCode.REFLECTION_DISABLED:
      return new SockwireError(
        ErrorCode.REFLECTION_DISABLED,
        `the server does not describe its contract (reflection is off)${text}`,
        options,
      );
    case WireCode.HANDSHAKE_TIMEOUT:
      return new SockwireError(
        ErrorCode.HANDSHAKE_TIMEOUT,
        `the server timed out our handshake${text}`,
        options,
      );
    default:
      return new SockwireError(
        ErrorCode.HANDSHAKE_REJECTED,
        `the server refused the connection (${reason.code})${text}`,
        options,
      );
  }
}

/** `ERR_NOT_CONNECTED`: the client is not open and the call may not wait. */
export function notConnected(state: string): SockwireError {
  return new SockwireError(ErrorCode.NOT_CONNECTED, `the client is ${state}`, {
    details: { state },
  });
}

/** `ERR_CONNECTION_CLOSED`: the client was closed or destroyed on this side. */
export function closedError(what = "the client was closed", cause?: unknown): SockwireError {
  return new SockwireError(ErrorCode.CONNECTION_CLOSED, what, cause === undefined ? {} : { cause });
}

/** `ERR_CONNECTION_LOST` for an open connection that ended without `close()`. */
export function lostError(code: string, message: string, cause?: SockwireError): SockwireError {
  return new SockwireError(
    ErrorCode.CONNECTION_LOST,
    `the connection was lost (${code}${message ? `: ${message}` : ""})`,
    { details: { closeCode: code }, ...(cause ? { cause } : {}) },
  );
}
