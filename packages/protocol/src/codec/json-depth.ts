import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Throws `ERR_PAYLOAD_TOO_DEEP` when JSON text nests objects/arrays deeper than `maxDepth`.
 *
 * A flat byte scan, not a recursive walk, so hostile input (`[` x 500,000) cannot blow the stack
 * here, and the parsed value handed on is known to be shallow enough for recursive consumers
 * (zod, JSON.stringify) afterwards. Brackets inside strings are skipped. Text of at most
 * `maxDepth` bytes cannot be too deep, so small payloads skip the scan.
 */
export function assertJsonDepth(
  bytes: Uint8Array,
  maxDepth: number,
  start = 0,
  end = bytes.length,
): void {
  if (end - start <= maxDepth) return;
  let depth = 0;
  let inString = false;
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) {
        throw new SockwireError(
          ErrorCode.PAYLOAD_TOO_DEEP,
          `payload nests deeper than ${maxDepth} levels`,
          { details: { maxDepth, offset: i - start } },
        );
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
}
