import { indent, NumberedVariables } from "./generated-code.js";
import type { ArrayPlan, JsonPlan, ObjectPlan } from "./json-plan.js";

/** What a compiled plan parser returns for text that is not the plain shape its plan expects. */
export const OFF_PLAN: unique symbol = Symbol("sockwire.offPlan");

/**
 * A parser made from a plan: the value `JSON.parse(text)` gives, or {@link OFF_PLAN}. It never
 * throws, whatever the text.
 */
export type PlanParser = (text: string) => unknown;

/**
 * Compiles `plan` into a parser for JSON text of that shape, or returns `undefined` where code
 * generation is not allowed (the runtime forbids `new Function`).
 *
 * The parser returns exactly what `JSON.parse(text)` returns, or {@link OFF_PLAN} for anything
 * outside the plain shape the plan describes: another shape, keys out of the schema's order,
 * unknown or repeated keys, an escape, a control character or U+FFFD inside a string, whitespace
 * other than spaces, a syntax error. The caller then decodes the general way, which produces the
 * value or the precise error.
 *
 * Why generated code: keys are compared character by character against constants instead of
 * being made into strings, strings are found with `indexOf` and cut out with `slice`, and each
 * object is built with constant property names, which V8 turns into fast stores. A generic
 * interpreter of the same plan measured no faster than `JSON.parse`; with the generated one,
 * decoding a small message takes about half the time of the general path. The only text placed in the generated source is object keys, which the
 * planner limits to printable ASCII without quotes or backslashes, written as JSON literals.
 *
 * @example
 * ```ts
 * const parse = compilePlan(plan);
 * const value = parse?.('{"text":"hi","seq":1}'); // { text: "hi", seq: 1 }
 * ```
 */
export function compilePlan(plan: JsonPlan): PlanParser | undefined {
  const source = new PlanSource();
  const root = source.value(plan);
  const body = [
    `let p = 0, c = 0, q = 0${source.declarations()};`,
    ...source.skipSpace(),
    ...root.code,
    ...source.skipSpace(),
    `return p === t.length ? ${root.result} : OFF;`,
  ].join("\n");
  try {
    const factory = new Function(
      "OFF",
      "NOT_PLAIN",
      "number",
      "detach",
      `"use strict";\nreturn function planParser(t) {\n${body}\n};`,
    ) as (
      off: symbol,
      notPlain: RegExp,
      number: typeof slowNumber,
      detach: (s: string) => string,
    ) => PlanParser;
    return factory(OFF_PLAN, NOT_PLAIN, slowNumber, detach);
  } catch {
    return undefined;
  }
}

/**
 * Characters that send a string value to the general path: control characters (a syntax error
 * inside a JSON string), backslashes (escapes, which `slice` would not undo) and U+FFFD (which
 * the UTF-8 decoding leaves for invalid bytes; the general path tells the two apart).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const NOT_PLAIN = /[\x00-\x1f\\\uFFFD]/;

/**
 * `slice` of 13 or more characters makes V8 keep a reference to the whole payload text instead of
 * a copy, so a short string kept from a large message would keep the message alive. Values cut
 * from payloads longer than this are copied; below it, what a value can hold on to is small.
 */
const DETACH_ABOVE = 256;
/** Shortest slice V8 makes as a reference into its parent (shorter ones are copies anyway). */
const SLICE_MIN = 13;

/** A copy of `s` that does not refer to the text it was cut from (the concatenation is flattened). */
function detach(s: string): string {
  return ` ${s}`.slice(1);
}

/** Code for one value: statements that parse it, and the expression that holds it afterwards. */
interface Fragment {
  code: string[];
  result: string;
}

const QUOTE = 34;
const SPACE = 32;

/** Builds the generated source: one block of statements per plan node, variables numbered. */
class PlanSource {
  private readonly names = new NumberedVariables("v");

  declarations(): string {
    return this.names.declarations();
  }

  skipSpace(): string[] {
    return [`while (t.charCodeAt(p) === ${SPACE}) p++;`];
  }

  value(plan: JsonPlan): Fragment {
    const inner = this.nonNull(plan);
    if (!plan.nullable) return inner;
    const v = this.variable();
    return {
      code: [
        `if (t.charCodeAt(p) === 110) {`,
        `  if (!t.startsWith("null", p)) return OFF;`,
        `  p += 4; ${v} = null;`,
        `} else {`,
        ...indent(inner.code),
        `  ${v} = ${inner.result};`,
        `}`,
      ],
      result: v,
    };
  }

  private nonNull(plan: JsonPlan): Fragment {
    switch (plan.kind) {
      case "string":
        return this.string();
      case "number":
        return this.number();
      case "boolean":
        return this.boolean();
      case "object":
        return this.object(plan);
      case "array":
        return this.array(plan);
    }
  }

  private variable(): string {
    return this.names.next();
  }

  private string(): Fragment {
    const v = this.variable();
    return {
      code: [
        `if (t.charCodeAt(p) !== ${QUOTE}) return OFF;`,
        `q = t.indexOf('"', p + 1);`,
        `if (q < 0) return OFF;`,
        `${v} = t.slice(p + 1, q);`,
        `if (NOT_PLAIN.test(${v})) return OFF;`,
        `if (t.length > ${DETACH_ABOVE} && ${v}.length >= ${SLICE_MIN}) ${v} = detach(${v});`,
        `p = q + 1;`,
      ],
      result: v,
    };
  }

  /**
   * Integers of up to 15 digits (exact in a double) are summed from their digits; a fraction,
   * an exponent or more digits go to `number()`. `charCodeAt` past the end is NaN, which fails
   * every comparison, so no bounds checks are needed.
   */
  private number(): Fragment {
    const v = this.variable();
    const start = this.variable();
    const digits = this.variable();
    return {
      code: [
        `${start} = p; ${v} = 0; ${digits} = 0;`,
        `c = t.charCodeAt(p);`,
        `if (c === 45) c = t.charCodeAt(++p);`,
        `if (c === 48) { c = t.charCodeAt(++p); ${digits} = 1; }`,
        `else while (c >= 48 && c <= 57) { ${v} = ${v} * 10 + (c - 48); ${digits}++; c = t.charCodeAt(++p); }`,
        `if (${digits} === 0 || (c >= 48 && c <= 57)) return OFF;`,
        `if (c === 46 || c === 101 || c === 69 || ${digits} > 15) {`,
        `  ${v} = number(t, ${start}, p);`,
        `  if (${v} !== ${v}) return OFF;`,
        `  p = number.end;`,
        `} else if (t.charCodeAt(${start}) === 45) ${v} = -${v};`,
      ],
      result: v,
    };
  }

  private boolean(): Fragment {
    const v = this.variable();
    return {
      code: [
        `if (t.startsWith("true", p)) { p += 4; ${v} = true; }`,
        `else if (t.startsWith("false", p)) { p += 5; ${v} = false; }`,
        `else return OFF;`,
      ],
      result: v,
    };
  }

  /**
   * Keys must come in the schema's order; any of them may be missing (the schema, not the
   * parser, decides whether that is allowed). A key that matches no field still ahead (unknown,
   * repeated, out of order) leaves the fast path with `done` still false.
   */
  private object(plan: ObjectPlan): Fragment {
    const o = this.variable();
    const done = this.variable();
    const code = [
      `if (t.charCodeAt(p) !== 123) return OFF;`,
      `p++;`,
      ...this.skipSpace(),
      `${o} = {};`,
      `${done} = t.charCodeAt(p) === 125;`,
      `if (${done}) p++;`,
    ];
    for (const field of plan.fields) {
      const value = this.value(field.plan);
      code.push(
        `if (!${done} && ${keyTest(field.key)}) {`,
        `  p += ${field.key.length + 2};`,
        ...indent(this.skipSpace()),
        `  if (t.charCodeAt(p) !== 58) return OFF;`,
        `  p++;`,
        ...indent(this.skipSpace()),
        ...indent(value.code),
        `  ${o}[${JSON.stringify(field.key)}] = ${value.result};`,
        ...indent(this.skipSpace()),
        `  c = t.charCodeAt(p++);`,
        `  if (c === 125) ${done} = true;`,
        `  else if (c !== 44) return OFF;`,
        ...indent(this.skipSpace()),
        `}`,
      );
    }
    code.push(`if (!${done}) return OFF;`);
    return { code, result: o };
  }

  private array(plan: ArrayPlan): Fragment {
    const a = this.variable();
    const element = this.value(plan.element);
    return {
      code: [
        `if (t.charCodeAt(p) !== 91) return OFF;`,
        `p++;`,
        ...this.skipSpace(),
        `${a} = [];`,
        `if (t.charCodeAt(p) === 93) p++;`,
        `else for (;;) {`,
        ...indent(element.code),
        `  ${a}.push(${element.result});`,
        ...indent(this.skipSpace()),
        `  c = t.charCodeAt(p++);`,
        `  if (c === 93) break;`,
        `  if (c !== 44) return OFF;`,
        ...indent(this.skipSpace()),
        `}`,
      ],
      result: a,
    };
  }
}

/** Longest key compared code by code; longer ones use `startsWith`. */
const MAX_INLINE_KEY = 12;

/** An expression true when the text at `p` is the quoted `key` (planner-checked plain ASCII). */
function keyTest(key: string): string {
  if (key.length > MAX_INLINE_KEY) return `t.startsWith(${JSON.stringify(`"${key}"`)}, p)`;
  const tests = [`t.charCodeAt(p) === ${QUOTE}`];
  for (let i = 0; i < key.length; i++)
    tests.push(`t.charCodeAt(p + ${i + 1}) === ${key.charCodeAt(i)}`);
  tests.push(`t.charCodeAt(p + ${key.length + 1}) === ${QUOTE}`);
  return tests.join(" && ");
}

/**
 * The rest of a number whose integer part ends at `at`: an optional fraction and exponent,
 * checked against the JSON grammar. Returns the value (`Number` of a valid JSON number literal
 * rounds exactly as `JSON.parse`) and leaves the end in `slowNumber.end`; returns NaN, which no
 * JSON number produces, for a malformed fraction or exponent.
 */
function slowNumber(text: string, start: number, at: number): number {
  let i = at;
  if (text.charCodeAt(i) === 46) {
    const first = i + 1;
    i = digitsEnd(text, first);
    if (i === first) return Number.NaN;
  }
  const c = text.charCodeAt(i);
  if (c === 101 || c === 69) {
    const sign = text.charCodeAt(i + 1);
    const first = sign === 43 || sign === 45 ? i + 2 : i + 1;
    i = digitsEnd(text, first);
    if (i === first) return Number.NaN;
  }
  slowNumber.end = i;
  return Number(text.slice(start, i));
}
slowNumber.end = 0;

/** Index of the first non-digit at or after `at`. */
function digitsEnd(text: string, at: number): number {
  let i = at;
  for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i));
  return i;
}
