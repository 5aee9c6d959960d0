import { describe, expect, it } from "vitest";
import { z } from "zod";
import { accepts, canonicalSchema, formatIncompatibility } from "../../src/index.js";

// The evolution rules of PROTOCOL.md 7.6, one row per rule. Each row is an old and a new schema
// and the verdict in both directions a message can flow after a deploy: the new schema receiving
// what the old one sends (`newReceivesOld`: a new server, old clients), and the old schema
// receiving what the new one sends (`oldReceivesNew`). "ok" is compatible; any other string is
// a part of the expected reason (`path: message`).

interface Row {
  rule: string;
  old: z.ZodType;
  new: z.ZodType;
  newReceivesOld: string;
  oldReceivesNew: string;
}

const obj = z.object;
const user = (name: z.ZodType) => obj({ user: obj({ tags: z.array(obj({ name })) }) });

const rows: Row[] = [
  // Safe changes (in the direction the table says).
  {
    rule: "add an optional field (receiver strips unknown keys)",
    old: obj({ a: z.string() }),
    new: obj({ a: z.string(), b: z.number().optional() }),
    newReceivesOld: "ok",
    oldReceivesNew: "ok",
  },
  {
    rule: "add an optional field (old receiver strict)",
    old: z.strictObject({ a: z.string() }),
    new: z.strictObject({ a: z.string(), b: z.number().optional() }),
    newReceivesOld: "ok",
    oldReceivesNew: "b: unknown to the receiver, whose object is strict",
  },
  {
    rule: "add a field with a default",
    old: obj({ a: z.string() }),
    new: obj({ a: z.string(), on: z.boolean().default(true) }),
    newReceivesOld: "ok",
    oldReceivesNew: "ok",
  },
  {
    rule: "remove a field the receiver treats as optional",
    old: obj({ a: z.string(), b: z.number().optional() }),
    new: obj({ a: z.string() }),
    newReceivesOld: "ok",
    oldReceivesNew: "ok",
  },
  {
    rule: "remove a field with a default",
    old: obj({ a: z.string(), b: z.number().default(1) }),
    new: obj({ a: z.string() }),
    newReceivesOld: "ok",
    oldReceivesNew: "ok",
  },
  {
    rule: "add an enum member",
    old: z.enum(["a", "b"]),
    new: z.enum(["a", "b", "c"]),
    newReceivesOld: "ok",
    oldReceivesNew: 'enum member "c" removed',
  },
  {
    rule: "add a union branch",
    old: z.union([z.string(), z.number()]),
    new: z.union([z.string(), z.number(), z.boolean()]),
    newReceivesOld: "ok",
    oldReceivesNew: "no option of the receiver's union accepts the sender's boolean",
  },
  {
    rule: "widen a bound",
    old: z.string().max(20),
    new: z.string().max(50),
    newReceivesOld: "ok",
    oldReceivesNew: "maximum length lowered from 50 to 20",
  },
  {
    rule: "widen a number range",
    old: z.number().min(0).lt(10),
    new: z.number().min(-5).lte(10),
    newReceivesOld: "ok",
    oldReceivesNew: "lower bound raised from >= -5 to >= 0",
  },
  {
    rule: "integer to number",
    old: z.int(),
    new: z.number(),
    newReceivesOld: "ok",
    oldReceivesNew: "changed from number to integer",
  },
  {
    rule: "literal to its base type",
    old: z.literal("on"),
    new: z.string(),
    newReceivesOld: "ok",
    oldReceivesNew: "type changed from string to literal",
  },
  {
    rule: "anything to unknown",
    old: obj({ a: z.string() }),
    new: z.unknown(),
    newReceivesOld: "ok",
    oldReceivesNew: "type changed from unknown to object",
  },
  {
    rule: "anything to any (a field)",
    old: obj({ a: z.number() }),
    new: obj({ a: z.any() }),
    newReceivesOld: "ok",
    oldReceivesNew: "a: type changed from any to number",
  },
  {
    rule: "make a field nullable",
    old: obj({ a: z.string() }),
    new: obj({ a: z.string().nullable() }),
    newReceivesOld: "ok",
    oldReceivesNew: "a: the sender may send null",
  },
  {
    rule: "strict to strip",
    old: z.strictObject({ a: z.string() }),
    new: obj({ a: z.string() }),
    newReceivesOld: "ok",
    oldReceivesNew: "ok",
  },
  {
    rule: "strip to loose on the sender",
    old: obj({ a: z.string() }),
    new: z.looseObject({ a: z.string() }),
    newReceivesOld: "ok",
    oldReceivesNew: "ok",
  },
  {
    rule: "raise an array's maximum",
    old: z.array(z.string()).max(3),
    new: z.array(z.string()).max(10),
    newReceivesOld: "ok",
    oldReceivesNew: "maximum item count lowered from 10 to 3",
  },
  {
    rule: "add a rest to a tuple",
    old: z.tuple([z.string()]),
    new: z.tuple([z.string()], z.number()),
    newReceivesOld: "ok",
    oldReceivesNew: "maximum item count lowered from unbounded to 1",
  },
  {
    rule: "description only (identical form)",
    old: obj({ a: z.string() }),
    new: obj({ a: z.string().describe("the a") }).meta({ title: "x" }),
    newReceivesOld: "ok",
    oldReceivesNew: "ok",
  },
  {
    rule: "property order only (identical form)",
    old: obj({ a: z.string(), b: z.number() }),
    new: obj({ b: z.number(), a: z.string() }),
    newReceivesOld: "ok",
    oldReceivesNew: "ok",
  },
  // Breaking changes.
  {
    rule: "make a field required",
    old: obj({ a: z.string().optional() }),
    new: obj({ a: z.string() }),
    newReceivesOld: "a: required by the receiver, but the sender may leave it out",
    oldReceivesNew: "ok",
  },
  {
    rule: "add a required field",
    old: obj({ a: z.string() }),
    new: obj({ a: z.string(), b: z.string() }),
    newReceivesOld: "b: required by the receiver, but unknown to the sender",
    oldReceivesNew: "ok",
  },
  {
    rule: "narrow a bound (nested path)",
    old: user(z.string().max(50)),
    new: user(z.string().max(20)),
    newReceivesOld: "user.tags[].name: maximum length lowered from 50 to 20",
    oldReceivesNew: "ok",
  },
  {
    rule: "add a minimum length",
    old: z.string(),
    new: z.string().min(3),
    newReceivesOld: "minimum length raised from 0 to 3",
    oldReceivesNew: "ok",
  },
  {
    rule: "remove an enum member",
    old: z.enum(["a", "b"]),
    new: z.enum(["a"]),
    newReceivesOld: 'enum member "b" removed',
    oldReceivesNew: "ok",
  },
  {
    rule: "change a type",
    old: obj({ id: z.string() }),
    new: obj({ id: z.number() }),
    newReceivesOld: "id: type changed from string to number",
    oldReceivesNew: "id: type changed from number to string",
  },
  {
    rule: "number to integer",
    old: z.number(),
    new: z.int(),
    newReceivesOld: "changed from number to integer",
    oldReceivesNew: "ok",
  },
  {
    rule: "strip to strict on the receiver, sender keeps unknown keys",
    old: z.looseObject({ a: z.string() }),
    new: z.strictObject({ a: z.string() }),
    newReceivesOld: "the sender keeps undeclared keys",
    oldReceivesNew: "ok",
  },
  {
    rule: "remove nullable",
    old: z.string().nullable(),
    new: z.string(),
    newReceivesOld: "the sender may send null",
    oldReceivesNew: "ok",
  },
  {
    rule: "a required message payload where there was none",
    old: z.undefined(),
    new: obj({ a: z.string() }),
    newReceivesOld: "the sender may send no value",
    oldReceivesNew: "type changed from object to no value",
  },
  // Conservative: patterns, formats, refinements, transforms.
  {
    rule: "add a pattern",
    old: z.string(),
    new: z.string().regex(/^[a-z]+$/),
    newReceivesOld: "pattern /^[a-z]+$/ added",
    oldReceivesNew: "ok",
  },
  {
    rule: "change a pattern",
    old: z.string().regex(/^a/),
    new: z.string().regex(/^b/),
    newReceivesOld: "pattern /^b/ added",
    oldReceivesNew: "pattern /^a/ added",
  },
  {
    rule: "add a format",
    old: z.string(),
    new: z.email(),
    newReceivesOld: "format email added",
    oldReceivesNew: "ok",
  },
  {
    rule: "same format both sides",
    old: z.uuid(),
    new: z.uuid().max(40),
    newReceivesOld: "maximum length 40 added",
    oldReceivesNew: "ok",
  },
  {
    rule: "add a refinement",
    old: z.string(),
    new: z.string().refine((s) => s !== "x"),
    newReceivesOld: "refinements or overwrites here and the schemas differ",
    oldReceivesNew: "ok",
  },
  {
    rule: "keep a refinement, change a bound",
    old: z.string().max(9).refine(Boolean),
    new: z.string().max(5).refine(Boolean),
    newReceivesOld: "compared by identity",
    oldReceivesNew: "compared by identity",
  },
  {
    rule: "same refinement both sides",
    old: obj({ a: z.string().refine(Boolean) }),
    new: obj({ a: z.string().refine(Boolean), b: z.int().optional() }),
    newReceivesOld: "ok",
    oldReceivesNew: "ok",
  },
  {
    rule: "add a transform",
    old: obj({ n: z.string() }),
    new: obj({ n: z.string().transform(Number) }),
    newReceivesOld: "n: the receiver transforms this value",
    oldReceivesNew: "ok",
  },
  {
    rule: "add an overwrite (trim)",
    old: z.string(),
    new: z.string().trim(),
    newReceivesOld: "refinements or overwrites",
    oldReceivesNew: "ok",
  },
  {
    rule: "a sender with a transform sends its input side (defaults not filled in)",
    old: obj({ a: z.string(), b: z.string().default("x") }),
    new: obj({ a: z.string().transform((s) => s.trim()), b: z.string().default("x") }),
    newReceivesOld: "a: the receiver transforms",
    oldReceivesNew: "ok",
  },
  {
    rule: "a default the sender may leave out (input side)",
    old: obj({ b: z.string() }),
    new: obj({ b: z.string().default("x"), t: z.string().transform(Number).optional() }),
    newReceivesOld: "ok",
    oldReceivesNew: "b: required by the receiver, but the sender may leave it out",
  },
];

describe("compatibility rules (PROTOCOL.md 7.6)", () => {
  it.each(rows)("$rule", (row) => {
    const oldForm = canonicalSchema(row.old);
    const newForm = canonicalSchema(row.new);
    const verdict = (receiver: typeof oldForm, sender: typeof oldForm): string => {
      const result = accepts(receiver, sender);
      return result.compatible ? "ok" : result.reasons.map(formatIncompatibility).join("; ");
    };
    const newReceivesOld = verdict(newForm, oldForm);
    const oldReceivesNew = verdict(oldForm, newForm);
    if (row.newReceivesOld === "ok") expect(newReceivesOld).toBe("ok");
    else expect(newReceivesOld).toContain(row.newReceivesOld);
    if (row.oldReceivesNew === "ok") expect(oldReceivesNew).toBe("ok");
    else expect(oldReceivesNew).toContain(row.oldReceivesNew);
  });

  it("checks recursive schemas coinductively", () => {
    const Old: z.ZodType = obj({
      name: z.string(),
      get children() {
        return z.array(Old);
      },
    });
    const New: z.ZodType = obj({
      name: z.string().max(10),
      get children() {
        return z.array(New);
      },
    });
    expect(accepts(canonicalSchema(Old), canonicalSchema(New)).compatible).toBe(true);
    const narrowed = accepts(canonicalSchema(New), canonicalSchema(Old));
    expect(narrowed.reasons.map(formatIncompatibility)).toEqual(["name: maximum length 10 added"]);
  });

  it("dispatches a discriminated union on the sender's discriminator values", () => {
    const receiver = z.discriminatedUnion("kind", [
      obj({ kind: z.literal("a"), x: z.string() }),
      obj({ kind: z.literal("b"), y: z.number() }),
    ]);
    const sender = z.discriminatedUnion("kind", [
      obj({ kind: z.literal("a"), x: z.string().max(3) }),
    ]);
    expect(accepts(canonicalSchema(receiver), canonicalSchema(sender)).compatible).toBe(true);
    const wider = z.discriminatedUnion("kind", [obj({ kind: z.literal("c") })]);
    expect(
      accepts(canonicalSchema(receiver), canonicalSchema(wider)).reasons[0]?.message,
    ).toContain('value "c" has no option');
  });

  it("reads objects sent to records and records sent to objects", () => {
    const record = z.record(z.string(), z.number());
    expect(
      accepts(canonicalSchema(record), canonicalSchema(obj({ a: z.int(), b: z.number() })))
        .compatible,
    ).toBe(true);
    expect(
      accepts(canonicalSchema(record), canonicalSchema(obj({ a: z.string() }))).compatible,
    ).toBe(false);
    const keyed = z.record(z.enum(["a", "b"]), z.string());
    expect(
      accepts(canonicalSchema(obj({ a: z.string(), b: z.string() })), canonicalSchema(keyed))
        .compatible,
    ).toBe(true);
    expect(
      accepts(canonicalSchema(obj({ a: z.string(), c: z.string() })), canonicalSchema(keyed))
        .compatible,
    ).toBe(false);
  });

  it("compares kinds with no wire form by identity", () => {
    expect(accepts(canonicalSchema(z.bigint()), canonicalSchema(z.bigint())).compatible).toBe(true);
    expect(
      accepts(canonicalSchema(z.bigint().max(5n)), canonicalSchema(z.bigint())).reasons[0]?.message,
    ).toContain("compared by identity");
    expect(accepts(canonicalSchema(z.date()), canonicalSchema(z.undefined())).compatible).toBe(
      false,
    );
    expect(accepts(canonicalSchema(z.coerce.date()), canonicalSchema(z.date())).compatible).toBe(
      true,
    );
    expect(
      accepts(canonicalSchema(z.date()), canonicalSchema(z.date().min(new Date(0)))).reasons[0]
        ?.message,
    ).toContain("ISO 8601");
  });

  it("refuses a malformed form with ERR_INVALID_ARGUMENT", () => {
    expect(() => accepts({ type: "strng" } as never, { type: "string" })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
  });
});
