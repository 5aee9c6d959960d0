import { ErrorCode } from "../../errors/codes.js";
import { SockwireError } from "../../errors/sockwire-error.js";

// The coded errors of streams (their frames are in stream-frames.ts). Errors are built only when
// a stream ends that way (each captures a stack).

/** The peer sent more items (or bytes) than it was granted. */
export function creditExceeded(name: string): SockwireError {
  return new SockwireError(
    ErrorCode.CREDIT_EXCEEDED,
    `stream ${name}: the peer sent more than it was granted`,
  );
}

/** The stream's deadline passed. */
export function streamTimedOut(name: string, timeoutMs: number): SockwireError {
  return new SockwireError(
    ErrorCode.REQUEST_TIMEOUT,
    `stream ${name} did not end within ${timeoutMs} ms`,
    { details: { timeoutMs } },
  );
}

/** The opener cancelled the stream (its signal, `cancel()`, or leaving the loop). */
export function streamCancelled(name: string, cause?: unknown): SockwireError {
  return new SockwireError(
    ErrorCode.REQUEST_CANCELLED,
    `stream ${name} was cancelled`,
    cause === undefined ? {} : { cause },
  );
}

/** The peer speaks a protocol version without streams (before 1.2). */
export function streamsUnsupported(name: string): SockwireError {
  return new SockwireError(
    ErrorCode.STREAMS_UNSUPPORTED,
    `stream ${name} cannot be opened: the peer speaks a protocol version without streams`,
  );
}

/** Our session is closing and the stream did not end within its share of the close timeout. */
export function streamGoingAway(name: string): SockwireError {
  return new SockwireError(
    ErrorCode.CONNECTION_CLOSED,
    `stream ${name} was cancelled: the connection is closing`,
    { details: { code: "GOING_AWAY" } },
  );
}

/** The session ended with the stream open. */
export function streamLost(name: string, cause: unknown): SockwireError {
  return new SockwireError(
    ErrorCode.CONNECTION_LOST,
    `stream ${name} was lost with its connection`,
    {
      cause,
    },
  );
}
