import { readdirSync, readFileSync } from "node:fs";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type CanonicalNode,
  canonicalContract,
  canonicalSchema,
  canonicalText,
  contractDigest,
  contractFromForm,
  decodeEvent,
  type Envelope,
  encodeEvent,
  parseEnvelope,
  schemaFromForm,
} from "../../src/index.js";
import { chat } from "../fixtures/chat.js";
import { build, type Recipe, recipeArb } from "../fixtures/rich-schemas.js";
import { descArb, schemaOf, schemaWithValues } from "../fixtures/schemas.js";

// schemaFromForm is canonicalSchema read backwards: the form of the rebuilt schema is the form it
// was built from, for the golden vectors and for random schemas over every node kind. Its
// behaviour on values is the original's wherever the form states it (no code, no default values).

const RUNS = Number(process.env.CANON_RUNS ?? 300);
const text = (schema: z.ZodType): string => canonicalText(canonicalSchema(schema));
const rebuilt = (schema: z.ZodType): z.ZodType => schemaFromForm(canonicalSchema(schema));

/** The form of `recipe`'s schema, or undefined when the canonical form cannot state it. */
function formOf(recipe: Recipe): CanonicalNode | undefined {
  try {
    return canonicalSchema(build(recipe));
  } catch {
    return undefined;
  }
}

describe("schemaFromForm", () => {
  const dir = new URL("../vectors/canonical/", import.meta.url);
  const vectors = readdirSync(dir).map(
    (file) =>
      JSON.parse(readFileSync(new URL(file, dir), "utf8")) as {
        name: string;
        canonical: string;
        messages?: unknown;
      },
  );

  // The whole-contract vectors (those with message digests) are rebuilt by contractFromForm below.
  it.each(vectors.filter((v) => v.messages === undefined))(
    "rebuilds the $name vector with the same form",
    ({ canonical }) => {
      expect(text(schemaFromForm(JSON.parse(canonical)))).toBe(canonical);
    },
  );

  test.prop([recipeArb], { numRuns: RUNS })(
    "the rebuilt schema has the form it was built from",
    (recipe) => {
      const form = formOf(recipe);
      fc.pre(form !== undefined);
      expect(canonicalText(canonicalSchema(schemaFromForm(form)))).toBe(canonicalText(form));
    },
  );

  test.prop([schemaWithValues], { numRuns: RUNS })(
    "accepts and refuses what the original does, with the same output where no default is filled in",
    ([desc, values]) => {
      const original = schemaOf(desc);
      const copy = rebuilt(original);
      const defaults = JSON.stringify(desc).includes('"default"');
      for (const value of [...values, null, 1, "x", {}, []]) {
        const a = original.safeParse(value);
        const b = copy.safeParse(value);
        expect(b.success, JSON.stringify(value)).toBe(a.success);
        if (a.success && !defaults) expect(b.data).toEqual(a.data);
      }
    },
  );

  test.prop([descArb, fc.jsonValue({ maxDepth: 3 })], { numRuns: RUNS })(
    "issues name the same paths",
    (desc, value) => {
      const original = schemaOf(desc);
      // As sets: the form keeps an object's keys in sorted order, not in the order written, and
      // an integer's safe range is a bound of its own (-2^53 fails both it and int()).
      const paths = (s: z.ZodType) => [
        ...new Set(
          (s.safeParse(value).error?.issues ?? []).map((i) => i.path.map(String).join(".")),
        ),
      ];
      const sorted = (list: string[]) => [...list].sort();
      expect(sorted(paths(rebuilt(original)))).toEqual(sorted(paths(original)));
    },
  );

  it("refuses what is not a form, and what zod cannot state, with the node's path", () => {
    expect(() => schemaFromForm({ type: "strng" })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
    const both = {
      type: "object",
      unknownKeys: "strip",
      required: ["u"],
      properties: {
        u: { type: "union", anyOf: [{ type: "string" }], discriminator: "k", exclusive: true },
      },
    };
    expect(() => schemaFromForm(both)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT", details: { path: ".u" } }),
    );
  });
});

describe("stand-ins for what the form only names", () => {
  it("refinements and overwrites hold every value (the peer checks again)", () => {
    const copy = rebuilt(
      z.object({ even: z.number().refine((n) => n % 2 === 0), t: z.string().trim() }),
    );
    expect(copy.parse({ even: 3, t: " a " })).toEqual({ even: 3, t: " a " });
  });

  it("a default or prefault fills in nothing: a missing value stays missing", () => {
    const copy = rebuilt(z.object({ on: z.boolean().default(true), n: z.number().prefault(1) }));
    expect(copy.parse({})).toEqual({ on: undefined, n: undefined });
    expect(JSON.stringify(copy.parse({}))).toBe("{}");
    expect(copy.safeParse({ on: "yes" }).success).toBe(false);
    expect(copy.parse({ on: false, n: 2 })).toEqual({ on: false, n: 2 });
  });

  it("a catch keeps a failing value for the peer's catch to replace", () => {
    expect(rebuilt(z.object({ n: z.number().catch(0) })).parse({ n: "x" })).toEqual({ n: "x" });
  });

  it("transforms keep the value; a pipe after one, and a codec, check their input side only", () => {
    expect(rebuilt(z.string().transform((s) => s.length)).parse("abc")).toBe("abc");
    expect(rebuilt(z.string().transform(Number)).safeParse(3).success).toBe(false);
    const preprocessed = rebuilt(z.preprocess((v) => String(v), z.string().min(2)));
    expect(preprocessed.parse(7)).toBe(7);
    const codec = rebuilt(
      z.codec(z.iso.datetime(), z.date(), {
        decode: (s) => new Date(s),
        encode: (d) => d.toISOString(),
      }),
    );
    expect(codec.parse("2026-01-02T03:04:05Z")).toBe("2026-01-02T03:04:05Z");
    expect(codec.safeParse("yesterday").success).toBe(false);
    // A pipe between two plain schemas runs both, as the original does.
    const piped = rebuilt(z.string().pipe(z.string().min(2)));
    expect(piped.safeParse("a").success).toBe(false);
  });

  it("a format only the peer's code knows keeps its name and accepts every string", () => {
    const copy = rebuilt(z.string().check(z.stringFormat("ticket", (v) => v.startsWith("T"))));
    expect(copy.parse("not a ticket")).toBe("not a ticket");
  });
});

describe("contractFromForm", () => {
  it("rebuilds a contract with the same canonical form and digest", () => {
    const copy = contractFromForm(canonicalContract(chat));
    expect(canonicalText(canonicalContract(copy))).toBe(canonicalText(canonicalContract(chat)));
    expect(contractDigest(copy)).toBe(contractDigest(chat));
    expect(copy.name).toBe("chat");
    expect([...copy.client.requests.keys()]).toEqual(["join", "tags"]);
    expect(copy.schema.credentials?.safeParse({ token: "" }).success).toBe(false);
  });

  test.prop([recipeArb, recipeArb], { numRuns: Math.ceil(RUNS / 3) })(
    "a contract of random schemas is rebuilt with its digest (and a fingerprint zod can make)",
    (event, output) => {
      const [a, b] = [formOf(event), formOf(output)];
      fc.pre(a !== undefined && b !== undefined);
      const form = {
        form: 1,
        name: "random",
        credentials: null,
        client: { events: { e: a }, requests: { r: { input: b, output: a } } },
        server: { events: { s: b }, requests: {} },
      };
      const copy = contractFromForm(form);
      expect(contractDigest(copy)).toBe(contractDigest(form as never));
      expect(copy.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    },
  );

  it("sends a missing default as missing, for the receiver to fill in with its own", () => {
    const copy = contractFromForm(canonicalContract(chat));
    const frame = encodeEvent(copy, "client", "typing", {});
    expect(frame.subarray(-2).toString()).toBe("{}");
    const envelope = parseEnvelope(frame.subarray(4)) as Envelope;
    const received = decodeEvent(chat, "client", envelope);
    expect(received.data).toEqual({ on: true });
  });

  it("refuses a value that is not a contract form, saying where", () => {
    expect(() => contractFromForm({ form: 2 })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
    const form = JSON.parse(canonicalText(canonicalContract(chat)));
    form.server.events.greeting = {
      type: "union",
      anyOf: [{ type: "null" }],
      discriminator: "k",
      exclusive: true,
    };
    expect(() => contractFromForm(form)).toThrow(/server\.events\.greeting/);
  });
});
