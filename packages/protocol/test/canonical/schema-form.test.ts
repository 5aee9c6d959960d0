import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { sendsInputSide } from "../../src/contract/compat/node-views.js";
import { canonicalSchema, canonicalText, type ObjectNode } from "../../src/index.js";
import { sendsParsedOutput } from "../../src/message/wire-form.js";
import { descArb, schemaOf } from "../fixtures/schemas.js";

// How zod constructs map to canonical nodes (PROTOCOL.md 7.3). The golden vectors pin the exact
// text of each kind; these tests pin the rules: what is normalised away, what is kept, and that
// the form agrees with zod's own notion of optional keys and with the send path's choice of side.

const text = (schema: z.ZodType): string => canonicalText(canonicalSchema(schema));

describe("canonicalSchema", () => {
  it("tells undefined, any, unknown and date apart", () => {
    const forms = [z.undefined(), z.any(), z.unknown(), z.date(), z.null(), z.never()].map(text);
    expect(new Set(forms).size).toBe(forms.length);
    expect(text(z.void())).toBe(text(z.undefined()));
  });

  it("ignores what does not change the wire: descriptions, metadata, brands, readonly, check order", () => {
    expect(text(z.string().describe("a name").meta({ title: "Name" }))).toBe(text(z.string()));
    expect(text(z.string().brand("Id"))).toBe(text(z.string()));
    expect(text(z.object({ a: z.string() }).readonly())).toBe(text(z.object({ a: z.string() })));
    expect(text(z.string().max(5).min(1))).toBe(text(z.string().min(1).max(5)));
    expect(text(z.object({ b: z.number(), a: z.string() }))).toBe(
      text(z.object({ a: z.string(), b: z.number() })),
    );
  });

  it("keeps the tightest bound and normalises integer bounds", () => {
    expect(text(z.string().max(9).max(5).min(0))).toBe('{"maxLength":5,"type":"string"}');
    expect(text(z.number().gt(0).gte(0))).toBe('{"exclusiveMinimum":0,"type":"number"}');
    expect(text(z.int().positive().lt(10.5))).toBe('{"maximum":10,"minimum":1,"type":"integer"}');
    expect(text(z.number().int().positive())).toBe(text(z.int().min(1)));
    expect(text(z.int32())).toBe('{"maximum":2147483647,"minimum":-2147483648,"type":"integer"}');
  });

  it("treats a literal and a one-member enum as the same value set", () => {
    expect(text(z.literal("a"))).toBe(text(z.enum(["a"])));
    expect(text(z.enum(["b", "a"]))).toBe('{"type":"enum","values":["a","b"]}');
  });

  it("marks refinements and overwrites, and keeps transforms as nodes", () => {
    expect(canonicalSchema(z.string().refine(Boolean).refine(Boolean))).toMatchObject({
      refinements: 2,
    });
    expect(canonicalSchema(z.string().trim())).toMatchObject({ overwrites: 1 });
    expect(text(z.string().transform(Number))).toBe(
      '{"in":{"type":"string"},"out":{"type":"transform"},"type":"pipe"}',
    );
  });

  it("numbers recursive schemas by first appearance, whatever the key order", () => {
    const A: z.ZodType = z.object({
      x: z.string(),
      get next() {
        return A.optional();
      },
    });
    const B: z.ZodType = z.object({
      get next() {
        return B.optional();
      },
      x: z.string(),
    });
    expect(text(A)).toBe(text(B));
    expect(text(A)).toBe(
      '{"$defs":{"r0":{"properties":{"next":{"of":{"$ref":"r0"},"type":"optional"},"x":{"type":"string"}},"required":["x"],"type":"object","unknownKeys":"strip"}},"$ref":"r0"}',
    );
  });

  it("is frozen, cached per schema, and refuses what is not a zod schema", () => {
    const schema = z.object({ a: z.string() });
    expect(canonicalSchema(schema)).toBe(canonicalSchema(schema));
    expect(Object.isFrozen((canonicalSchema(schema) as ObjectNode).properties)).toBe(true);
    expect(() => canonicalSchema({} as z.ZodType)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
    expect(() => canonicalSchema(z.number().multipleOf(Number.NaN))).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
  });

  test.prop([descArb], { numRuns: 300 })(
    "lists as required exactly the keys zod refuses to miss",
    (desc) => {
      const walk = (schema: z.ZodType): void => {
        const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
        if (def.type === "object") {
          const shape = def.shape as Record<string, z.ZodType>;
          const form = canonicalSchema(schema) as ObjectNode;
          for (const key of Object.keys(shape)) {
            const missing = z
              .object({ [key]: shape[key] as z.ZodType })
              .safeParse(JSON.parse("{}"));
            const zodRequires = !missing.success;
            if (
              form.required.includes(key) !== zodRequires &&
              !Object.hasOwn(Object.prototype, key)
            ) {
              throw new Error(
                `key ${JSON.stringify(key)}: form says ${form.required.includes(key)}`,
              );
            }
          }
        }
        for (const child of Object.values(def)) {
          if (child && typeof child === "object" && "_zod" in child) walk(child as z.ZodType);
        }
      };
      walk(schemaOf(desc));
    },
  );

  test.prop([descArb, fc.constantFrom("none", "transform", "overwrite", "preprocess")], {
    numRuns: 200,
  })("sends the input side exactly when the send path does", (desc, extra) => {
    const base = schemaOf(desc);
    const schema =
      extra === "transform"
        ? z.object({ a: base, t: z.string().transform((s) => s.length) })
        : extra === "overwrite"
          ? z.object({ a: base, t: z.string().trim() })
          : extra === "preprocess"
            ? z.object({ a: base, t: z.preprocess((v) => v, z.string()) })
            : base;
    expect(sendsInputSide(canonicalSchema(schema))).toBe(!sendsParsedOutput(schema));
  });
});
