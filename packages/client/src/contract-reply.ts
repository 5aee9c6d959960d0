import { ErrorCode, isSockwireError, SockwireError, type Welcome } from "@sockwire/protocol";
import { type ContractTerms, reconcileTerms } from "@sockwire/protocol/internal";

// The client's half of the contract exchange (PROTOCOL.md 8.1, "Contracts that differ") is made
// of the protocol package's contractAnswer and contractTermsFromForms; this file says how their
// failures end the attempt, and how the welcome's word on the contract is checked.

/**
 * The error an attempt fails with when a step of the exchange throws: a frame too large for the
 * server stays `ERR_CONTRACT_MISMATCH`; anything the server sent wrong is `ERR_CONNECT_FAILED`
 * with the precise error as its cause.
 *
 * @example
 * ```ts
 * try { reply = contractAnswer(local, envelope); } catch (error) { abort(exchangeFailure(error)); }
 * ```
 */
export function exchangeFailure(thrown: unknown): SockwireError {
  if (isSockwireError(thrown) && thrown.code === ErrorCode.CONTRACT_MISMATCH) return thrown;
  return new SockwireError(
    ErrorCode.CONNECT_FAILED,
    `the server's contract exchange failed: ${isSockwireError(thrown) ? thrown.message : "?"}`,
    { cause: thrown },
  );
}

/**
 * The terms the connection opens with, given what the welcome says: none when the contracts are
 * the same; ours, with whatever the server also disabled, after an exchange; an error when the
 * welcome and the exchange disagree about whether there was one.
 */
export function termsAtWelcome(
  terms: ContractTerms | undefined,
  welcome: Welcome,
): ContractTerms | undefined | SockwireError {
  const said = welcome.contract;
  if (said === undefined && terms === undefined) return undefined;
  if (said === undefined || terms === undefined) {
    return new SockwireError(
      ErrorCode.CONNECT_FAILED,
      "the server's welcome and the contract exchange disagree",
    );
  }
  return reconcileTerms(terms, said.disabled);
}
