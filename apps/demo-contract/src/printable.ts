// Unicode "Cc" (C0 controls, DEL, C1 controls): what a terminal may act on instead of showing.
const CONTROL = /\p{Cc}/gu;

/**
 * Makes peer-supplied text safe to print as part of one console line: control characters
 * (newlines, escape sequences, backspaces...) are shown as `\n`, `\r`, `\t` or `\uXXXX` escapes,
 * so a peer can neither forge extra lines nor drive the terminal. Printable text, Chinese
 * included, is unchanged, so the article's lines come out exactly as it shows them.
 *
 * @example
 * ```ts
 * printable("Client send Message on 2017/4/19 23:15:24"); // unchanged
 * printable("a\nb\u001b[2J");                             // "a\\nb\\u001b[2J"
 * ```
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (ch) => {
    if (ch === "\n") return "\\n";
    if (ch === "\r") return "\\r";
    if (ch === "\t") return "\\t";
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}
