import type { z } from "zod";
import { JsonCodec } from "../codec/json-codec.js";
import { validatePayload } from "../contract/validate.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { acceptCheckFor } from "./accept-check.js";
import { followsPlan } from "./plan/plan-match.js";
import { shapeForSchema } from "./plan/schema-plan.js";

// Control payloads (hello, welcome, reject, error, goaway) are JSON whatever codec the connection
// negotiates, so any implementation can read them. Their depth is small; 16 is plenty.
const controlCodec = new JsonCodec(16);

/** Encodes a control payload as JSON text. */
export function encodeControl(value: unknown): string {
  return controlCodec.encode(value) as string;
}

/**
 * Decodes and validates a control payload. Throws `ERR_PAYLOAD_INVALID`/`ERR_PAYLOAD_TOO_DEEP`
 * for bad JSON and `ERR_VALIDATION_FAILED` for a wrong shape.
 */
export function decodeControl<T extends z.ZodType>(
  schema: T,
  bytes: Buffer,
  what: string,
): z.output<T> {
  // Control payloads are rare (a hello or a welcome once per connection, a goaway or a reject at
  // its end, an error now and then), so they are parsed by JSON.parse rather than by a parser
  // compiled from their plan (see followsPlan for why). Zod is still skipped when the value has
  // the plan's keys in the plan's order and nothing else, and the compiled check accepts it: that
  // value is what zod would return. Anything else (credentials, extra keys) goes through zod.
  const value = controlCodec.decode(bytes);
  const plan = shapeForSchema(schema);
  if (plan !== undefined && followsPlan(plan, value) && acceptCheckFor(schema)?.(value) === true) {
    return value as z.output<T>;
  }
  if (value === undefined) {
    throw new SockwireError(ErrorCode.PAYLOAD_INVALID, `${what} payload is empty`);
  }
  return validatePayload(schema, value, what);
}
