import type { MessageKey } from "../contract/canonical/node-types.js";
import type { Envelope } from "../envelope/envelope.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import {
  decodeContractFrame,
  encodeContractFrame,
  expectContract,
  fitting,
  type ReceivedSchema,
} from "./contract-frame.js";
import type { ContractTerms } from "./contract-terms.js";
import type { LocalContract } from "./local-contract.js";

/**
 * The three `contract` frames of a handshake between two versions of one contract (PROTOCOL.md
 * 8.1, "Contracts that differ"), one function per step, shared by server and client so both read
 * and write them alike:
 *
 * ```
 * server: offer   {maxFrameBytes, messages}   its receive limit and message digests
 * client: answer  {messages, schemas}         its digests, and its forms of the messages
 *                                             both have with different digests
 * server: forms   {schemas}                   its forms of those same messages
 * ```
 *
 * After the answer the server knows both sides' forms of every message that differs, and after
 * the forms the client does too: each works out the same terms. Only digests travel for messages
 * that are equal, so the frames stay small when two versions differ in a few messages.
 */

/** What the client keeps between its answer and the server's forms. */
export interface PendingExchange {
  readonly remote: ReadonlyMap<MessageKey, string>;
  readonly differing: readonly MessageKey[];
}

/**
 * Server, first step: the offer, our receive limit and message digests.
 *
 * @throws `ERR_CONTRACT_MISMATCH` when the frame exceeds the client's receive limit.
 */
export function contractOffer(
  local: LocalContract,
  maxFrameBytes: number,
  peerLimit: number,
): Buffer {
  return fitting(encodeContractFrame({ maxFrameBytes, messages: local.digests }), peerLimit);
}

/**
 * Client, second step: reads the server's offer and answers with our digests and our forms of
 * the messages that differ.
 *
 * @throws `ERR_FRAME_MALFORMED` for a malformed offer, `ERR_CONTRACT_MISMATCH` when the answer
 * exceeds the server's receive limit.
 */
export function contractAnswer(
  local: LocalContract,
  envelope: Envelope,
): { frame: Buffer; pending: PendingExchange } {
  const offer = decodeContractFrame(expectContract(envelope));
  if (offer.messages === undefined || offer.maxFrameBytes === undefined) {
    throw malformed("the server's offer lacks messages or maxFrameBytes");
  }
  const differing = local.differing(offer.messages);
  const frame = encodeContractFrame({
    messages: local.digests,
    schemas: local.schemasFor(differing),
  });
  return {
    frame: fitting(frame, offer.maxFrameBytes),
    pending: { remote: offer.messages, differing },
  };
}

/**
 * Server, third step: reads the client's answer, works out the terms, and sends our forms of the
 * messages that differ.
 *
 * @throws `ERR_FRAME_MALFORMED` for a malformed answer (or one whose forms do not match its
 * digests), `ERR_CONTRACT_MISMATCH` when our forms exceed the client's receive limit.
 */
export function contractForms(
  local: LocalContract,
  envelope: Envelope,
  peerLimit: number,
): { frame: Buffer; terms: ContractTerms } {
  const answer = decodeContractFrame(expectContract(envelope));
  if (answer.messages === undefined) throw malformed("the client's answer lacks messages");
  const differing = local.differing(answer.messages);
  checkSchemas(answer.schemas, differing, answer.messages);
  const frame = encodeContractFrame({ schemas: local.schemasFor(differing) });
  return {
    frame: fitting(frame, peerLimit),
    terms: local.termsWith(answer.messages, answer.schemas),
  };
}

/**
 * Client, last step: reads the server's forms and works out the terms.
 *
 * @throws `ERR_FRAME_MALFORMED` for malformed forms, or forms that are not those of the messages
 * that differ.
 */
export function contractTermsFromForms(
  local: LocalContract,
  envelope: Envelope,
  pending: PendingExchange,
): ContractTerms {
  const forms = decodeContractFrame(expectContract(envelope));
  checkSchemas(forms.schemas, pending.differing, pending.remote);
  return local.termsWith(pending.remote, forms.schemas);
}

/** The schemas must be exactly those of `expected`, each matching the digest announced for it. */
function checkSchemas(
  schemas: ReadonlyMap<MessageKey, ReceivedSchema>,
  expected: readonly MessageKey[],
  announced: ReadonlyMap<MessageKey, string>,
): void {
  if (schemas.size !== expected.length) {
    throw malformed(`expected the forms of ${expected.length} message(s), got ${schemas.size}`);
  }
  for (const key of expected) {
    const schema = schemas.get(key);
    if (schema === undefined) throw malformed(`the form of ${key} is missing`);
    if (schema.digest !== announced.get(key)) {
      throw malformed(`the form of ${key} does not match its digest`);
    }
  }
}

function malformed(why: string): SockwireError {
  return new SockwireError(ErrorCode.FRAME_MALFORMED, `malformed contract frame: ${why}`);
}
