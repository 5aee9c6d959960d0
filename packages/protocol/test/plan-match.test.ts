import { fc, test } from "@fast-check/vitest";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { acceptCheckFor } from "../src/message/accept-check.js";
import type { JsonPlan } from "../src/message/plan/json-plan.js";
import { followsPlan } from "../src/message/plan/plan-match.js";
import { shapeForSchema } from "../src/message/plan/schema-plan.js";

const text: JsonPlan = { kind: "string", nullable: false };
const count: JsonPlan = { kind: "number", nullable: true };
const flag: JsonPlan = { kind: "boolean", nullable: false };
const message: JsonPlan = {
  kind: "object",
  nullable: false,
  fields: [
    { key: "text", plan: text, optional: true },
    { key: "seq", plan: count, optional: true },
    { key: "tags", plan: { kind: "array", nullable: false, element: text }, optional: true },
    {
      key: "meta",
      plan: {
        kind: "object",
        nullable: true,
        fields: [{ key: "pinned", plan: flag, optional: true }],
        extraKeys: "drop",
        unplanned: [],
      },
      optional: true,
    },
  ],
  extraKeys: "drop",
  unplanned: [],
};

describe("followsPlan", () => {
  it.each<[string, unknown]>([
    ["every key, in order", { text: "a", seq: 1, tags: ["x"], meta: { pinned: true } }],
    ["some keys left out", { seq: 1, meta: {} }],
    ["no keys at all", {}],
    ["null where the plan is nullable", { seq: null, meta: null }],
    ["an empty array", { tags: [] }],
  ])("accepts %s", (_, value) => {
    expect(followsPlan(message, value)).toBe(true);
  });

  it.each<[string, unknown]>([
    ["keys out of the plan's order", { seq: 1, text: "a" }],
    ["a key the plan does not have", { text: "a", extra: 1 }],
    ["an unknown key inside a nested object", { meta: { pinned: true, extra: 1 } }],
    ["null where the plan is not nullable", { text: null }],
    ["a value of another kind", { seq: "1" }],
    ["an array element of another kind", { tags: ["x", 1] }],
    ["an array where an object is due", [{ text: "a" }]],
    ["an object where an array is due", { tags: { 0: "x" } }],
    ["null at the root", null],
    ["nothing at all", undefined],
    ["a string at the root", "text"],
  ])("refuses %s", (_, value) => {
    expect(followsPlan(message, value)).toBe(false);
  });
});

describe("followsPlan against zod", () => {
  // Objects with the schema's keys in any order, some left out, sometimes one more: zod returns
  // the schema's keys in the schema's order, so only a value already in that order is its output.
  const schema = z.object({
    a: z.string().optional(),
    b: z.string().optional(),
    c: z.number().optional(),
    d: z.object({ e: z.string().optional(), f: z.boolean().optional() }).optional(),
  });
  const inner = fc.dictionary(
    fc.constantFrom("e", "f", "g"),
    fc.oneof(fc.string({ maxLength: 2 }), fc.boolean()),
    { maxKeys: 3 },
  );
  const value = fc.dictionary(
    fc.constantFrom("a", "b", "c", "d", "x"),
    fc.oneof(fc.string({ maxLength: 2 }), fc.integer(), inner),
    { maxKeys: 5 },
  );
  const outcomes = { followed: 0, refused: 0 };
  afterAll(() => {
    expect(outcomes.followed).toBeGreaterThan(20);
    expect(outcomes.refused).toBeGreaterThan(20);
  });

  test.prop([value], { numRuns: 1000 })(
    "a value that follows the plan and passes the check is zod's output, key order included",
    (candidate) => {
      const parsed: unknown = JSON.parse(JSON.stringify(candidate));
      const plan = shapeForSchema(schema);
      if (plan === undefined) throw new Error("the schema has a plan");
      const zod = schema.safeParse(parsed);
      if (!zod.success) return;
      const same = JSON.stringify(parsed) === JSON.stringify(zod.data);
      if (followsPlan(plan, parsed) && acceptCheckFor(schema)?.(parsed) === true) {
        outcomes.followed++;
        expect(same).toBe(true);
      } else {
        outcomes.refused++;
        // Refusing only costs a zod parse; but a value zod would change must never follow the
        // plan, or it would be returned as it is.
        if (!same) expect(followsPlan(plan, parsed)).toBe(false);
      }
    },
  );
});
