import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { JsonPlan } from "../src/message/plan/json-plan.js";
import { isPlainKey } from "../src/message/plan/plain-keys.js";
import {
  compileWriter,
  type PlanWriter,
  WRITE_NO_ROOM,
  WRITE_OFF_PLAN,
} from "../src/message/plan/plan-writer.js";
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
  projectOnPlan,
  valueFor,
} from "./fixtures/plans.js";

// The compiled writer's whole contract: for any value it writes exactly the UTF-8 bytes of
// JSON.stringify(projectOnPlan(plan, value)) (the value reduced to what the plan's schema
// declares, as zod's parse returns it) and returns their end, or returns WRITE_OFF_PLAN /
// WRITE_NO_ROOM; it never throws; and for plain values of its plan's shape with room to spare
// it does write them.

const compile = (plan: JsonPlan): PlanWriter => compiled(compileWriter, plan);

/** Runs `write` at an offset inside a larger buffer; the written text, or the status code. */
function run(write: PlanWriter, value: unknown, room = 4096): string | number {
  const buf = Buffer.alloc(room + 16, 0xaa);
  const end = write(value, buf, 7, 7 + room);
  // Nothing written before the start or past the end, whatever the outcome.
  expect(buf.subarray(0, 7).every((byte) => byte === 0xaa)).toBe(true);
  expect(buf.subarray(7 + room).every((byte) => byte === 0xaa)).toBe(true);
  if (end < 0) return end;
  expect(end).toBeLessThanOrEqual(7 + room);
  return buf.toString("utf8", 7, end);
}

/** The writer's result for `value` is the projection's JSON or a status, never other bytes. */
function expectProjection(plan: JsonPlan, value: unknown, room?: number): string | number {
  const result = run(compile(plan), value, room);
  if (typeof result === "string") expect(result).toBe(JSON.stringify(projectOnPlan(plan, value)));
  else expect([WRITE_OFF_PLAN, WRITE_NO_ROOM]).toContain(result);
  return result;
}

const chatPlan = object({ text: leaf("string"), seq: leaf("number") });

describe("compiled plan writer: examples", () => {
  const write = compile(chatPlan);

  it("writes plain values exactly as JSON.stringify", () => {
    for (const value of [
      { text: "hello", seq: 7 },
      { text: "", seq: 0 },
      { text: "héllo 日本 🎉", seq: -12 },
      { text: "x".repeat(300), seq: 2 ** 31 },
      { text: "del\x7f", seq: 1.5e-7 },
    ]) {
      expect(run(write, value)).toBe(JSON.stringify(value));
    }
  });

  it("writes numbers as JSON.stringify does: -0 is 0, doubles and large integers by String()", () => {
    const numbers = compile(array(leaf("number")));
    const values = [0, -0, 1, -1, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 53, 1e21, 0.1, 5e-324];
    expect(run(numbers, values)).toBe(JSON.stringify(values));
  });

  it("writes booleans, null for nullable values, empty objects and arrays", () => {
    const plan = object({
      flag: leaf("boolean"),
      maybe: leaf("string", true),
      empty: object({}),
      list: array(leaf("boolean")),
    });
    const value = { flag: false, maybe: null, empty: {}, list: [] };
    expect(run(compile(plan), value)).toBe(JSON.stringify(value));
  });

  it.each<[string, unknown]>([
    ["a quote", { text: 'a"b', seq: 1 }],
    ["a backslash", { text: "a\\b", seq: 1 }],
    ["a control character", { text: "a\nb", seq: 1 }],
    ["a lone surrogate", { text: "a\ud800b", seq: 1 }],
    ["a long string with an escape", { text: `${"x".repeat(40)}\t`, seq: 1 }],
    ["a long string with a quote", { text: `${"x".repeat(40)}"${"y".repeat(9)}`, seq: 1 }],
    ["a long string with a backslash", { text: `\\${"x".repeat(40)}`, seq: 1 }],
    [
      "a long non-ASCII string with a control character",
      { text: `${"é".repeat(30)}\u0001`, seq: 1 },
    ],
    ["a long string with a lone surrogate", { text: `${"é".repeat(40)}\udfff`, seq: 1 }],
    ["U+FFFD (looks like a replaced surrogate)", { text: `${"é".repeat(30)}\ufffd`, seq: 1 }],
    ["a missing required key", { text: "a" }],
    ["an undefined required value", { text: "a", seq: undefined }],
    ["NaN", { text: "a", seq: Number.NaN }],
    ["Infinity", { text: "a", seq: Number.POSITIVE_INFINITY }],
    ["a boxed string", { text: new String("a"), seq: 1 }],
    ["a bigint", { text: "a", seq: 1n }],
    ["a Date", new Date(0)],
    ["an array", ["a", 1]],
    ["null", null],
    ["a string", "a"],
  ])("steps aside for %s", (_what, value) => {
    expect(run(write, value)).toBe(WRITE_OFF_PLAN);
  });

  it.each<[string, unknown]>([
    ["an extra key", { text: "a", seq: 1, passwordHash: "x" }],
    ["extra keys before, between and after", { a: 1, text: "a", b: { c: 2 }, seq: 1, d: [3] }],
    ["keys in another order", { seq: 1, text: "a" }],
    ["an own toJSON", { text: "a", seq: 1, toJSON: () => 1 }],
    [
      "an inherited toJSON",
      Object.assign(Object.create({ toJSON: () => "x" }), { text: "a", seq: 1 }),
    ],
    [
      "a class instance with more fields and a getter",
      new (class Row {
        secret = "s";
        text = "a";
        seq = 1;
        get computed() {
          return 2;
        }
      })(),
    ],
  ])("writes only the declared keys, in the plan's order, for %s", (_what, value) => {
    expect(run(write, value)).toBe('{"text":"a","seq":1}');
  });

  it("writes optional keys that hold a value, and no comma where one is left out", () => {
    const plan = object({ a: leaf("number"), b: leaf("string"), c: leaf("boolean") }, false, {
      optional: ["a", "b", "c"],
    });
    const writeIt = compile(plan);
    for (const value of [
      {},
      { a: 1 },
      { b: "x" },
      { c: true },
      { a: 1, c: false },
      { b: "y", c: true },
      { a: 2, b: "z", c: true },
      { a: undefined, b: "q" },
    ]) {
      expect(run(writeIt, value)).toBe(JSON.stringify(value));
    }
    const mixed = compile(
      object({ a: leaf("number"), b: leaf("string") }, false, { optional: ["a"] }),
    );
    expect(run(mixed, { b: "x" })).toBe('{"b":"x"}');
    expect(run(mixed, { a: 1, b: "x", z: 0 })).toBe('{"a":1,"b":"x"}');
  });

  it("steps aside for extra keys only where the schema keeps them", () => {
    const loose = compile(object({ text: leaf("string") }, false, { extraKeys: "keep" }));
    expect(run(loose, { text: "a" })).toBe('{"text":"a"}');
    expect(run(loose, { text: "a", more: 1 })).toBe(WRITE_OFF_PLAN);
    const withUnplanned = compile(object({ text: leaf("string") }, false, { unplanned: ["any"] }));
    expect(run(withUnplanned, { text: "a" })).toBe('{"text":"a"}');
    expect(run(withUnplanned, { text: "a", any: { x: 1 } })).toBe(WRITE_OFF_PLAN);
  });

  it("accepts an object without a prototype", () => {
    const bare = Object.assign(Object.create(null), { text: "a", seq: 1 });
    expect(run(write, bare)).toBe('{"text":"a","seq":1}');
  });

  it("steps aside for arrays with holes or undefined elements, and ignores an array's toJSON", () => {
    const strings = compile(array(leaf("string")));
    // biome-ignore lint/suspicious/noSparseArray: a hole is the case under test.
    expect(run(strings, ["a", , "b"])).toBe(WRITE_OFF_PLAN);
    expect(run(strings, ["a", undefined])).toBe(WRITE_OFF_PLAN);
    expect(run(strings, Object.assign(["a"], { toJSON: () => [] }))).toBe('["a"]');
  });

  it("reports no room instead of writing past the end", () => {
    const value = { text: "hello", seq: 7 };
    const length = JSON.stringify(value).length;
    expect(run(write, value, 5)).toBe(WRITE_NO_ROOM);
    // Strings need room for 3 bytes per character before they are written.
    expect(run(write, { text: "x".repeat(100), seq: 1 }, 200)).toBe(WRITE_NO_ROOM);
    expect(run(write, value, length + 64)).toBe(JSON.stringify(value));
  });

  it("reads each getter once", () => {
    let reads = 0;
    const value = {
      get text() {
        reads++;
        return "a";
      },
      seq: 1,
    };
    expect(run(write, value)).toBe('{"text":"a","seq":1}');
    expect(reads).toBe(1);
  });

  it("writes long keys from a constant", () => {
    const key = "k".repeat(40);
    const plan = object({ [key]: leaf("number") });
    expect(run(compile(plan), { [key]: 5 })).toBe(JSON.stringify({ [key]: 5 }));
  });
});

// --- properties -----------------------------------------------------------------------------

/** Values unlike any plan: other types, boxed values, odd numbers, objects with extra keys. */
const strangeValue = fc.oneof(
  fc.anything({
    maxDepth: 2,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withNullPrototype: true,
  }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, new Number(1), new Boolean(true)),
);

describe("compiled plan writer: properties", () => {
  test.prop(
    [planArb.chain((plan) => fc.tuple(fc.constant(plan), valueFor(plan, plainString, true)))],
    {
      numRuns: 300,
    },
  )(
    "plain values of the plan's shape are written, as JSON.stringify writes them",
    ([plan, value]) => {
      const result = run(compile(plan), value, 64 * 1024);
      expect(result).toBe(JSON.stringify(value));
    },
  );

  test.prop([planArb.chain((plan) => fc.tuple(fc.constant(plan), valueFor(plan, anyString)))], {
    numRuns: 300,
  })("any strings, optional keys left out: the projection's bytes or a status", ([plan, value]) => {
    expectProjection(plan, value, 64 * 1024);
  });

  test.prop(
    [
      planArb.chain((plan) => fc.tuple(fc.constant(plan), valueFor(plan, plainString, true))),
      fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
    ],
    { numRuns: 300 },
  )(
    "extra keys anywhere in objects: never written unless the plan keeps them",
    ([plan, value], extra) => {
      const result = expectProjection(plan, withExtraKeys(value, extra), 64 * 1024);
      if (typeof result === "string") {
        for (const key of Object.keys(extra)) {
          if (!hasKeepingObject(plan))
            expect(result).not.toContain(`${JSON.stringify(`${key}§`)}:`);
        }
      }
    },
  );

  test.prop([planArb, strangeValue], { numRuns: 300 })(
    "any value at all: the projection's bytes or a status, never a throw",
    (plan, value) => {
      expectProjection(plan, value, 64 * 1024);
    },
  );

  test.prop(
    [
      planArb.chain((plan) => fc.tuple(fc.constant(plan), valueFor(plan, anyString, true))),
      fc.nat({ max: 200 }),
    ],
    { numRuns: 300 },
  )(
    "whatever the room: the bytes, or no room, never a write past the end",
    ([plan, value], room) => {
      expectProjection(plan, value, room);
    },
  );
});

describe("compiled plan writer: keys", () => {
  it.each([
    ["__proto__", "refused"],
    ["constructor", "refused"],
    ['"', "refused"],
    ["\\", "refused"],
    ["é", "refused"],
    ["\u2028", "refused"],
    ["🎉", "refused"],
    ["", "compiled"],
    ["hasOwnProperty", "compiled"],
    ["k".repeat(300), "compiled"],
    [" !#$%&'()*+,-./:;<=>?@[]^_`{|}~", "compiled"],
  ])("a plan with the key %j is %s, as a field, nested or left out", (key, outcome) => {
    const nested = object({ outer: array(object({ [key]: leaf("number") })) });
    const unplanned = object({ a: leaf("string") }, false, { unplanned: [key] });
    for (const plan of [object({ [key]: leaf("number") }), nested, unplanned]) {
      expect(compileWriter(plan) === undefined ? "refused" : "compiled").toBe(outcome);
    }
  });

  test.prop([keyedPlanArb(anyKey)], { numRuns: 200 })(
    "a plan holding any key that is not plain, at any depth, is refused",
    (plan) => {
      expect(compileWriter(plan) !== undefined).toBe(keysOf(plan).every(isPlainKey));
    },
  );

  it("steps aside for every object when a left-out key is one all objects inherit", () => {
    // It reads keys as zod does, inherited ones too (a `toString` method is not `undefined`),
    // so such a plan always takes the general path: slower, never wrong.
    const write = compile(object({ a: leaf("number") }, false, { unplanned: ["toString"] }));
    expect(run(write, { a: 1 })).toBe(WRITE_OFF_PLAN);
    expect(run(write, Object.assign(Object.create(null), { a: 1 }))).toBe('{"a":1}');
  });

  /** Plans none of whose left-out keys is inherited by every object (see the test above). */
  const writablePlan = keyedPlanArb(plainKey).filter((plan) =>
    unplannedKeysOf(plan).every((key) => !(key in Object.prototype)),
  );

  test.prop(
    [writablePlan.chain((plan) => fc.tuple(fc.constant(plan), valueFor(plan, plainString, true)))],
    { numRuns: 200 },
  )(
    "plain keys of every sort (long, empty, printable ASCII): written exactly as JSON.stringify",
    ([plan, value]) => {
      expect(run(compile(plan), value, 64 * 1024)).toBe(JSON.stringify(value));
    },
  );

  test.prop(
    [
      keyedPlanArb(plainKey).chain((plan) =>
        fc.tuple(fc.constant(plan), valueFor(plan, anyString)),
      ),
    ],
    { numRuns: 200 },
  )(
    "plain keys of every sort, any strings, optional keys left out: the projection's bytes or a status",
    ([plan, value]) => {
      expectProjection(plan, value, 64 * 1024);
    },
  );
});

/**
 * Adds the `extra` keys (each suffixed with `§`, a name no generated plan uses) to every plain
 * object inside `value`, in front of and behind its own keys.
 */
function withExtraKeys(value: unknown, extra: Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((item) => withExtraKeys(item, extra));
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value).map(([k, v]) => [k, withExtraKeys(v, extra)] as const);
  const added = Object.entries(extra).map(([k, v]) => [`${k}§`, v] as const);
  const half = Math.ceil(added.length / 2);
  return Object.fromEntries([...added.slice(0, half), ...entries, ...added.slice(half)]);
}

function unplannedKeysOf(plan: JsonPlan): string[] {
  if (plan.kind === "array") return unplannedKeysOf(plan.element);
  if (plan.kind !== "object") return [];
  return [...plan.unplanned, ...plan.fields.flatMap((field) => unplannedKeysOf(field.plan))];
}

function hasKeepingObject(plan: JsonPlan): boolean {
  if (plan.kind === "array") return hasKeepingObject(plan.element);
  if (plan.kind !== "object") return false;
  return plan.extraKeys === "keep" || plan.fields.some((field) => hasKeepingObject(field.plan));
}
