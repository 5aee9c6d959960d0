import { createHash } from "node:crypto";
import { ErrorCode } from "../../errors/codes.js";
import { SockwireError } from "../../errors/sockwire-error.js";

/**
 * The JSON Canonicalization Scheme (RFC 8785), for the canonical form's text and digests. Written
 * here rather than borrowed so that its rules are the ones PROTOCOL.md states, and so that a value
 * JCS cannot represent (a lone surrogate, NaN, a bigint, `undefined`) is refused with a coded error
 * instead of being written some other way.
 */

/** Deeper than this is refused: canonical forms nest far less, and it keeps recursion bounded. */
const MAX_DEPTH = 1000;

/**
 * Serialises `value` as RFC 8785 canonical JSON: object members sorted by the UTF-16 code units
 * of their names, no whitespace, numbers as ECMAScript writes them (`1e+21`, `1e-7`, `-0` as `0`),
 * strings with JSON's minimal escaping. Equal values give equal text in every implementation.
 *
 * @throws `ERR_INVALID_ARGUMENT` for what JSON cannot carry exactly: `undefined`, functions,
 * bigints, symbols, NaN and infinities, strings with a lone surrogate, non-plain objects.
 *
 * @example
 * ```ts
 * canonicalText({ b: [1e21, -0, 1e-7], a: "é\n" }); // '{"a":"é\\n","b":[1e+21,0,1e-7]}'
 * ```
 */
export function canonicalText(value: unknown): string {
  return write(value, 0);
}

/**
 * The digest of a canonical value: SHA-256 of its canonical text in UTF-8, the first 16 bytes as
 * 32 lowercase hex characters.
 *
 * @example
 * ```ts
 * canonicalDigest({ type: "string" }); // 32 hex characters, the same in every implementation
 * ```
 */
export function canonicalDigest(value: unknown): string {
  return digestOfText(canonicalText(value));
}

/** The digest of text that is already canonical. */
export function digestOfText(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, 32);
}

function write(value: unknown, depth: number): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return writeNumber(value);
    case "string":
      return writeString(value);
    case "object":
      if (depth >= MAX_DEPTH) throw refuse(`nests deeper than ${MAX_DEPTH} levels`);
      if (Array.isArray(value)) return writeArray(value, depth + 1);
      return writeObject(value as object, depth + 1);
    default:
      throw refuse(`has a ${typeof value}, which JSON cannot carry`);
  }
}

/** ECMAScript's Number::toString is exactly RFC 8785's number form; -0 becomes "0" there too. */
function writeNumber(value: number): string {
  if (!Number.isFinite(value)) throw refuse(`has the number ${value}, which JSON cannot carry`);
  return String(value);
}

function writeArray(items: readonly unknown[], depth: number): string {
  let out = "[";
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ",";
    out += write(items[i], depth);
  }
  return `${out}]`;
}

function writeObject(value: object, depth: number): string {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw refuse("has an object that is not a plain object");
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort(compareUtf16);
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0) out += ",";
    out += `${writeString(key)}:${write(record[key], depth)}`;
  }
  return `${out}}`;
}

/**
 * Orders strings by their UTF-16 code units, as RFC 8785 sorts member names. JavaScript's `<`
 * on strings compares code units already; this names the rule.
 */
export function compareUtf16(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  8: "\\b",
  9: "\\t",
  10: "\\n",
  12: "\\f",
  13: "\\r",
  34: '\\"',
  92: "\\\\",
};

/** JSON's minimal escaping: `"`, `\` and controls below 0x20 only; everything else as it is. */
function writeString(value: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = value.charCodeAt(i + 1);
      if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) {
        throw refuse("has a string with a lone surrogate, which UTF-8 cannot carry");
      }
      i++;
      continue;
    }
    if (unit >= 0x20 && unit !== 0x22 && unit !== 0x5c) continue;
    out +=
      value.slice(start, i) + (SHORT_ESCAPES[unit] ?? `\\u${unit.toString(16).padStart(4, "0")}`);
    start = i + 1;
  }
  return `${out + value.slice(start)}"`;
}

function refuse(what: string): SockwireError {
  return new SockwireError(ErrorCode.INVALID_ARGUMENT, `canonical JSON: the value ${what}`);
}
