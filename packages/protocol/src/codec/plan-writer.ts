import { indent, NumberedVariables } from "./generated-code.js";
import type { ArrayPlan, JsonPlan, ObjectPlan } from "./json-plan.js";
import { writeUtf8 } from "./utf8-write.js";

/** What a plan writer returns for a value that is not the plain shape its plan describes. */
export const WRITE_OFF_PLAN = -1;
/** What a plan writer returns when the value did not fit between `at` and `end`. */
export const WRITE_NO_ROOM = -2;

/**
 * A writer made from a plan: writes the UTF-8 bytes of `JSON.stringify(value)` into
 * `buf[at..end)` and returns where they end, or returns {@link WRITE_OFF_PLAN} (the value is not
 * the plain shape the plan describes) or {@link WRITE_NO_ROOM}. Either way it may have written
 * into the range; it never throws for any value.
 */
export type PlanWriter = (value: unknown, buf: Buffer, at: number, end: number) => number;

/**
 * Compiles `plan` into a writer of JSON bytes for values of that shape, or returns `undefined`
 * where code generation is not allowed.
 *
 * The bytes are exactly those of `JSON.stringify(value)` as UTF-8, or the writer steps aside
 * ({@link WRITE_OFF_PLAN}) and the caller encodes the general way. It steps aside for anything
 * whose JSON could differ from the plain reading of the plan: an object that is not a plain
 * object (its prototype is neither `Object.prototype` nor `null`), whose own enumerable keys are
 * not exactly the plan's keys in the plan's order, or that has a `toJSON` method; an array with
 * a `toJSON` method; a missing or `undefined` value; a number that is not finite; a string that
 * needs an escape (quote, backslash, control character) or holds a lone surrogate; a boxed
 * primitive; a value of another type than the plan's.
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
 * const end = write?.({ text: "hi", seq: 1 }, buf, 0, buf.length); // bytes of {"text":"hi","seq":1}
 * ```
 */
export function compileWriter(plan: JsonPlan): PlanWriter | undefined {
  const source = new WriterSource();
  const code = source.value(plan, "x");
  const body = [`let n = 0, o = null${source.declarations()};`, ...code, "return p;"].join("\n");
  try {
    const factory = new Function(
      "OBJECT_PROTO",
      "getPrototypeOf",
      "isArray",
      "writeString",
      "writeNumber",
      `"use strict";\nreturn function planWriter(x, b, p, e) {\n${body}\n};`,
    ) as (
      objectProto: object,
      getProto: typeof Object.getPrototypeOf,
      isArray: typeof Array.isArray,
      string: typeof writeString,
      number: typeof writeNumber,
    ) => PlanWriter;
    return factory(
      Object.prototype,
      Object.getPrototypeOf,
      Array.isArray,
      writeString,
      writeNumber,
    );
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
   * The key check walks the object's enumerable keys (own and inherited, as `for...in` does) and
   * compares each with the plan's key at that position: what `JSON.stringify` would write is then
   * exactly the plan's keys in the plan's order.
   */
  private object(plan: ObjectPlan, v: string): string[] {
    const code = [
      `if (typeof ${v} !== "object" || ${v} === null) return ${WRITE_OFF_PLAN};`,
      `o = getPrototypeOf(${v});`,
      `if ((o !== OBJECT_PROTO && o !== null) || typeof ${v}.toJSON === "function") return ${WRITE_OFF_PLAN};`,
      `n = 0;`,
      `for (const k in ${v}) {`,
      `  switch (n++) {`,
      ...plan.fields.map(
        (field, i) =>
          `    case ${i}: if (k !== ${JSON.stringify(field.key)}) return ${WRITE_OFF_PLAN}; break;`,
      ),
      `    default: return ${WRITE_OFF_PLAN};`,
      `  }`,
      `}`,
      `if (n !== ${plan.fields.length}) return ${WRITE_OFF_PLAN};`,
    ];
    let pending = "{";
    for (const field of plan.fields) {
      pending += `${JSON.stringify(field.key)}:`;
      code.push(...room(pending.length), ...constant(pending));
      pending = ",";
      const value = this.variable();
      code.push(`${value} = ${v}[${JSON.stringify(field.key)}];`, ...this.value(field.plan, value));
    }
    const close = plan.fields.length === 0 ? "{}" : "}";
    code.push(...room(close.length), ...constant(close));
    return code;
  }

  private array(plan: ArrayPlan, v: string): string[] {
    const index = this.variable();
    const element = this.variable();
    return [
      `if (!isArray(${v}) || typeof ${v}.toJSON === "function") return ${WRITE_OFF_PLAN};`,
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
 * Statements writing `text` (printable ASCII: the planner allows only such keys) at `p`. Short
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
