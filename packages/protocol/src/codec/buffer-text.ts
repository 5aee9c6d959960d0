/**
 * Text of a byte range without `toString`'s argument parsing. `Buffer#utf8Slice` and
 * `Buffer#latin1Slice` are what `toString("utf8" | "latin1", start, end)` end up calling, minus
 * the encoding lookup and range checks (about 10 ns a call); they have been on Buffer's prototype
 * for as long as Node has had Buffer. The documented path is kept for a runtime without them.
 */

type Slice = (this: Buffer, start: number, end: number) => string;

const proto = Buffer.prototype as unknown as { utf8Slice?: Slice; latin1Slice?: Slice };
const nativeUtf8 = proto.utf8Slice;
const nativeLatin1 = proto.latin1Slice;

/**
 * UTF-8 text of `bytes[start..end)`; invalid sequences become U+FFFD, as `toString` does.
 *
 * @example
 * ```ts
 * utf8Text(Buffer.from("héllo"), 0, 3); // "hé"
 * ```
 */
export const utf8Text: (bytes: Buffer, start: number, end: number) => string =
  typeof nativeUtf8 === "function"
    ? (bytes, start, end) => nativeUtf8.call(bytes, start, end)
    : (bytes, start, end) => bytes.toString("utf8", start, end);

/**
 * Text of `bytes[start..end)` read one byte per character: for bytes all below 0x80 this is the
 * same as their UTF-8 text, and cheaper to make.
 *
 * @example
 * ```ts
 * asciiText(Buffer.from('"seq"'), 1, 4); // "seq"
 * ```
 */
export const asciiText: (bytes: Buffer, start: number, end: number) => string =
  typeof nativeLatin1 === "function"
    ? (bytes, start, end) => nativeLatin1.call(bytes, start, end)
    : (bytes, start, end) => bytes.toString("latin1", start, end);
