import { ErrorCode } from "../../errors/codes.js";
import { SockwireError } from "../../errors/sockwire-error.js";

/**
 * The error for a node zod cannot state: a valid form that no zod schema produces (a union both
 * discriminated and exclusive, a template literal with an object part...). `path` names the node
 * from the schema's root, as validation errors do.
 */
export function notExpressible(path: string, why: string, cause?: unknown): SockwireError {
  return new SockwireError(
    ErrorCode.INVALID_ARGUMENT,
    `canonical form ${path || "(root)"}: ${why}`,
    cause === undefined ? { details: { path } } : { cause, details: { path } },
  );
}
