import type { CanonicalContract } from "../contract/canonical/node-types.js";
import type { Envelope } from "../envelope/envelope.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import {
  decodeContractFrame,
  encodeContractFrame,
  expectContract,
  fitting,
} from "./contract-frame.js";
import type { LocalContract } from "./local-contract.js";

/**
 * Reflection (protocol 1.1, PROTOCOL.md 8.1 "Reflection"): a client with no contract of its own
 * sends a hello with `reflect: true`, and a server that allows it answers with one `contract` frame
 * holding its whole contract form, then half-closes, as after a reject. The connection carries
 * nothing else: it is for describing the server, and a client that wants to talk to it then
 * connects again with a contract rebuilt from the form (`contractFromForm`).
 *
 * ```
 * client                                          server (reflection on)
 *   │ ── hello {reflect: true, contract: {name: ""}} ─► │  version, name, credentials checked
 *   │ ◄───────────────────────── contract {form} ───── │  after authenticate
 *   │ ◄──────────────────────────────────────── FIN ── │
 * ```
 */

/**
 * Server: the reflection answer, a `contract` frame whose `form` is our whole contract form.
 *
 * @throws `ERR_CONTRACT_MISMATCH` when it exceeds the client's receive limit.
 *
 * @example
 * ```ts
 * session.sendHandshakeFrame(reflectionFrame(host.local, hello.maxFrameBytes));
 * ```
 */
export function reflectionFrame(local: LocalContract, peerLimit: number): Buffer {
  return fitting(encodeContractFrame({ form: local.form }), peerLimit);
}

/**
 * Client: the contract form a reflection answer carries, checked as any form from outside.
 *
 * @throws `ERR_UNEXPECTED_FRAME` for a frame that is not a `contract` frame, `ERR_FRAME_MALFORMED`
 * for one without a valid `form`.
 */
export function reflectedForm(envelope: Envelope): CanonicalContract {
  const { form } = decodeContractFrame(expectContract(envelope));
  if (form === undefined) {
    throw new SockwireError(
      ErrorCode.FRAME_MALFORMED,
      "malformed contract frame: a reflection answer must carry the server's form",
    );
  }
  return form;
}
