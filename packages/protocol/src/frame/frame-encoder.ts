import { FRAME_PREFIX_BYTES, MAX_FRAME_BYTES_LIMIT } from "../constants.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";

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
  prefix.writeUInt32BE(bodyLength, 0);
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
  frame.writeUInt32BE(body.length, 0);
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
