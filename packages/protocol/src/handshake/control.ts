import type { z } from "zod";
import { jsonCodec } from "../codec/json-codec.js";
import { validatePayload } from "../contract/validate.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";

// Control payloads (hello, welcome, reject, error, goaway) are JSON whatever codec the connection
// negotiates, so any implementation can read them. Their depth is small; 16 is plenty.
const controlCodec = jsonCodec({ maxDepth: 16 });

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
  const value = controlCodec.decode(bytes);
  if (value === undefined) {
    throw new SockwireError(ErrorCode.PAYLOAD_INVALID, `${what} payload is empty`);
  }
  return validatePayload(schema, value, what);
}
