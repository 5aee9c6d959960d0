import type { z } from "zod";
import type { StreamSchema } from "../contract/types.js";
import { PayloadRole } from "../contract/validate.js";
import { type Envelope, encodeEnvelope, wireDeadline } from "../envelope/envelope.js";
import { Kind } from "../envelope/kinds.js";
import { decodeValidated } from "./decode.js";
import { encodeInArena } from "./encode-in-arena.js";
import type { MessageCodec } from "./message-codec.js";
import { unknownType } from "./message-errors.js";
import { encodeWireValue, outboundValue } from "./outbound.js";
import type { OutgoingFrame } from "./outgoing-frame.js";

/**
 * The payload-carrying frames of streams (PROTOCOL.md 8.7), validated against the stream's
 * schemas like any message: `stream-open` (the input), `stream-item` (an `item` from the
 * responder, a `send` item from the opener) and `stream-end` (the responder's result). Items go
 * through the frame arena like events, so a stream of small items costs what events cost. The
 * opener's schemas are its own side's table; the responder's are the peer's.
 */

/** Which schema of a stream a payload follows. */
export type StreamPart = "input" | "item" | "send" | "result";

const ROLES: Record<StreamPart, PayloadRole> = {
  input: PayloadRole.STREAM_INPUT,
  item: PayloadRole.STREAM_ITEM,
  send: PayloadRole.STREAM_SEND,
  result: PayloadRole.STREAM_RESULT,
};

/** The stream `name` this side opens, or undefined. */
export function ownStream(messages: MessageCodec, name: string): StreamSchema | undefined {
  return messages.contract[messages.side].streams.get(name);
}

/** The stream `name` the peer opens, or undefined. */
export function peerStream(messages: MessageCodec, name: string): StreamSchema | undefined {
  return messages.contract[messages.side === "client" ? "server" : "client"].streams.get(name);
}

/**
 * The `stream-open` frame of this side's stream `name` with `id`, with a whole-stream deadline
 * of `timeoutMs` (0: none).
 *
 * @throws `ERR_UNKNOWN_MESSAGE_TYPE` for a stream this side does not open, `ERR_VALIDATION_FAILED`.
 */
export function streamOpenFrame(
  messages: MessageCodec,
  id: number,
  name: string,
  input: unknown,
  timeoutMs: number,
): Buffer {
  const schema = ownStream(messages, name);
  if (schema === undefined) throw unknownType("stream", name);
  const value = outboundValue(schema.input, input, messages.validate, ROLES.input, name);
  const deadline = timeoutMs > 0 ? wireDeadline(timeoutMs) : undefined;
  return encodeEnvelope(
    { kind: Kind.STREAM_OPEN, id, type: name, ...(deadline ? { deadlineMs: deadline } : {}) },
    encodeWireValue(messages.codec, schema.input, value),
  );
}

/**
 * An item frame of stream `name` (`part`: `item` when we respond, `send` when we opened it),
 * encoded in the frame arena when it is free.
 */
export function streamItemFrame(
  messages: MessageCodec,
  schema: z.ZodType,
  id: number,
  name: string,
  part: "item" | "send",
  item: unknown,
): OutgoingFrame {
  const value = outboundValue(schema, item, messages.validate, ROLES[part], name);
  return (
    encodeInArena(Kind.STREAM_ITEM, id, "", undefined, messages.codec, schema, value) ??
    encodeEnvelope({ kind: Kind.STREAM_ITEM, id }, encodeWireValue(messages.codec, schema, value))
  );
}

/** The `stream-end` frame: the responder's `result` (validated), or the opener's, empty. */
export function streamEndFrame(
  messages: MessageCodec,
  id: number,
  name: string,
  schema: z.ZodType | undefined,
  result: unknown,
): Buffer {
  if (schema === undefined) return encodeEnvelope({ kind: Kind.STREAM_END, id }, undefined);
  const value = outboundValue(schema, result, messages.validate, ROLES.result, name);
  return encodeEnvelope(
    { kind: Kind.STREAM_END, id },
    encodeWireValue(messages.codec, schema, value),
  );
}

/**
 * The validated payload of a received stream frame, for the part of stream `name` it carries; a
 * part the stream does not declare carries no value.
 *
 * @throws `ERR_VALIDATION_FAILED`, `ERR_PAYLOAD_INVALID`...
 */
export function readStreamPayload(
  messages: MessageCodec,
  envelope: Envelope,
  schema: z.ZodType | undefined,
  part: StreamPart,
  name: string,
): unknown {
  if (schema === undefined) return undefined;
  return decodeValidated(messages.codec, envelope, schema, ROLES[part], name);
}
