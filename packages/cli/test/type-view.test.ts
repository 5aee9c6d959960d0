import { type CanonicalNode, canonicalContract, canonicalSchema } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { contractText, findMessages } from "../src/describe/contract-view.js";
import { typeText } from "../src/index.js";
import { shop } from "./fixtures/shop.js";

// The TypeScript-like view of canonical forms that `sockwire describe` prints.

const text = (schema: z.ZodType) => typeText(canonicalSchema(schema));

describe("typeText", () => {
  test("scalars with what TypeScript cannot say in a comment", () => {
    expect(text(z.string().min(1).max(50))).toBe("string /* 1..50 chars */");
    expect(text(z.email())).toBe("string /* email */");
    expect(text(z.string().regex(/^a*\/$/))).toBe("string /* /^a*\\/$/ */");
    expect(text(z.int())).toBe("number /* int */");
    expect(text(z.number().gt(0).lte(1).multipleOf(0.25))).toBe(
      "number /* > 0, <= 1, multiple of 0.25 */",
    );
    expect(text(z.enum(["b", "a"]))).toBe('"a" | "b"');
    expect(text(z.literal([1, null]))).toBe("1 | null");
    expect(text(z.date().min(new Date(0)))).toBe(
      "Date /* >= 1970-01-01T00:00:00.000Z, ISO 8601 text on the wire */",
    );
    expect(text(z.string().refine(Boolean).trim())).toBe(
      "string /* +1 refinement, +1 overwrite */",
    );
  });

  test("objects: optional keys, defaults, strict and loose; long ones over several lines", () => {
    expect(
      text(z.object({ a: z.string(), b: z.number().optional(), c: z.boolean().default(true) })),
    ).toBe("{ a: string; b?: number; c?: boolean /* default: the receiver fills it in */ }");
    expect(text(z.strictObject({ "a b": z.null() }))).toBe('{ "a b": null } /* no other keys */');
    expect(text(z.looseObject({}))).toBe("{ [key: string]: unknown }");
    const wide = z.object({
      first: z.string().max(100),
      second: z.string().max(100),
      third: z.array(z.string()),
    });
    expect(text(wide)).toBe(
      "{\n  first: string /* <= 100 chars */;\n  second: string /* <= 100 chars */;\n  third: string[];\n}",
    );
  });

  test("sequences, records, unions, wrappers, template literals", () => {
    expect(text(z.array(z.string().nullable()).max(3))).toBe("(string | null)[] /* <= 3 items */");
    expect(text(z.tuple([z.string(), z.number().optional()], z.boolean()))).toBe(
      "[string, number | undefined?, ...boolean[]]",
    );
    expect(text(z.partialRecord(z.enum(["x"]), z.number()))).toBe('Partial<Record<"x", number>>');
    expect(
      text(
        z.discriminatedUnion("k", [
          z.object({ k: z.literal("a") }),
          z.object({ k: z.literal("b") }),
        ]),
      ),
    ).toBe('{ k: "a" } | { k: "b" } /* by k */');
    expect(text(z.string().transform(Number))).toBe("string /* transformed by the receiver */");
    expect(text(z.array(z.union([z.object({ a: z.string().max(2) }), z.null()])))).toBe(
      "({ a: string /* <= 2 chars */ } | null)[]",
    );
    expect(text(z.array(z.string().max(2)))).toBe("(string /* <= 2 chars */)[]");
    expect(text(z.templateLiteral(["id-", z.number()]))).toBe("`id-$" + "{number}`");
  });

  test("recursive definitions are named and written once, after the type", () => {
    const Tree: z.ZodType = z.object({
      name: z.string(),
      get children() {
        return z.array(Tree);
      },
    });
    expect(text(Tree)).toBe("r0\ntype r0 = { children: r0[]; name: string }");
  });
});

describe("contractText", () => {
  test("one section per kind of message, requests with their input and output", () => {
    const form = canonicalContract(shop);
    const out = contractText(form, findMessages(form, "whoami"));
    expect(out).toMatch(
      /^contract shop \(digest [0-9a-f]{32}\)\n\nclient requests \(the client calls them: sockwire call\)\n {2}whoami\(\): \{ user: string \}\n$/,
    );
    expect(findMessages(form, "server.events.stock").map((m) => m.key)).toEqual([
      "server.events.stock",
    ]);
    expect(findMessages(form, "credentials")[0]?.form).toEqual(form.credentials as CanonicalNode);
    expect(findMessages(form, "nothing")).toEqual([]);
  });
});
