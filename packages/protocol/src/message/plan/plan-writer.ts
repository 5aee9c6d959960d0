import { writeUtf8 } from "../../codec/utf8-write.js";
import { indent, NumberedVariables } from "./generated-code.js";
import type { ArrayPlan, JsonPlan, ObjectPlan } from "./json-plan.js";
import { hasOnlyPlainKeys } from "./plain-keys.js";

/** What a plan writer returns for a value that is not the plain shape its plan describes. */
export const WRITE_OFF_PLAN = -1;
/** What a plan writer returns when the value did not fit between `at` and `end`. */
export const WRITE_NO_ROOM = -2;

/**
 * A writer made from a plan: writes into `buf[at..end)` the UTF-8 bytes of the JSON of `value`
 * as the plan's schema declares it (see {@link compileWriter}) and returns where they end, or
 * returns {@link WRITE_OFF_PLAN} (the caller encodes the general way) or {@link WRITE_NO_ROOM}.
 * Either way it may have written into the range; it never throws for any value.
 */
export type PlanWriter = (value: unknown, buf: Buffer, at: number, end: number) => number;

/**
 * Compiles `plan` into a writer of JSON bytes for values of that shape, or returns `undefined`
 * where code generation is not allowed.
 *
 * The bytes are exactly those of `JSON.stringify(p)` as UTF-8, where `p` is the value projected
 * onto the plan: every object reduced to the plan's keys, in the plan's order (what zod's parse
 * returns for a value its schema accepts, and what `projectValue` makes of it), so keys the
 * schema does not declare never reach the wire. Otherwise the writer steps aside
 * ({@link WRITE_OFF_PLAN}) and the caller encodes `JSON.stringify(projectValue(schema, value))`:
 * for a missing or `undefined` required value; an object whose schema keeps undeclared keys and
 * that has some, or that holds a key the plan left out; an `undefined` array element; a number
 * that is not finite; a string that needs an escape (quote, backslash, control character) or
 * holds a lone surrogate; a boxed primitive; a value of another type than the plan's. Objects are
 * read key by key, as zod reads them, whatever their prototype; a `toJSON` method is not called
 * (zod's output, a plain object, has none).
 *
 * Why: `JSON.stringify` of the benchmark's chat message, then measuring it, allocating a frame and
 * copying the UTF-8 in, took about 450 ns on Node 20 (JSON.stringify alone 215 ns); writing the
 * same bytes straight into a buffer took about 130 ns (Node 24: 160 ns against 90-100 ns).
 * Getters run once here; when the writer steps aside, the general path runs them again (as
 * validation already does).
 *
 * @example
 * ```ts
 * const write = compileWriter({ kind: "object", nullable: false, fields: [...] });
 * const end = write?.({ text: "hi", seq: 1, extra: 2 }, buf, 0, buf.length); // bytes of {"text":"hi","seq":1}
 * ```
 */
export function compileWriter(plan: JsonPlan): PlanWriter | undefined {
  // Keys are written one byte per character from the generated source: only plain ones.
  if (!hasOnlyPlainKeys(plan)) return undefined;
  const source = new WriterSource();
  const code = source.value(plan, "x");
  const body = [`let n = 0${source.declarations()};`, ...code, "return p;"].join("\n");
  try {
    const factory = new Function(
      "isArray",
      "writeString",
      "writeNumber",
      `"use strict";\nreturn function planWriter(x, b, p, e) {\n${body}\n};`,
    ) as (
      isArray: typeof Array.isArray,
      string: typeof writeString,
      number: typeof writeNumber,
    ) => PlanWriter;
    return factory(Array.isArray, writeString, writeNumber);
  } catch {
    return undefined;
  }
}

/** Most bytes `writeNumber` writes: `String()` of a finite double is at most 24 characters. */
const NUMBER_ROOM = 25;
/**
 * Strings up to this long are copied code by code; longer ones through the native UTF-8 writer,
 * whose call costs about 40 ns before it copies anything. Measured over 64 different ASCII
 * strings of each length (Node 20): 8 characters 20 ns by code against 43, 16 about even (50-54),
 * 24 characters 73 against 60, 41 characters 112 against 90; Node 24 alike.
 */
const SHORT_STRING = 16;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** 1 for each byte a JSON string cannot hold as it is (control characters, quote, backslash). */
const NEEDS_ESCAPE = new Uint8Array(256);
NEEDS_ESCAPE.fill(1, 0, 0x20);
NEEDS_ESCAPE[QUOTE] = 1;
NEEDS_ESCAPE[BACKSLASH] = 1;

/**
 * Writes `s` as a JSON string literal at `p`, with room for `3 * s.length + 2` bytes already
 * checked, and returns the end; or {@link WRITE_OFF_PLAN} when `JSON.stringify` would escape
 * something in it.
 */
function writeString(b: Buffer, p: number, s: string): number {
  b[p] = QUOTE;
  const start = p + 1;
  const n = s.length;
  if (n <= SHORT_STRING) {
    let q = start;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === QUOTE || c === BACKSLASH) return WRITE_OFF_PLAN;
      if (c > 0x7f) break;
      b[q++] = c;
    }
    if (i === n) {
      b[q] = QUOTE;
      return q + 1;
    }
  }
  const written = writeUtf8(b, s, start);
  const end = start + written;
  // In UTF-8 every byte below 0x80 is an ASCII character, so scanning bytes finds exactly the
  // characters that need escapes. One table load per byte and no early exit: 87 against 96 ns
  // for a 41-character string with three comparisons per byte (Node 20; Node 24 66 against 75).
  // A string that needs an escape is rare and leaves the fast path anyway.
  let escapes = 0;
  for (let i = start; i < end; i++) escapes |= NEEDS_ESCAPE[b[i] as number] as number;
  if (escapes !== 0) return WRITE_OFF_PLAN;
  // Not all ASCII: a lone surrogate was written as U+FFFD (EF BF BD), where JSON.stringify
  // writes a \u escape. A real U+FFFD looks the same and only takes the general path.
  if (written !== n) {
    for (let i = start; i + 2 < end; i++) {
      if (b[i] === 0xef && b[i + 1] === 0xbf && b[i + 2] === 0xbd) return WRITE_OFF_PLAN;
    }
  }
  b[end] = QUOTE;
  return end + 1;
}

/** Writes finite `x` as `JSON.stringify` does (which is `String(x)`; -0 is "0") and returns the end. */
function writeNumber(b: Buffer, p: number, x: number): number {
  if (x >= 0 && x < 0x80000000 && (x | 0) === x) {
    // Small non-negative integers, the usual case: digits from the right, no string made.
    let digits = 1;
    for (let rest = x; rest >= 10; rest = (rest / 10) | 0) digits++;
    let value = x | 0;
    for (let i = p + digits - 1; i >= p; i--) {
      const next = (value / 10) | 0;
      b[i] = 48 + value - next * 10;
      value = next;
    }
    return p + digits;
  }
  const s = String(x);
  for (let i = 0; i < s.length; i++) b[p + i] = s.charCodeAt(i);
  return p + s.length;
}

/** Builds the generated source; values live in numbered variables. */
class WriterSource {
  private readonly names = new NumberedVariables("x");

  declarations(): string {
    return this.names.declarations();
  }

  private variable(): string {
    return this.names.next();
  }

  /** Statements that write the value in `v`, which holds a value of `plan`'s shape or not. */
  value(plan: JsonPlan, v: string): string[] {
    const inner = this.nonNull(plan, v);
    if (!plan.nullable) return inner;
    return [
      `if (${v} === null) {`,
      ...indent([...room(4), ...constant("null")]),
      `} else {`,
      ...indent(inner),
      `}`,
    ];
  }

  private nonNull(plan: JsonPlan, v: string): string[] {
    switch (plan.kind) {
      case "string":
        return [
          `if (typeof ${v} !== "string") return ${WRITE_OFF_PLAN};`,
          `if (p + 3 * ${v}.length + 2 > e) return ${WRITE_NO_ROOM};`,
          `p = writeString(b, p, ${v});`,
          `if (p < 0) return p;`,
        ];
      case "number":
        return [
          `if (typeof ${v} !== "number" || ${v} - ${v} !== 0) return ${WRITE_OFF_PLAN};`,
          ...room(NUMBER_ROOM),
          `p = writeNumber(b, p, ${v});`,
        ];
      case "boolean":
        return [
          `if (${v} === true) {`,
          ...indent([...room(4), ...constant("true")]),
          `} else if (${v} === false) {`,
          ...indent([...room(5), ...constant("false")]),
          `} else return ${WRITE_OFF_PLAN};`,
        ];
      case "object":
        return this.object(plan, v);
      case "array":
        return this.array(plan, v);
    }
  }

  /**
   * Writes the plan's keys, in the plan's order, that the object has (a key whose value is
   * `undefined` is left out, as `JSON.stringify` leaves it out), and nothing else: keys the schema
   * does not declare are not written, as zod's parse would not return them. A required key that
   * is missing steps aside (only an unvalidated value lacks one; the general path writes it as
   * `JSON.stringify` would), so commas after a required key are known when the code is made. An
   * object whose schema keeps undeclared keys (`extraKeys: "keep"`) steps aside when it has any,
   * as does one holding a declared key the plan left out (`unplanned`).
   */
  private object(plan: ObjectPlan, v: string): string[] {
    const code = [
      `if (typeof ${v} !== "object" || ${v} === null || isArray(${v})) return ${WRITE_OFF_PLAN};`,
    ];
    if (plan.extraKeys === "keep") code.push(...this.noExtraKeys(plan, v));
    for (const key of plan.unplanned) {
      code.push(`if (${v}[${JSON.stringify(key)}] !== undefined) return ${WRITE_OFF_PLAN};`);
    }
    // Whether a member was written before the current field: "no", "yes", or "maybe" (known at
    // run time from `written`, once an optional field came first).
    let before: "no" | "yes" | "maybe" = "no";
    const written = this.variable();
    code.push(`${written} = 0;`);
    for (const field of plan.fields) {
      const value = this.variable();
      const key = `${JSON.stringify(field.key)}:`;
      code.push(`${value} = ${v}[${JSON.stringify(field.key)}];`);
      const member =
        before === "maybe"
          ? [...room(key.length + 1), `b[p] = ${written} ? 44 : 123; p++;`, ...constant(key)]
          : [...room(key.length + 1), ...constant((before === "yes" ? "," : "{") + key)];
      member.push(...this.value(field.plan, value));
      if (field.optional) {
        if (before !== "yes") {
          member.push(`${written} = 1;`);
          before = "maybe";
        }
        code.push(`if (${value} !== undefined) {`, ...indent(member), "}");
      } else {
        code.push(`if (${value} === undefined) return ${WRITE_OFF_PLAN};`, ...member);
        before = "yes";
      }
    }
    if (before === "no") code.push(...room(2), ...constant("{}"));
    else if (before === "yes") code.push(...room(1), ...constant("}"));
    else code.push(...room(2), `if (${written} === 0) { b[p] = 123; p++; }`, ...constant("}"));
    return code;
  }

  /** Steps aside when the object has an enumerable key (own or inherited) the plan does not list. */
  private noExtraKeys(plan: ObjectPlan, v: string): string[] {
    const declared = [...plan.fields.map((f) => f.key), ...plan.unplanned];
    return [
      `for (const k in ${v}) {`,
      `  switch (k) {`,
      ...declared.map((key) => `    case ${JSON.stringify(key)}:`),
      `    case "__proto__": break;`,
      `    default: return ${WRITE_OFF_PLAN};`,
      `  }`,
      `}`,
    ];
  }

  private array(plan: ArrayPlan, v: string): string[] {
    const index = this.variable();
    const element = this.variable();
    return [
      `if (!isArray(${v})) return ${WRITE_OFF_PLAN};`,
      ...room(1),
      ...constant("["),
      `for (${index} = 0; ${index} < ${v}.length; ${index}++) {`,
      `  if (${index} > 0) {`,
      ...indent(indent([...room(1), ...constant(",")])),
      `  }`,
      `  ${element} = ${v}[${index}];`,
      ...indent(this.value(plan.element, element)),
      `}`,
      ...room(1),
      ...constant("]"),
    ];
  }
}

/** A check that `bytes` more fit before the end of the range. */
function room(bytes: number): string[] {
  return [`if (p + ${bytes} > e) return ${WRITE_NO_ROOM};`];
}

/** Keys longer than this are copied from a string constant in a loop, not byte by byte. */
const MAX_INLINE_BYTES = 24;

/**
 * Statements writing `text` (printable ASCII: `compileWriter` takes only plain keys) at `p`. Short
 * text becomes one store per byte, longer text a loop over a string literal.
 */
function constant(text: string): string[] {
  if (text.length > MAX_INLINE_BYTES) {
    return [
      `for (n = 0; n < ${text.length}; n++) b[p + n] = ${JSON.stringify(text)}.charCodeAt(n);`,
      `p += ${text.length};`,
    ];
  }
  const stores: string[] = [];
  for (let i = 0; i < text.length; i++) stores.push(`b[p + ${i}] = ${text.charCodeAt(i)};`);
  return [stores.join(" "), `p += ${text.length};`];
}
