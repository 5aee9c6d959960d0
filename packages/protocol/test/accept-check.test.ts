import { fc, test } from "@fast-check/vitest";
import { afterAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { jsonCodec } from "../src/codec/json-codec.js";
import { PayloadRole } from "../src/contract/validate.js";
import { encodeEnvelope } from "../src/envelope/envelope.js";
import { Kind } from "../src/envelope/kinds.js";
import { parseEnvelope } from "../src/envelope/parse-envelope.js";
import { ErrorCode } from "../src/errors/codes.js";
import { acceptCheckFor } from "../src/message/accept-check.js";
import { decodeValidated } from "../src/message/decode.js";
import { followsPlan } from "../src/message/plan/plan-match.js";
import { shapeForSchema } from "../src/message/plan/schema-plan.js";

// The accept check's contract: it says true only for values zod accepts ("false" only means
// "ask zod"); and for a payload the plan parser read, decodeValidated returns exactly what zod's
// parse returns (same keys, same order), whether or not zod actually ran.

const check = (schema: z.ZodType) => {
  const accept = acceptCheckFor(schema);
  if (accept === undefined) throw new Error("schema not covered");
  return accept;
};

describe("accept check: which schemas", () => {
  it.each<[string, z.ZodType]>([
    ["strings with length checks and regex", z.string().min(1).max(5).length(3).regex(/^a/)],
    ["numbers with bounds", z.number().gt(0).lte(10)],
    ["integers", z.number().int().nonnegative()],
    ["z.int()", z.int()],
    ["booleans", z.boolean()],
    ["literals", z.literal("a")],
    ["enums", z.enum(["a", "b"])],
    ["optional and nullable", z.string().optional().nullable()],
    ["arrays with length checks", z.array(z.number()).min(1).max(3)],
    [
      "objects of every unknown-key mode",
      z.object({ a: z.strictObject({}), b: z.looseObject({}) }),
    ],
    [
      "optional fields of any value",
      z.object({ a: z.unknown().optional(), b: z.any().optional() }),
    ],
  ])("covers %s", (_what, schema) => {
    expect(acceptCheckFor(schema)).toBeTypeOf("function");
  });

  it.each<[string, z.ZodType]>([
    ["refinements", z.string().refine((s) => s.length > 1)],
    ["refinements on objects", z.object({ a: z.string() }).refine(() => true)],
    [
      "refinements on optional",
      z
        .string()
        .optional()
        .refine(() => true),
    ],
    ["transforms", z.string().transform((s) => s.length)],
    ["overwrites (trim)", z.string().trim()],
    ["defaults", z.string().default("a")],
    ["catch", z.string().catch("a")],
    ["coercion", z.coerce.number()],
    ["formats", z.email()],
    ["string formats as checks", z.string().startsWith("a")],
    ["multipleOf", z.number().multipleOf(2)],
    ["unions", z.union([z.string(), z.number()])],
    ["records", z.record(z.string(), z.number())],
    ["catchall schemas", z.object({}).catchall(z.string())],
    ["readonly", z.object({}).readonly()],
    ["__proto__ keys", z.object({ ["__proto__"]: z.string() })],
    ["exactOptional (refuses a present undefined)", z.object({ a: z.string().exactOptional() })],
    ["a field it does not cover", z.object({ a: z.string(), b: z.date() })],
    ["a required field of any value (zod wants its key there)", z.object({ a: z.unknown() })],
    [
      "an optional field of any value with a refinement",
      z.object({
        a: z
          .unknown()
          .refine(() => true)
          .optional(),
      }),
    ],
  ])("leaves %s to zod", (_what, schema) => {
    expect(acceptCheckFor(schema)).toBeUndefined();
  });

  it("is made once per schema", () => {
    const schema = z.object({ a: z.string() });
    expect(acceptCheckFor(schema)).toBe(acceptCheckFor(schema));
  });
});

describe("accept check: examples", () => {
  const chat = check(z.object({ text: z.string().max(4096), seq: z.number().int().nonnegative() }));

  it("accepts what zod accepts, unknown keys included (zod strips them)", () => {
    expect(chat({ text: "hi", seq: 1 })).toBe(true);
    expect(chat({ text: "hi", seq: 1, extra: {} })).toBe(true);
  });

  it.each<[string, unknown]>([
    ["a wrong type", { text: 1, seq: 1 }],
    ["a missing key", { text: "hi" }],
    ["a failed check", { text: "hi", seq: -1 }],
    ["a fraction for an integer", { text: "hi", seq: 1.5 }],
    ["an unsafe integer", { text: "hi", seq: 2 ** 53 }],
    ["a string too long", { text: "x".repeat(4097), seq: 1 }],
    ["an array", []],
    ["null", null],
  ])("refuses %s", (_what, value) => {
    expect(chat(value)).toBe(false);
  });

  it("refuses unknown keys of strict objects only", () => {
    const strict = check(z.strictObject({ a: z.string() }));
    expect(strict({ a: "x" })).toBe(true);
    expect(strict({ a: "x", b: 1 })).toBe(false);
  });

  it("resets a global regex before testing", () => {
    const accept = check(z.string().regex(/a/g));
    expect(accept("a")).toBe(true);
    expect(accept("a")).toBe(true);
  });
});

describe("decodeValidated", () => {
  const schema = z.object({ text: z.string(), seq: z.number() });
  const envelopeOf = (text: string) => {
    const envelope = parseEnvelope(
      encodeEnvelope({ kind: Kind.EVENT, type: "e" }, text).subarray(4),
    );
    if (envelope === undefined) throw new Error("no envelope");
    return envelope;
  };

  it("returns the plan parser's value without running zod when the accept check passes", () => {
    const parse = vi.spyOn(schema, "safeParse");
    try {
      const value = decodeValidated(
        jsonCodec(),
        envelopeOf('{"text":"a","seq":1}'),
        schema,
        PayloadRole.EVENT,
        "e",
      );
      expect(value).toEqual({ text: "a", seq: 1 });
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  it.each([
    ["off the plan (an escape)", '{"text":"a\\nb","seq":1}'],
    ["off the plan (an unknown key)", '{"text":"a","seq":1,"x":2}'],
    ["refused by the accept check", '{"text":"a","seq":"1"}'],
  ])("runs zod for a payload %s", (_what, text) => {
    const parse = vi.spyOn(schema, "safeParse");
    try {
      try {
        decodeValidated(jsonCodec(), envelopeOf(text), schema, PayloadRole.EVENT, "e");
      } catch {
        // the refused one throws; only the call matters here
      }
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it("runs zod for a schema the plan parser would read but the accept check leaves to zod", () => {
    const trimmed = z.object({ text: z.string().trim() });
    const value = decodeValidated(
      jsonCodec(),
      envelopeOf('{"text":" a "}'),
      trimmed,
      PayloadRole.EVENT,
      "e",
    );
    expect(value).toEqual({ text: "a" });
  });
});

// --- properties -----------------------------------------------------------------------------

/** A zod schema from the covered kinds, with some of the checks the accept check reads. */
const { schema: schemaArb } = fc.letrec<{ schema: z.ZodType }>((tie) => ({
  schema: fc.oneof(
    { maxDepth: 3, depthIdentifier: "schema" },
    fc
      .record({
        min: fc.option(fc.nat(3), { nil: undefined }),
        max: fc.option(fc.nat(6), { nil: undefined }),
        regex: fc.option(fc.constantFrom(/^[a-c]*$/, /b/, /^.$/u), { nil: undefined }),
      })
      .map(({ min, max, regex }) => {
        let schema = z.string();
        if (min !== undefined) schema = schema.min(min);
        if (max !== undefined) schema = schema.max(max);
        if (regex !== undefined) schema = schema.regex(regex);
        return schema;
      }),
    fc
      .record({
        int: fc.boolean(),
        low: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
        high: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
        inclusive: fc.boolean(),
      })
      .map(({ int, low, high, inclusive }) => {
        let schema = int ? z.number().int() : z.number();
        if (low !== undefined) schema = inclusive ? schema.gte(low) : schema.gt(low);
        if (high !== undefined) schema = inclusive ? schema.lte(high) : schema.lt(high);
        return schema;
      }),
    fc.constant(z.boolean()),
    fc.constantFrom(z.literal("a"), z.literal(1), z.literal(true), z.enum(["a", "b"])),
    fc.constantFrom(z.unknown(), z.any(), z.unknown().optional(), z.any().optional()),
    tie("schema").map((inner) => inner.optional()),
    tie("schema").map((inner) => inner.exactOptional()),
    tie("schema").map((inner) => inner.nullable()),
    fc
      .tuple(tie("schema"), fc.option(fc.nat(2), { nil: undefined }))
      .map(([element, min]) => (min === undefined ? z.array(element) : z.array(element).min(min))),
    fc
      .tuple(
        fc.dictionary(fc.constantFrom("a", "b", "c", "d"), tie("schema"), { maxKeys: 3 }),
        fc.constantFrom("strip", "strict", "loose"),
      )
      .map(([shape, mode]) =>
        mode === "strict"
          ? z.strictObject(shape)
          : mode === "loose"
            ? z.looseObject(shape)
            : z.object(shape),
      ),
  ) as fc.Arbitrary<z.ZodType>,
}));

/** Values near what the schemas want: small strings and numbers, and objects with their keys. */
const { value: valueArb } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthIdentifier: "value" },
    fc.string({ maxLength: 7 }),
    fc.constantFrom("a", "b", "abc", "", "ab"),
    fc.integer({ min: -6, max: 6 }),
    fc.double({ min: -6, max: 6 }),
    fc.constantFrom(-0, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY),
    fc.boolean(),
    fc.constantFrom(null, undefined),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("a", "b", "c", "d", "e"), tie("value"), { maxKeys: 4 }),
  ),
}));

describe("accept check: properties", () => {
  // The properties below would hold vacuously if nothing were ever accepted: count.
  let accepted = 0;
  afterAll(() => {
    expect(accepted).toBeGreaterThan(20);
  });

  test.prop([schemaArb, valueArb], { numRuns: 2000 })(
    "never accepts a value zod refuses",
    (schema, value) => {
      // Schemas with an exactOptional inside have no check: zod decides for them.
      if (acceptCheckFor(schema)?.(value) === true) {
        accepted++;
        expect(schema.safeParse(value).success).toBe(true);
      }
    },
  );

  let followed = 0;
  afterAll(() => {
    expect(followed).toBeGreaterThan(20);
  });

  test.prop([schemaArb, valueArb], { numRuns: 2000 })(
    "a decoded value that follows the plan and passes the check is exactly zod's output",
    (schema, value) => {
      const text = JSON.stringify(value);
      if (text === undefined) return;
      const parsed: unknown = JSON.parse(text);
      const plan = shapeForSchema(schema);
      if (plan === undefined || !followsPlan(plan, parsed)) return;
      if (acceptCheckFor(schema)?.(parsed) !== true) return;
      followed++;
      const zod = schema.safeParse(parsed);
      expect(zod.success).toBe(true);
      expect(JSON.stringify(parsed)).toBe(JSON.stringify(zod.data));
      expect(parsed).toStrictEqual(zod.data);
    },
  );

  test.prop([schemaArb, valueArb], { numRuns: 1000 })(
    "a payload the plan parser reads decodes to exactly zod's output",
    (schema, value) => {
      const text = JSON.stringify(value);
      if (text === undefined) return;
      const codec = jsonCodec();
      const frame = encodeEnvelope({ kind: Kind.EVENT, type: "e" }, text);
      const envelope = parseEnvelope(frame.subarray(4));
      if (envelope === undefined) throw new Error("no envelope");
      const zod = schema.safeParse(JSON.parse(text));
      let decoded: unknown;
      try {
        decoded = decodeValidated(codec, envelope, schema, PayloadRole.EVENT, "e");
      } catch (error) {
        expect(zod.success).toBe(false);
        expect((error as { code: string }).code).toBe(ErrorCode.VALIDATION_FAILED);
        return;
      }
      expect(zod.success).toBe(true);
      expect(JSON.stringify(decoded)).toBe(JSON.stringify(zod.data));
      expect(decoded).toStrictEqual(zod.data);
    },
  );
});
