import type { z } from "zod";
import type { PayloadCodec } from "../codec/codec.js";
import { JsonCodec } from "../codec/json-codec.js";
import { writeUtf8 } from "../codec/utf8-write.js";
import {
  DEADLINE_FIELD_BYTES,
  ENVELOPE_FIXED_BYTES,
  FRAME_PREFIX_BYTES,
  MAX_FRAME_BYTES_LIMIT,
} from "../constants.js";
import { writeEnvelopeHeader } from "../envelope/envelope.js";
import { Flag, type Kind } from "../envelope/kinds.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { ARENA_BYTES, frameArena, type PendingFrame } from "./frame-arena.js";
import { WRITE_NO_ROOM } from "./plan/plan-writer.js";
import { writerForSchema } from "./plan/schema-plan.js";
import { projectValue } from "./wire-form.js";

/** Room asked for before a planned write: most messages fit, larger ones retry in a fresh buffer. */
const PLANNED_ROOM = 1024;

/**
 * Encodes one frame (prefix, header, payload) in the frame arena and returns it as a pending
 * frame, to be claimed or released before anything else is encoded; returns `undefined` when
 * called from inside another encoding (application code run while encoding sent a message), and
 * the caller then encodes into a buffer of its own. The header fields are already checked: `id`
 * a u32 (0 when unused), `type` a contract message name or "", `deadline` as put on the wire
 * (see `wireDeadline`) or `undefined`.
 *
 * With the JSON codec and a schema that has a plan, the payload's JSON is written straight into
 * the arena by the schema's plan writer; otherwise the codec encodes the value projected onto the
 * schema (`projectValue`) and the result is copied in. Both give the same bytes, and neither
 * writes a key the schema does not declare. `value` is what `outboundValue` returned.
 *
 * @throws whatever the codec throws (`ERR_PAYLOAD_INVALID`), and `ERR_INVALID_ARGUMENT` for a body
 * over 64 MiB.
 */
export function encodeInArena(
  kind: Kind,
  id: number,
  type: string,
  deadline: number | undefined,
  codec: PayloadCodec,
  schema: z.ZodType | undefined,
  value: unknown,
): PendingFrame | undefined {
  if (!frameArena.begin()) return undefined;
  const hasDeadline = deadline !== undefined;
  const headBytes =
    FRAME_PREFIX_BYTES +
    ENVELOPE_FIXED_BYTES +
    type.length +
    (hasDeadline ? DEADLINE_FIELD_BYTES : 0);
  let end: number;
  try {
    end = writePayload(headBytes, codec, schema, value);
  } finally {
    frameArena.end();
  }
  const at = frameArena.offset;
  const bodyBytes = end - at - FRAME_PREFIX_BYTES;
  // A planned payload is at most a third of the arena buffer; only the codec's path makes larger
  // ones, and it refuses them before making room. Kept as the last word all the same.
  if (bodyBytes > MAX_FRAME_BYTES_LIMIT) throw tooLarge(bodyBytes);
  const flags = hasDeadline ? Flag.DEADLINE : 0;
  writeEnvelopeHeader(frameArena.buffer, at, bodyBytes, kind, flags, id, type, deadline);
  return frameArena.pending(end - at);
}

/**
 * Writes the payload after `headBytes` of room for the header at the arena's offset and returns
 * where it ends: through the schema's plan writer when there is one (retried once in a fresh
 * buffer when it did not fit), otherwise, or when the writer steps aside, through the codec.
 */
function writePayload(
  headBytes: number,
  codec: PayloadCodec,
  schema: z.ZodType | undefined,
  value: unknown,
): number {
  const write =
    schema !== undefined && codec instanceof JsonCodec ? writerForSchema(schema) : undefined;
  if (write !== undefined) {
    let buf = frameArena.room(headBytes + PLANNED_ROOM);
    let end = write(value, buf, frameArena.offset + headBytes, buf.length);
    if (end === WRITE_NO_ROOM && frameArena.free < ARENA_BYTES) {
      // Too big for what was left of this buffer: once more in a fresh one.
      buf = frameArena.room(ARENA_BYTES);
      end = write(value, buf, frameArena.offset + headBytes, buf.length);
    }
    if (end >= 0) return end;
  }
  const wire = schema === undefined ? value : projectValue(schema, value);
  return encodeGeneral(headBytes, codec, wire);
}

/** Encodes the payload with the codec and copies it in after the header; returns the frame's end. */
function encodeGeneral(headBytes: number, codec: PayloadCodec, value: unknown): number {
  const payload = codec.encode(value);
  if (typeof payload !== "string") {
    const buf = frameArena.room(frameBytes(headBytes, payload.length));
    buf.set(payload, frameArena.offset + headBytes);
    return frameArena.offset + headBytes + payload.length;
  }
  // Up to 3 bytes per UTF-16 unit: when that much is free, write without measuring first.
  const worst = headBytes + 3 * payload.length;
  const buf = frameArena.room(
    frameArena.free >= worst ? worst : frameBytes(headBytes, Buffer.byteLength(payload)),
  );
  const start = frameArena.offset + headBytes;
  return start + writeUtf8(buf, payload, start);
}

/** Size of a frame with a payload of `payloadBytes`, refused before any room is made past 64 MiB. */
function frameBytes(headBytes: number, payloadBytes: number): number {
  const bodyBytes = headBytes - FRAME_PREFIX_BYTES + payloadBytes;
  if (bodyBytes > MAX_FRAME_BYTES_LIMIT) throw tooLarge(bodyBytes);
  return headBytes + payloadBytes;
}

function tooLarge(bodyBytes: number): SockwireError {
  return new SockwireError(
    ErrorCode.INVALID_ARGUMENT,
    `frame body of ${bodyBytes} bytes is over 64 MiB`,
  );
}
