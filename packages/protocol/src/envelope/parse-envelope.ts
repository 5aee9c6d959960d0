import { DEADLINE_FIELD_BYTES, ENVELOPE_FIXED_BYTES } from "../constants.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { readU32 } from "../frame/u32.js";
import type { Envelope } from "./envelope.js";
import {
  Flag,
  isIgnorableKind,
  isKnownKind,
  KNOWN_REQUIRED_FLAGS,
  kindName,
  REQUIRED_FLAG_MASK,
} from "./kinds.js";
import { ReceivedEnvelope } from "./received-envelope.js";
import { readTypeName } from "./type-names.js";

/**
 * Parses a frame body into an {@link Envelope}. Returns `undefined` for an ignorable extension
 * kind this version does not know (the caller drops the frame). Throws a {@link SockwireError}
 * (`ERR_FRAME_MALFORMED`, `ERR_UNKNOWN_KIND`, `ERR_UNKNOWN_FLAGS`) for a body that breaks the
 * format; those are fatal to the connection.
 *
 * @example
 * ```ts
 * const env = parseEnvelope(body);
 * if (env?.kind === Kind.EVENT) route(env.type, env.payload);
 * ```
 */
export function parseEnvelope(body: Buffer): Envelope | undefined {
  return parseEnvelopeAt(body, 0, body.length);
}

/**
 * {@link parseEnvelope} for the body at `bytes[start..end)`, so a decoder can parse a frame where
 * it lies in the received chunk: the only view created is the payload's.
 */
export function parseEnvelopeAt(bytes: Buffer, start: number, end: number): Envelope | undefined {
  const bodyBytes = end - start;
  if (bodyBytes < ENVELOPE_FIXED_BYTES) {
    throw new SockwireError(
      ErrorCode.FRAME_MALFORMED,
      `frame body of ${bodyBytes} bytes is shorter than the 7-byte envelope header`,
    );
  }
  const kind = bytes[start] as number;
  if (!isKnownKind(kind)) {
    if (isIgnorableKind(kind)) return undefined;
    throw new SockwireError(ErrorCode.UNKNOWN_KIND, `unknown frame kind ${kindName(kind)}`, {
      details: { kind },
    });
  }
  const flags = bytes[start + 1] as number;
  const unknownRequired = flags & REQUIRED_FLAG_MASK & ~KNOWN_REQUIRED_FLAGS;
  if (unknownRequired !== 0) {
    throw new SockwireError(
      ErrorCode.UNKNOWN_FLAGS,
      `unknown required flags 0x${flags.toString(16)}`,
      { details: { flags } },
    );
  }
  const id = readU32(bytes, start + 2);
  const typeStart = start + ENVELOPE_FIXED_BYTES;
  let at = typeStart + (bytes[start + 6] as number);
  const hasDeadline = (flags & Flag.DEADLINE) !== 0;
  const headerEnd = at + (hasDeadline ? DEADLINE_FIELD_BYTES : 0);
  if (headerEnd > end) {
    throw new SockwireError(ErrorCode.FRAME_MALFORMED, "envelope header runs past the frame body", {
      details: { bodyBytes, headerBytes: headerEnd - start },
    });
  }
  const type = readTypeName(bytes, typeStart, at);
  let deadlineMs: number | undefined;
  if (hasDeadline) {
    deadlineMs = readU32(bytes, at);
    at += DEADLINE_FIELD_BYTES;
  }
  return new ReceivedEnvelope(kind, flags, id, type, deadlineMs, bytes, at, end);
}
