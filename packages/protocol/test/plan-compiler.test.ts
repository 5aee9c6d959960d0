import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { JsonPlan } from "../src/message/plan/json-plan.js";
import { isPlainKey } from "../src/message/plan/plain-keys.js";
import { compilePlan, OFF_PLAN, type PlanParser } from "../src/message/plan/plan-compiler.js";
import {
  anyKey,
  anyString,
  array,
  compiled,
  keyedPlanArb,
  keysOf,
  leaf,
  object,
  plainKey,
  plainString,
  planArb,
  valueFor,
} from "./fixtures/plans.js";
import { hostileKey } from "./fixtures/schemas.js";

// The compiled parser's whole contract: for any bytes it returns exactly the value JSON.parse
// gives for their UTF-8 text, or OFF_PLAN; it never throws; it reads no value from outside its
// range; and for compact JSON of its plan's shape with plain strings it does return the value (so
// the fast path is really taken).

/** The plan's parser, fed the UTF-8 bytes of a text (most examples are easier to read as text). */
function compile(plan: JsonPlan): (text: string) => unknown {
  const parse: PlanParser = compiled(compilePlan, plan);
  return (text) => {
    const bytes = Buffer.from(text);
    return parse(bytes, 0, bytes.length);
  };
}

/**
 * Deep equality with JSON.parse of the text the bytes decode to (a lone surrogate in `text` is
 * sent as U+FFFD, as any UTF-8 encoder does), also telling -0 from 0 and comparing key order.
 */
function expectSameAsJsonParse(result: unknown, text: string): void {
  let expected: unknown;
  try {
    expected = JSON.parse(Buffer.from(text).toString());
  } catch {
    expect(result).toBe(OFF_PLAN); // invalid JSON must never yield a value
    return;
  }
  if (result === OFF_PLAN) return;
  expect(result).toEqual(expected);
  expect(keyOrder(result)).toEqual(keyOrder(expected));
}

function keyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keyOrder);
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).map(([key, inner]) => [key, keyOrder(inner)]);
  }
  return Object.is(value, -0) ? "-0" : typeof value;
}

const chatPlan = object({ text: leaf("string"), seq: leaf("number") });

describe("compiled plan parser: examples", () => {
  const parse = compile(chatPlan);

  it("parses the plain shape, spaces allowed", () => {
    expect(parse('{"text":"hello","seq":7}')).toEqual({ text: "hello", seq: 7 });
    expect(parse(' { "text" : "héllo 日本 🎉" , "seq" : -0 } ')).toEqual({
      text: "héllo 日本 🎉",
      seq: -0,
    });
    expect(Object.is((parse('{"seq":-0}') as { seq: number }).seq, -0)).toBe(true);
    expect(parse("{}")).toEqual({});
    expect(parse('{"seq":1}')).toEqual({ seq: 1 });
  });

  it("reads numbers as JSON.parse does", () => {
    for (const n of ["0", "-1", "123456789012345", "1234567890123456789", "1.5", "-2.5e-3"]) {
      expect(parse(`{"seq":${n}}`)).toEqual({ seq: JSON.parse(n) });
    }
    for (const n of ["01", "-", "1.", "1e", "1e+", ".5", "+1", "0x10", "1.e3", "--1", "NaN"]) {
      expect(parse(`{"seq":${n}}`)).toBe(OFF_PLAN);
    }
  });

  it.each([
    ['{"text":"a\\"b"}', "escape"],
    ['{"text":"a\\u0041"}', "unicode escape"],
    ['{"text":"tab\there"}', "raw control character"],
    ['{"text":"\uFFFD"}', "U+FFFD"],
    ['{"seq":1,"text":"a"}', "keys out of the schema's order"],
    ['{"seq":1,"seq":2}', "repeated key"],
    ['{"text":"a","other":1}', "unknown key"],
    ['{"__proto__":{"x":1}}', "poisoning key"],
    ['{"text":"a"}x', "trailing text"],
    ['{"text":"a",}', "trailing comma"],
    ['{"text":"a"\n}', "newline as whitespace"],
    ['{"text":null}', "null where the plan has no null"],
    ['{"text":1}', "number for a string"],
    ['["a"]', "another shape"],
    ['{"text":"a"', "truncated"],
    ['{"text"', "truncated key"],
    ["", "empty text"],
  ])("%s leaves the fast path (%s)", (text) => {
    expect(parse(text)).toBe(OFF_PLAN);
  });

  it("handles nullable values, booleans, arrays and nesting", () => {
    const plan = object({
      id: leaf("string", true),
      ok: leaf("boolean"),
      tags: array(leaf("string")),
      pos: object({ x: leaf("number"), y: leaf("number") }, true),
      grid: array(array(leaf("number"))),
    });
    const parseIt = compile(plan);
    const text =
      '{"id":null,"ok":false,"tags":["a", "b"],"pos":{"x":1,"y":2.5},"grid":[[1],[],[2,3]]}';
    expect(parseIt(text)).toEqual(JSON.parse(text));
    expect(parseIt('{"tags":[],"pos":null}')).toEqual({ tags: [], pos: null });
    expect(parseIt('{"ok":nul}')).toBe(OFF_PLAN);
    expect(parseIt('{"ok":tru}')).toBe(OFF_PLAN);
    expect(parseIt('{"tags":["a",]}')).toBe(OFF_PLAN);
    expect(parseIt('{"tags":["a" "b"]}')).toBe(OFF_PLAN);
  });

  it("reads only its range of a larger buffer", () => {
    const parseIt = compiled(compilePlan, chatPlan);
    const inRange = (before: string, payload: string, after: string): unknown => {
      const bytes = Buffer.from(before + payload + after);
      const start = Buffer.byteLength(before);
      return parseIt(bytes, start, start + Buffer.byteLength(payload));
    };
    expect(inRange('{"seq":9,', '{"text":"a","seq":1}', "2}")).toEqual({ text: "a", seq: 1 });
    expect(inRange("  ", '{"seq":1}', "   ")).toEqual({ seq: 1 });
    // Cut short: what follows the range would complete it, but it is not the payload's.
    expect(inRange("", '{"text":"a","seq":1', "2}")).toBe(OFF_PLAN);
    expect(inRange("", '{"text":"a', '"}')).toBe(OFF_PLAN);
    expect(inRange("", '{"text":"a"', "}")).toBe(OFF_PLAN);
    // No closing quote anywhere in the buffer: the scan stops at the range's end.
    expect(inRange("", '{"text":"abc', "")).toBe(OFF_PLAN);
    expect(inRange("", '{"text":"a","seq":1}', "")).toEqual({ text: "a", seq: 1 });
  });

  it("leaves invalid UTF-8 in a string to the general path", () => {
    const parseIt = compiled(compilePlan, chatPlan);
    for (const junk of [[0xff], [0xc3], [0xe6, 0x97], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
      const bytes = Buffer.concat([
        Buffer.from('{"text":"a'),
        Buffer.from(junk),
        Buffer.from('"}'),
      ]);
      expect(parseIt(bytes, 0, bytes.length)).toBe(OFF_PLAN);
    }
    const valid = Buffer.from('{"text":"é日🎉"}');
    expect(parseIt(valid, 0, valid.length)).toEqual({ text: "é日🎉" });
  });

  it("compares long keys and empty keys exactly", () => {
    const parseIt = compile(object({ "": leaf("number"), a_rather_long_key_name: leaf("number") }));
    expect(parseIt('{"":1,"a_rather_long_key_name":2}')).toEqual({
      "": 1,
      a_rather_long_key_name: 2,
    });
    expect(parseIt('{"a_rather_long_key_nam":2}')).toBe(OFF_PLAN);
    expect(parseIt('{"a_rather_long_key_name_":2}')).toBe(OFF_PLAN);
  });
});

// --- properties -----------------------------------------------------------------------------

const planAndValue = (strings: fc.Arbitrary<string>) =>
  planArb.chain((plan) => fc.tuple(fc.constant(plan), valueFor(plan, strings)));

/** JSON text of `value` with optional spaces around every token, as some encoders write it. */
function spaced(value: unknown, space: () => string): string {
  if (Array.isArray(value)) {
    return `[${space()}${value.map((v) => spaced(v, space)).join(`${space()},${space()}`)}${space()}]`;
  }
  if (typeof value === "object" && value !== null) {
    const members = Object.entries(value).map(
      ([k, v]) => `${JSON.stringify(k)}${space()}:${space()}${spaced(v, space)}`,
    );
    return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
  }
  return JSON.stringify(value);
}

describe("compiled plan parser: properties", () => {
  test.prop([planAndValue(plainString)], { numRuns: 300 })(
    "compact JSON of the plan's shape with plain strings is parsed, equal to JSON.parse",
    ([plan, value]) => {
      const text = JSON.stringify(value);
      const result = compile(plan)(text);
      expect(result).not.toBe(OFF_PLAN);
      expectSameAsJsonParse(result, text);
    },
  );

  test.prop([planAndValue(plainString), fc.array(fc.boolean(), { minLength: 1, maxLength: 40 })], {
    numRuns: 300,
  })("spaces between tokens change nothing", ([plan, value], pattern) => {
    let i = 0;
    const text = spaced(value, () => (pattern[i++ % pattern.length] ? " " : ""));
    const result = compile(plan)(text);
    expect(result).not.toBe(OFF_PLAN);
    expectSameAsJsonParse(result, text);
  });

  test.prop([planAndValue(anyString)], { numRuns: 300 })(
    "any string content: the value or OFF_PLAN, never anything else",
    ([plan, value]) => {
      const text = JSON.stringify(value);
      expectSameAsJsonParse(compile(plan)(text), text);
    },
  );

  const edit = fc.record({
    at: fc.nat(),
    remove: fc.nat({ max: 3 }),
    insert: fc.stringMatching(/^[{}[\]",:0-9.eE+\- \tnultrfasx\\]{0,3}$/),
  });
  test.prop([planAndValue(anyString), fc.array(edit, { minLength: 1, maxLength: 3 })], {
    numRuns: 500,
  })(
    "damaged JSON: the same value as JSON.parse or OFF_PLAN, never a throw",
    ([plan, value], edits) => {
      let text = JSON.stringify(value);
      for (const { at, remove, insert } of edits) {
        const where = text.length === 0 ? 0 : at % (text.length + 1);
        text = text.slice(0, where) + insert + text.slice(where + remove);
      }
      expectSameAsJsonParse(compile(plan)(text), text);
    },
  );

  test.prop([planArb, fc.string({ unit: "binary", maxLength: 30 })], { numRuns: 300 })(
    "arbitrary text: the same value as JSON.parse or OFF_PLAN",
    (plan, text) => {
      expectSameAsJsonParse(compile(plan)(text), text);
    },
  );
});

describe("compiled plan parser: keys", () => {
  it.each([
    ["__proto__", "refused"],
    ["constructor", "refused"],
    ['"', "refused"],
    ["\\", "refused"],
    ['a"b\\c', "refused"],
    ["é", "refused"],
    ["\u2028", "refused"],
    ["日本", "refused"],
    ["tab\there", "refused"],
    ["", "compiled"],
    ["toString", "compiled"],
    ["0", "compiled"],
    ["k".repeat(300), "compiled"],
    [" !#$%&'()*+,-./:;<=>?@[]^_`{|}~", "compiled"],
  ])("a plan with the key %j is %s, as a field, nested or left out", (key, outcome) => {
    const nested = object({ outer: array(object({ [key]: leaf("number") })) });
    const unplanned = object({ a: leaf("string") }, false, { unplanned: [key] });
    for (const plan of [object({ [key]: leaf("number") }), nested, unplanned]) {
      expect(compilePlan(plan) === undefined ? "refused" : "compiled").toBe(outcome);
    }
  });

  test.prop([keyedPlanArb(anyKey)], { numRuns: 200 })(
    "a plan holding any key that is not plain, at any depth, is refused",
    (plan) => {
      expect(compilePlan(plan) !== undefined).toBe(keysOf(plan).every(isPlainKey));
    },
  );

  test.prop([hostileKey.filter((key) => !isPlainKey(key)), planArb, fc.nat()], { numRuns: 200 })(
    "one such key anywhere in an otherwise plain plan is enough",
    (key, plan, at) => {
      expect(compilePlan(withKey(plan, key, at))).toBeUndefined();
    },
  );

  const plainPlanAndValue = (strings: fc.Arbitrary<string>) =>
    keyedPlanArb(plainKey).chain((plan) => fc.tuple(fc.constant(plan), valueFor(plan, strings)));

  test.prop([plainPlanAndValue(plainString)], { numRuns: 200 })(
    "plain keys of every sort (long, empty, printable ASCII): the plan's shape is parsed as JSON.parse does",
    ([plan, value]) => {
      const text = JSON.stringify(value);
      const result = compile(plan)(text);
      expect(result).not.toBe(OFF_PLAN);
      expectSameAsJsonParse(result, text);
    },
  );

  test.prop([plainPlanAndValue(anyString)], { numRuns: 200 })(
    "plain keys of every sort, any string content: the value or OFF_PLAN",
    ([plan, value]) => {
      const text = JSON.stringify(value);
      expectSameAsJsonParse(compile(plan)(text), text);
    },
  );
});

/**
 * A copy of `plan` under a root object, with one more field keyed `key` in one of its objects:
 * the `at`-th, counted in pre-order (modulo their number).
 */
function withKey(plan: JsonPlan, key: string, at: number): JsonPlan {
  const root = object({ inner: plan });
  let count = 0;
  const countObjects = (p: JsonPlan): void => {
    if (p.kind === "array") countObjects(p.element);
    if (p.kind !== "object") return;
    count++;
    for (const field of p.fields) countObjects(field.plan);
  };
  countObjects(root);
  const target = at % count;
  let index = 0;
  const add = (p: JsonPlan): JsonPlan => {
    if (p.kind === "array") return { ...p, element: add(p.element) };
    if (p.kind !== "object") return p;
    const here = index++ === target;
    const fields = p.fields.map((field) => ({ ...field, plan: add(field.plan) }));
    if (here) fields.push({ key, plan: leaf("number"), optional: false });
    return { ...p, fields };
  };
  return add(root);
}
