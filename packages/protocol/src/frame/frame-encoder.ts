import { FRAME_PREFIX_BYTES, MAX_FRAME_BYTES_LIMIT } from "../constants.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { writeU32 } from "./u32.js";

/**
 * Writes the 4-byte length prefix of a `bodyBytes`-byte frame at `buf[at..at + 4)`; the caller
 * has checked the length (0 to 64 MiB) and the room. The one place a frame's prefix is written:
 * `framePrefix`, `encodeFrame` and the envelope writer call it.
 *
 * @example
 * ```ts
 * writeFramePrefix(frame, 0, frame.length - FRAME_PREFIX_BYTES);
 * ```
 */
export function writeFramePrefix(buf: Uint8Array, at: number, bodyBytes: number): void {
  writeU32(buf, at, bodyBytes);
}

/**
 * Returns the 4-byte length prefix for a body of `bodyLength` bytes. Write it and the body under
 * one `cork()`/`uncork()` so they leave in one segment (two writes with Nagle on stall ~40-200 ms).
 *
 * @example
 * ```ts
 * socket.cork();
 * socket.write(framePrefix(body.length));
 * socket.write(body);
 * socket.uncork();
 * ```
 */
export function framePrefix(bodyLength: number): Buffer {
  checkBodyLength(bodyLength);
  const prefix = Buffer.allocUnsafe(FRAME_PREFIX_BYTES);
  writeFramePrefix(prefix, 0, bodyLength);
  return prefix;
}

/**
 * Encodes one frame (prefix + body) into a single buffer.
 *
 * @example
 * ```ts
 * socket.write(encodeFrame(Buffer.from("hi")));   // 00 00 00 02 68 69
 * ```
 */
export function encodeFrame(body: Uint8Array): Buffer {
  checkBodyLength(body.length);
  const frame = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + body.length);
  writeFramePrefix(frame, 0, body.length);
  frame.set(body, FRAME_PREFIX_BYTES);
  return frame;
}

function checkBodyLength(length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > MAX_FRAME_BYTES_LIMIT) {
    throw new SockwireError(
      ErrorCode.INVALID_ARGUMENT,
      `frame body length must be 0..${MAX_FRAME_BYTES_LIMIT}, got ${String(length)}`,
    );
  }
}
