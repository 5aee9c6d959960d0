import type { z } from "zod";
import type { PayloadCodec } from "../codec/codec.js";
import { JsonCodec } from "../codec/json-codec.js";
import type { ParsePlan } from "../codec/json-plan.js";
import { planForSchema } from "../codec/schema-plan.js";
import { acceptCheckFor } from "../contract/accept-check.js";
import { type PayloadRole, parsePayload } from "../contract/validate.js";
import type { Envelope } from "./envelope.js";
import type { Kind } from "./kinds.js";

/**
 * The {@link Envelope} that parsing returns. Its payload stays a range of the received bytes until
 * someone asks for `payload`: a codec with `decodeRange` reads the range directly, so the usual
 * path (parse, decode, validate) never builds the view, which costs about as much as the rest of
 * the framing work for a small message.
 */
export class ReceivedEnvelope implements Envelope {
  readonly #bytes: Buffer;
  readonly #start: number;
  readonly #end: number;
  #view: Buffer | undefined;

  constructor(
    readonly kind: Kind,
    readonly flags: number,
    readonly id: number,
    readonly type: string,
    readonly deadlineMs: number | undefined,
    bytes: Buffer,
    start: number,
    end: number,
  ) {
    this.#bytes = bytes;
    this.#start = start;
    this.#end = end;
  }

  /** The payload bytes, as a view into the received chunk (made on first use). */
  get payload(): Buffer {
    this.#view ??= this.#bytes.subarray(this.#start, this.#end);
    return this.#view;
  }

  /**
   * Decodes the payload of `envelope` with `codec`, straight from the received bytes when both
   * allow it; otherwise through `codec.decode(envelope.payload)`. `schema` is the schema that
   * will validate the value: with the JSON codec, and if the schema has a parse plan, the payload
   * is parsed along it. Other codecs never look a plan up or make one.
   */
  static decodePayload(codec: PayloadCodec, envelope: Envelope, schema?: z.ZodType): unknown {
    if (schema !== undefined && codec instanceof JsonCodec) {
      const plan = planForSchema(schema);
      if (plan !== undefined) return ReceivedEnvelope.#decodePlanned(codec, plan, envelope);
    }
    if (envelope instanceof ReceivedEnvelope && codec.decodeRange !== undefined) {
      return codec.decodeRange(envelope.#bytes, envelope.#start, envelope.#end);
    }
    return codec.decode(envelope.payload);
  }

  /** `codec.decodePlanned` on the payload, read where it lies when the envelope was received. */
  static #decodePlanned(codec: JsonCodec, plan: ParsePlan, envelope: Envelope): unknown {
    if (envelope instanceof ReceivedEnvelope) {
      return codec.decodePlanned(plan, envelope.#bytes, envelope.#start, envelope.#end);
    }
    return codec.decodePlanned(plan, envelope.payload, 0, envelope.payload.length);
  }

  /**
   * Decodes the payload of `envelope` (as `decodePayload`) and validates it against `schema`:
   * returns what zod's parse returns, or throws `ERR_VALIDATION_FAILED` (see `parsePayload`;
   * `role` and `name` say what the payload is).
   *
   * A value the plan parser produced has exactly the schema's keys in the schema's order, so when
   * it also passes the schema's accept check, zod's parse would return a copy equal to it (same
   * keys, same order, same values): it is returned as it is and zod is not run. Anything else is
   * parsed by zod as usual.
   */
  static decodeValidated(
    codec: PayloadCodec,
    envelope: Envelope,
    schema: z.ZodType,
    role: PayloadRole,
    name: string,
  ): unknown {
    const plan = codec instanceof JsonCodec ? planForSchema(schema) : undefined;
    if (plan === undefined) {
      return parsePayload(schema, ReceivedEnvelope.decodePayload(codec, envelope), role, name);
    }
    const json = codec as JsonCodec;
    const value = ReceivedEnvelope.#decodePlanned(json, plan, envelope);
    if (json.lastOnPlan && acceptCheckFor(schema)?.(value) === true) return value;
    return parsePayload(schema, value, role, name);
  }
}

/** {@link ReceivedEnvelope.decodePayload}, as a plain function for the decode paths. */
export const decodePayload = ReceivedEnvelope.decodePayload;

/** {@link ReceivedEnvelope.decodeValidated}, as a plain function for the decode paths. */
export const decodeValidated = ReceivedEnvelope.decodeValidated;
