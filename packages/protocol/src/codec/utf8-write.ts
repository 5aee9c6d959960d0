/** Buffer's own UTF-8 writer, present in every Node release but absent from the typings. */
type NativeUtf8Write = (this: Buffer, text: string, offset: number) => number;

const native = (Buffer.prototype as unknown as { utf8Write?: NativeUtf8Write }).utf8Write;

/**
 * Writes `text` as UTF-8 into `buf` at `at` and returns the number of bytes written (the caller
 * has made sure they fit). It calls Buffer's internal `utf8Write` where it exists: `buf.write()`
 * reaches the same code after parsing its optional arguments, which cost about 7 ns per call
 * (measured for a 41-character string: 46 vs 39 ns on Node 20, 29 vs 23 ns on Node 24).
 * Elsewhere it falls back to `buf.write()`.
 *
 * @example
 * ```ts
 * const end = at + writeUtf8(frame, '{"text":"hi"}', at);
 * ```
 */
export const writeUtf8: (buf: Buffer, text: string, at: number) => number =
  typeof native === "function"
    ? (buf, text, at) => native.call(buf, text, at)
    : (buf, text, at) => buf.write(text, at, "utf8");
