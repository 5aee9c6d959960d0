import type { z } from "zod";
import type { PayloadCodec } from "../codec/codec.js";
import { JsonCodec } from "../codec/json-codec.js";
import { type PayloadRole, parsePayload } from "../contract/validate.js";
import type { Envelope } from "../envelope/envelope.js";
import { ReceivedEnvelope } from "../envelope/received-envelope.js";
import { acceptCheckFor } from "./accept-check.js";
import { OFF_PLAN, type ParsePlan } from "./plan/plan-compiler.js";
import { planForSchema } from "./plan/schema-plan.js";

/**
 * Decodes the payload of `envelope` with `codec`, straight from the received bytes when both
 * allow it; otherwise through `codec.decode(envelope.payload)`. `schema` is the schema that
 * will validate the value: with the JSON codec, and if the schema has a parse plan, the payload
 * is parsed along it. Other codecs never look a plan up or make one.
 *
 * @example
 * ```ts
 * const value = decodePayload(defaultCodec, envelope, schema); // not validated yet
 * ```
 */
export function decodePayload(
  codec: PayloadCodec,
  envelope: Envelope,
  schema?: z.ZodType,
): unknown {
  if (schema !== undefined && codec instanceof JsonCodec) {
    const plan = planForSchema(schema);
    if (plan !== undefined) {
      const value = parseOnPlan(codec, plan, envelope);
      if (value !== OFF_PLAN) return value;
    }
  }
  return decodeGeneral(codec, envelope);
}

/**
 * Decodes the payload of `envelope` (as {@link decodePayload}) and validates it against `schema`:
 * returns what zod's parse returns, or throws `ERR_VALIDATION_FAILED` (see `parsePayload`; `role`
 * and `name` say what the payload is).
 *
 * A value the plan parser produced has exactly the schema's keys in the schema's order, so when
 * it also passes the schema's accept check, zod's parse would return a copy equal to it (same
 * keys, same order, same values): it is returned as it is and zod is not run. Anything else is
 * parsed by zod as usual.
 *
 * @example
 * ```ts
 * const data = decodeValidated(codec, envelope, schema, PayloadRole.EVENT, "say");
 * ```
 */
export function decodeValidated(
  codec: PayloadCodec,
  envelope: Envelope,
  schema: z.ZodType,
  role: PayloadRole,
  name: string,
): unknown {
  const plan = codec instanceof JsonCodec ? planForSchema(schema) : undefined;
  if (plan !== undefined) {
    const value = parseOnPlan(codec as JsonCodec, plan, envelope);
    if (value !== OFF_PLAN) {
      if (acceptCheckFor(schema)?.(value) === true) return value;
      return parsePayload(schema, value, role, name);
    }
  }
  return parsePayload(schema, decodeGeneral(codec, envelope), role, name);
}

/**
 * The payload parsed along `plan`, read where it lies when the envelope was received, or
 * {@link OFF_PLAN} when it is empty, deeper than the codec allows, or not the plain shape the
 * plan expects: the caller then decodes it the general way, which gives the value or the precise
 * error. Both give the same value for the same bytes.
 */
function parseOnPlan(codec: JsonCodec, plan: ParsePlan, envelope: Envelope): unknown {
  if (plan.depth > codec.maxDepth) return OFF_PLAN;
  if (envelope instanceof ReceivedEnvelope) {
    const { source, payloadStart, payloadEnd } = envelope;
    return payloadEnd === payloadStart ? OFF_PLAN : plan.parse(source, payloadStart, payloadEnd);
  }
  const payload = envelope.payload;
  return payload.length === 0 ? OFF_PLAN : plan.parse(payload, 0, payload.length);
}

/** The codec's own decoding, of the range when the codec can read one. */
function decodeGeneral(codec: PayloadCodec, envelope: Envelope): unknown {
  if (envelope instanceof ReceivedEnvelope && codec.decodeRange !== undefined) {
    return codec.decodeRange(envelope.source, envelope.payloadStart, envelope.payloadEnd);
  }
  return codec.decode(envelope.payload);
}
