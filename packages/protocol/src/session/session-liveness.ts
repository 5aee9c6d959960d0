import { encodeEnvelope } from "../envelope/envelope.js";
import { Kind } from "../envelope/kinds.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { WireCode } from "../errors/wire-codes.js";
import type { Liveness } from "./liveness.js";
import type { SessionCloser } from "./session-closer.js";
import type { SessionOutput } from "./session-output.js";
import type { SessionState } from "./session-types.js";

/** What acting on a liveness verdict needs of the session. */
export interface LivenessTarget {
  readonly state: SessionState;
  readonly liveness: Liveness;
  readonly output: SessionOutput;
  readonly closer: SessionCloser;
}

/**
 * Acts on the liveness verdict at `now` (the shared ticker's call, PROTOCOL.md 8.2): a ping when
 * the peer has been quiet for the interval, an immediate close (`HEARTBEAT_TIMEOUT`) when it has
 * been quiet for interval + timeout, and a protocol error (`FRAME_STALLED`) when a partial frame
 * did not complete within the frame deadline.
 */
export function onTick(target: LivenessTarget, now: number): void {
  switch (target.liveness.check(now)) {
    case "ping":
      // Also while closing: a close that waits for work in flight keeps the peer hearing of us.
      // Once our FIN is out nothing more may be written (and "dead" is left to the close timer).
      if (!target.closer.outputEnded)
        target.output.sendRaw(encodeEnvelope({ kind: Kind.PING }, undefined));
      return;
    case "dead":
      // After our FIN we cannot ping, so the peer's silence proves nothing: the close timeout
      // bounds the wait for its FIN instead.
      if (target.closer.outputEnded) return;
      target.closer.destroy(
        WireCode.HEARTBEAT_TIMEOUT,
        new SockwireError(
          ErrorCode.CONNECTION_LOST,
          "no frame from the peer within heartbeat interval + timeout",
        ),
      );
      return;
    case "frame-stalled":
      target.closer.fail(
        new SockwireError(
          ErrorCode.FRAME_TIMEOUT,
          "a partial frame did not complete within the frame deadline",
        ),
      );
      return;
    default:
  }
}
