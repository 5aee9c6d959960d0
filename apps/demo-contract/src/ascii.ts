/** The byte .NET's ASCII encoding substitutes for anything outside 7-bit ASCII: `?`. */
const REPLACEMENT = 0x3f;

/**
 * Encodes text the way the article's programs do (`Encoding.ASCII.GetBytes`): one byte per
 * character, and `?` for every code point outside 7-bit ASCII. Raw mode uses it so its bytes are
 * exactly what the original programs send and expect.
 *
 * @example
 * ```ts
 * encodeAscii("Hi 你"); // <Buffer 48 69 20 3f>
 * ```
 */
export function encodeAscii(text: string): Buffer {
  const bytes: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? REPLACEMENT;
    bytes.push(cp < 0x80 ? cp : REPLACEMENT);
  }
  return Buffer.from(bytes);
}

/**
 * Decodes bytes the way the article's programs do (`Encoding.ASCII.GetString`): bytes below
 * 0x80 as themselves, every other byte as `?`.
 *
 * @example
 * ```ts
 * decodeAscii(Buffer.from([0x48, 0x69, 0xe4])); // "Hi?"
 * ```
 */
export function decodeAscii(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : "?";
  return out;
}
