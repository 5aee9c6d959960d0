import { kindName } from "../envelope/kinds.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { WireCode } from "../errors/wire-codes.js";
import type { SessionState } from "./session-types.js";

// The coded errors a session raises. Each factory builds its error only when called, so the hot
// path pays nothing for them (an error captures a stack: about 2.5 µs).

export function unexpected(kind: number, when: string): SockwireError {
  return new SockwireError(
    ErrorCode.UNEXPECTED_FRAME,
    `unexpected ${kindName(kind)} frame ${when}`,
  );
}

export function notConnected(state: SessionState): SockwireError {
  return new SockwireError(
    ErrorCode.NOT_CONNECTED,
    `the connection is ${state === "handshake" ? "not open yet" : state}`,
  );
}

export function lost(name: string, cause: unknown): SockwireError {
  return new SockwireError(
    ErrorCode.CONNECTION_LOST,
    `request ${name} was lost with its connection`,
    { cause },
  );
}

export function slowConsumer(message: string): SockwireError {
  return new SockwireError(ErrorCode.CONNECTION_LOST, message, {
    remoteCode: WireCode.SLOW_CONSUMER,
  });
}

export function tooLargeForPeer(bytes: number, limit: number): SockwireError {
  return new SockwireError(
    ErrorCode.PEER_FRAME_LIMIT,
    `message of ${bytes} bytes exceeds the peer's receive limit of ${limit} bytes`,
    { details: { bytes, limit } },
  );
}

export function outboundFull(bufferedBytes: number, hardBytes: number): SockwireError {
  return new SockwireError(
    ErrorCode.OUTBOUND_BUFFER_FULL,
    "the outbound queue is over its hard cap",
    {
      details: { bufferedBytes, hardBytes },
    },
  );
}

export function cancelled(name: string, reason: unknown): SockwireError {
  return new SockwireError(ErrorCode.REQUEST_CANCELLED, `request ${name} was cancelled`, {
    cause: reason,
  });
}

export function notResumable(): SockwireError {
  return new SockwireError(
    ErrorCode.NOT_RESUMABLE,
    "this session has no acknowledgements: resumption is off on this side or the peer's",
  );
}

export function replayFull(): SockwireError {
  return new SockwireError(
    ErrorCode.SESSION_EXPIRED,
    "the session can no longer be resumed: what it sent while detached passed the replay limits",
    { details: { reason: "overflow" } },
  );
}
