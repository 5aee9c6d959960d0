import { isAppError } from "../errors/app-error.js";
import { ErrorCode } from "../errors/codes.js";
import { isSockwireError, SockwireError } from "../errors/sockwire-error.js";
import { WireCode } from "../errors/wire-codes.js";
import type { Reason } from "../handshake/handshake.js";

/** Maps a local decode/validation failure of an inbound message to the wire code answered. */
export function wireCodeOf(error: SockwireError): string {
  switch (error.code) {
    case ErrorCode.VALIDATION_FAILED:
      return WireCode.VALIDATION_ERROR;
    case ErrorCode.PAYLOAD_INVALID:
    case ErrorCode.PAYLOAD_TOO_DEEP:
      return WireCode.INVALID_PAYLOAD;
    case ErrorCode.UNKNOWN_MESSAGE_TYPE:
      return WireCode.UNKNOWN_TYPE;
    case ErrorCode.HANDLER_NOT_FOUND:
      return WireCode.NOT_IMPLEMENTED;
    case ErrorCode.FRAME_TOO_LARGE:
      return WireCode.FRAME_TOO_LARGE;
    case ErrorCode.FRAME_TIMEOUT:
      return WireCode.FRAME_STALLED;
    default:
      return WireCode.PROTOCOL_ERROR;
  }
}

/**
 * Turns whatever a request handler threw into the error payload sent back. Application errors
 * keep their code, message and details; our own decode errors keep their wire meaning; anything
 * else is `INTERNAL` with a fixed message, so internals never leak to the peer.
 */
export function reasonForThrown(thrown: unknown): { reason: Reason; internal: boolean } {
  if (isAppError(thrown)) {
    return {
      reason: { code: thrown.code, message: clip(thrown.message), details: thrown.details },
      internal: false,
    };
  }
  // A receiver with no handler for a declared request says so precisely; the peer did nothing wrong.
  if (isSockwireError(thrown) && thrown.code === ErrorCode.HANDLER_NOT_FOUND) {
    return {
      reason: { code: WireCode.NOT_IMPLEMENTED, message: clip(thrown.message) },
      internal: false,
    };
  }
  return { reason: { code: WireCode.INTERNAL, message: "internal error" }, internal: true };
}

/** The error payload for an inbound message that failed to decode or validate. */
export function reasonForInvalid(error: SockwireError): Reason {
  const issues = error.details?.issues;
  return {
    code: wireCodeOf(error),
    message: clip(error.message),
    ...(issues ? { details: { issues } } : {}),
  };
}

/** The local error a requester sees for a remote error payload. */
export function remoteError(reason: Reason, what: string): SockwireError {
  return new SockwireError(
    ErrorCode.REMOTE_ERROR,
    `${what} failed remotely: ${reason.code}${reason.message ? ` (${reason.message})` : ""}`,
    {
      remoteCode: reason.code,
      ...(reason.details === undefined ? {} : { details: { remote: reason.details } }),
    },
  );
}

/** Caps text sent to the peer (error messages are bounded on the wire). */
export function clip(text: string, max = 512): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
