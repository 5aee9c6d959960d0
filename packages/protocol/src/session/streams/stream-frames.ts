import { z } from "zod";
import { ENVELOPE_FIXED_BYTES, FRAME_PREFIX_BYTES } from "../../constants.js";
import { type Envelope, encodeEnvelope } from "../../envelope/envelope.js";
import { Kind } from "../../envelope/kinds.js";
import { WireCode } from "../../errors/wire-codes.js";
import { type Reason, reasonSchema } from "../../handshake/handshake.js";
import { decodeControl, encodeControl } from "../../message/control.js";
import { type OutgoingFrame, outgoingBytes } from "../../message/outgoing-frame.js";
import type { Grant } from "./credit.js";

// The control frames of streams (PROTOCOL.md 8.7), written and read the same way by both ends:
// `stream-credit` and the reasons of `stream-error` and `stream-cancel`. The frames that carry a
// stream's values (open, item, end) are the message layer's (message/stream-messages.ts).

/** A `stream-error` or `stream-cancel` frame with `reason`. */
export function streamReasonFrame(
  kind: typeof Kind.STREAM_ERROR | typeof Kind.STREAM_CANCEL,
  id: number,
  reason: Reason,
): Buffer {
  return encodeEnvelope({ kind, id }, encodeControl(reason));
}

/** A `stream-credit` frame granting `grant.items` more items and `grant.bytes` more bytes. */
export function streamCreditFrame(id: number, grant: Grant): Buffer {
  return encodeEnvelope(
    { kind: Kind.STREAM_CREDIT, id },
    `{"items":${grant.items},"bytes":${grant.bytes}}`,
  );
}

/** Payload bytes of an item frame this side encoded (no type, no deadline), for its credit. */
export function itemPayloadBytes(frame: OutgoingFrame): number {
  return outgoingBytes(frame) - FRAME_PREFIX_BYTES - ENVELOPE_FIXED_BYTES;
}

const creditSchema = z.object({
  items: z.number().int().min(0).max(0xffff_ffff),
  bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

const NO_GRANT: Grant = Object.freeze({ items: 0, bytes: 0 });

/** What a `stream-credit` frame grants (nothing for a malformed one). */
export function creditOf(envelope: Envelope): Grant {
  try {
    return decodeControl(creditSchema, envelope.payload, "stream-credit");
  } catch {
    return NO_GRANT;
  }
}

/** The reason a `stream-error` or `stream-cancel` frame carries (a generic one if malformed). */
export function reasonOf(envelope: Envelope): Reason {
  try {
    return decodeControl(reasonSchema, envelope.payload, "stream-error");
  } catch {
    return { code: WireCode.PROTOCOL_ERROR, message: "malformed stream reason" };
  }
}
