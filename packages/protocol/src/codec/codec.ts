/**
 * A payload codec turns message values into bytes and back. JSON is the default; any codec both
 * peers know can be used (the hello names it and the server refuses codecs it lacks). Handshake
 * payloads are always JSON, whatever codec the connection then uses.
 *
 * `decode` must throw a {@link SockwireError} (`ERR_PAYLOAD_INVALID` or `ERR_PAYLOAD_TOO_DEEP`)
 * for bad input and never let any other exception escape; `encode` throws `ERR_PAYLOAD_INVALID`
 * for values it cannot represent.
 *
 * @example
 * ```ts
 * const upper: PayloadCodec = {
 *   name: "json-upper",
 *   encode: (value) => JSON.stringify(value).toUpperCase(),
 *   decode: (bytes) => JSON.parse(Buffer.from(bytes).toString("utf8")),
 * };
 * ```
 */
export interface PayloadCodec {
  /** Name announced in the handshake, 1-32 chars of `[a-z0-9-]`. */
  readonly name: string;
  /** Encodes a value; a string result is sent as UTF-8. `undefined` should encode to no bytes. */
  encode(value: unknown): Uint8Array | string;
  /** Decodes payload bytes; zero bytes should decode to `undefined`. */
  decode(bytes: Buffer): unknown;
  /**
   * Optional fast path: decodes `bytes[start..end)` exactly as `decode(bytes.subarray(start, end))`
   * would, without the view. Received payloads go through it when it is present.
   */
  decodeRange?(bytes: Buffer, start: number, end: number): unknown;
}

/** Shape of a codec name. */
export const CODEC_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * True for a value shaped like a {@link PayloadCodec}: a name matching {@link CODEC_NAME_PATTERN},
 * `encode` and `decode` functions, and `decodeRange` a function when present. The server's and
 * client's option checks both use it.
 *
 * @example
 * ```ts
 * isPayloadCodec(jsonCodec()); // true
 * isPayloadCodec({ name: "json", encode: JSON.stringify }); // false: no decode
 * ```
 */
export function isPayloadCodec(value: unknown): value is PayloadCodec {
  const codec = value as Partial<PayloadCodec> | null;
  return (
    typeof codec === "object" &&
    codec !== null &&
    typeof codec.name === "string" &&
    CODEC_NAME_PATTERN.test(codec.name) &&
    typeof codec.encode === "function" &&
    typeof codec.decode === "function" &&
    (codec.decodeRange === undefined || typeof codec.decodeRange === "function")
  );
}
