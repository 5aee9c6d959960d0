import { isUtf8 } from "node:buffer";
import { DEFAULT_MAX_DEPTH } from "../constants.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { utf8Text } from "./buffer-text.js";
import type { PayloadCodec } from "./codec.js";
import { assertJsonDepth } from "./json-depth.js";
import { mayContainPoisonedKeys, stripPoisonedKeys } from "./poisoning.js";

/** Options of {@link jsonCodec}. */
export interface JsonCodecOptions {
  /** Deepest nesting of objects and arrays accepted when decoding. Default 64. */
  maxDepth?: number | undefined;
}

const REPLACEMENT_CHAR = "\uFFFD";
/**
 * One scan that clears almost every payload of both follow-up checks: a U+FFFD (possibly from
 * invalid UTF-8) and anything that could spell a poisoning key. Cheaper than four `includes`.
 */
const SUSPECT = /\uFFFD|__proto__|constructor|\\u/;

/**
 * The default codec: UTF-8 JSON, with a nesting-depth limit, strict UTF-8 (invalid bytes are an
 * error, never silently replaced) and prototype-poisoning keys removed. `undefined` encodes to an
 * empty payload and an empty payload decodes to `undefined`.
 *
 * @example
 * ```ts
 * const codec = jsonCodec({ maxDepth: 32 });
 * codec.decode(Buffer.from('{"a":1}'));   // { a: 1 }
 * ```
 */
export function jsonCodec(options: JsonCodecOptions = {}): PayloadCodec {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > 10_000) {
    throw new SockwireError(
      ErrorCode.INVALID_ARGUMENT,
      "maxDepth must be an integer from 1 to 10000",
    );
  }
  return new JsonCodec(maxDepth);
}

/**
 * The JSON codec's implementation. The message layer recognises it (`instanceof`) to read and
 * write payloads along a schema's plan, within its `maxDepth`; the class stays internal so that
 * this is not part of the public codec interface. Members are arrow functions so a destructured
 * `decode` keeps working.
 */
export class JsonCodec implements PayloadCodec {
  readonly name = "json";

  constructor(readonly maxDepth: number) {}

  readonly encode = (value: unknown): string => {
    if (value === undefined) return "";
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (cause) {
      throw new SockwireError(ErrorCode.PAYLOAD_INVALID, "value cannot be encoded as JSON", {
        cause,
      });
    }
    if (text === undefined) {
      throw new SockwireError(ErrorCode.PAYLOAD_INVALID, "value has no JSON representation");
    }
    return text;
  };

  readonly decode = (bytes: Buffer): unknown => this.decodeRange(bytes, 0, bytes.length);

  readonly decodeRange = (bytes: Buffer, start: number, end: number): unknown =>
    end === start ? undefined : this.decodeText(bytes, start, end, utf8Text(bytes, start, end));

  /** The general path: `text` is the UTF-8 decoding of the non-empty `bytes[start..end)`. */
  private decodeText(bytes: Buffer, start: number, end: number, text: string): unknown {
    const maxDepth = this.maxDepth;
    assertJsonDepth(bytes, maxDepth, start, end);
    const suspect = SUSPECT.test(text);
    // Decoding replaces invalid sequences with U+FFFD; only then is the strict check needed.
    if (suspect && text.includes(REPLACEMENT_CHAR) && !isUtf8(bytes.subarray(start, end))) {
      throw new SockwireError(ErrorCode.PAYLOAD_INVALID, "payload is not valid UTF-8");
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new SockwireError(ErrorCode.PAYLOAD_INVALID, "payload is not valid JSON", {
        cause,
        details: { bytes: end - start },
      });
    }
    if (suspect && mayContainPoisonedKeys(text)) stripPoisonedKeys(value);
    return value;
  }
}

/** The shared default JSON codec (depth 64). */
export const defaultCodec: PayloadCodec = jsonCodec();
