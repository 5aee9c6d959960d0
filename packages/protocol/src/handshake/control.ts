import type { z } from "zod";
import { JsonCodec } from "../codec/json-codec.js";
import { planForSchema } from "../codec/schema-plan.js";
import { acceptCheckFor } from "../contract/accept-check.js";
import { validatePayload } from "../contract/validate.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";

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
  // Control payloads take the fast paths messages take: read along the schema's parse plan (a
  // welcome; a hello unless it carries credentials), and a value the plan parser made that the
  // compiled check accepts is what zod would return (the same keys in the same order), so zod is
  // skipped. Anything else (credentials, extra keys, escapes) goes through zod.
  const plan = planForSchema(schema);
  const value =
    plan === undefined
      ? controlCodec.decode(bytes)
      : controlCodec.decodePlanned(plan, bytes, 0, bytes.length);
  if (plan !== undefined && controlCodec.lastOnPlan && acceptCheckFor(schema)?.(value) === true) {
    return value as z.output<T>;
  }
  if (value === undefined) {
    throw new SockwireError(ErrorCode.PAYLOAD_INVALID, `${what} payload is empty`);
  }
  return validatePayload(schema, value, what);
}
