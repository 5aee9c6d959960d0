import type { z } from "zod";
import type { PayloadCodec } from "../codec/codec.js";
import { type PayloadRole, parsePayload, validationError } from "../contract/validate.js";
import { acceptCheckFor } from "./accept-check.js";
import { projectValue, sendsParsedOutput } from "./wire-form.js";

// The send side of validation: what a sender writes for a value is only what its schema declares
// (PROTOCOL.md section 6; wire-form.ts has the rules and the projection).

/**
 * Validates a payload about to be sent and returns the value to encode, which the encoder then
 * projects onto the schema (see `wire-form.ts`): a value that passes the schema's accept check is
 * known to pass zod and is returned as it is (the schema has no defaults or transforms, so
 * projecting it gives zod's output); any other value is parsed by zod, with the same error as
 * {@link parsePayload}, and zod's output is returned, or the value itself when the schema has a
 * transform (its output would be transformed again by the receiver). With `validate` false the
 * value is returned unchecked.
 *
 * @example
 * ```ts
 * const wire = outboundValue(schema, row, true, PayloadRole.RESPONSE, "user"); // ERR_VALIDATION_FAILED for a bad row
 * codec.encode(projectValue(schema, wire)); // only the keys the schema declares
 * ```
 */
export function outboundValue(
  schema: z.ZodType,
  value: unknown,
  validate: boolean,
  role: PayloadRole,
  name: string,
): unknown {
  if (!validate) return value;
  const accept = acceptCheckFor(schema);
  if (accept?.(value)) return value;
  const output = parsePayload(schema, value, role, name);
  return sendsParsedOutput(schema) ? output : value;
}

/**
 * Validates a value that travels inside another payload (the hello's credentials) and returns
 * what to send for it: zod's output, or the value itself for a schema with a transform,
 * projected onto the schema so that keys it does not declare stay home (see `wire-form.ts`).
 *
 * @throws `ERR_VALIDATION_FAILED`, as {@link validatePayload}.
 *
 * @example
 * ```ts
 * const credentials = toWireValue(contract.schema.credentials, { token, debug: true }, "credentials");
 * // { token }: the schema does not declare `debug`
 * ```
 */
export function toWireValue(schema: z.ZodType, value: unknown, what: string): unknown {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, what);
  return projectValue(schema, sendsParsedOutput(schema) ? result.data : value);
}

/**
 * Encodes what goes on the wire for `value` (as `outboundValue` returned it) with `codec`: the
 * value projected onto `schema`. The general path of every send; the planned writer is the fast
 * one and writes the same bytes.
 *
 * @example
 * ```ts
 * const payload = encodeWireValue(defaultCodec, schema, outboundValue(schema, data, true, role, name));
 * ```
 */
export function encodeWireValue(
  codec: PayloadCodec,
  schema: z.ZodType,
  value: unknown,
): Uint8Array | string {
  return codec.encode(projectValue(schema, value));
}
