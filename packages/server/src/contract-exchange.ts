import { ErrorCode, isSockwireError, SockwireError, WireCode } from "@sockwire/protocol";
import { clip } from "@sockwire/protocol/internal";
import type { Refusal } from "./handshake.js";

// The server's half of the contract exchange (PROTOCOL.md 8.1, "Contracts that differ") is made of
// the protocol package's contractOffer and contractForms; this file only says how their failures
// are refused: a frame that does not fit the client is a CONTRACT_MISMATCH; anything malformed or
// out of place is a PROTOCOL_ERROR.

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
