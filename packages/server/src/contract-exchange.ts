import { ErrorCode, isSockwireError, SockwireError, WireCode } from "@sockwire/protocol";
import { clip } from "@sockwire/protocol/internal";
import type { Refusal } from "./handshake.js";

// The server's half of the contract exchange (PROTOCOL.md 8.1, "Contracts that differ") and of
// reflection is made of the protocol package's contractOffer, contractForms and reflectionFrame;
// this file only says how their failures are refused: a frame that does not fit the client is a
// CONTRACT_MISMATCH; anything malformed or out of place is a PROTOCOL_ERROR.

/**
 * The refusal for an error thrown by a step of the exchange.
 *
 * @example
 * ```ts
 * try { frame = contractOffer(local, limit, hello.maxFrameBytes); }
 * catch (error) { refuse(exchangeRefusal(error)); }
 * ```
 */
export function exchangeRefusal(thrown: unknown): Refusal {
  const error = isSockwireError(thrown)
    ? thrown
    : new SockwireError(ErrorCode.FRAME_MALFORMED, "the contract exchange failed", {
        cause: thrown,
      });
  const code =
    error.code === ErrorCode.CONTRACT_MISMATCH
      ? WireCode.CONTRACT_MISMATCH
      : WireCode.PROTOCOL_ERROR;
  return { reason: { code, message: clip(error.message) }, error };
}

/**
 * The frame `make` encodes (a step of the exchange, the reflection answer), or the refusal for
 * what it threw: over the client's receive limit, or malformed.
 *
 * @example
 * ```ts
 * const answer = frameOrRefusal(() => reflectionFrame(host.local, hello.maxFrameBytes));
 * if (Buffer.isBuffer(answer)) session.closeAfter(answer, "NORMAL"); else refuse(answer);
 * ```
 */
export function frameOrRefusal(make: () => Buffer): Buffer | Refusal {
  try {
    return make();
  } catch (error) {
    return exchangeRefusal(error);
  }
}
