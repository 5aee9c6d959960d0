import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { fc, test } from "@fast-check/vitest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { JsonCodec } from "../src/codec/json-codec.js";
import { ReceivedEnvelope } from "../src/envelope/received-envelope.js";
import {
  decodeEvent,
  defaultCodec,
  defineContract,
  encodeEnvelope,
  jsonCodec,
  Kind,
  parseEnvelope,
} from "../src/index.js";
import { decodePayload } from "../src/message/decode.js";
import type { ParsePlan } from "../src/message/plan/plan-compiler.js";
import { planForSchema } from "../src/message/plan/schema-plan.js";

/** The payload at `bytes[start..end)` decoded as a received one is: along the schema's plan. */
function decodeRange(
  codec: JsonCodec,
  schema: z.ZodType,
  bytes: Buffer,
  start: number,
  end: number,
): unknown {
  return decodePayload(
    codec,
    new ReceivedEnvelope(Kind.EVENT, 0, 0, "e", undefined, bytes, start, end),
    schema,
  );
}

const planOf = (schema: z.ZodType): ParsePlan => {
  const plan = planForSchema(schema);
  if (plan === undefined) throw new Error("expected a plan");
  return plan;
};

/** The outcome of a decode: the value (with its key order) or the error's code. */
function outcome(decode: () => unknown): unknown {
  try {
    const value = decode();
    return { value, order: JSON.stringify(value, replacer) };
  } catch (error) {
    return { code: (error as { code?: string }).code ?? "not coded" };
  }
}
const replacer = (_key: string, value: unknown) => (Object.is(value, -0) ? "-0" : value);

describe("which schemas get a plan", () => {
  it.each([
    ["object of primitives", z.object({ text: z.string(), seq: z.number().int() })],
    ["strict and loose objects", z.strictObject({ a: z.looseObject({ b: z.boolean() }) })],
    [
      "arrays, enums and literals",
      z.object({ tags: z.array(z.enum(["a", "b"])), v: z.literal(1) }),
    ],
    [
      "wrappers",
      z.object({ a: z.string().optional(), b: z.number().nullable(), c: z.string().default("x") }),
    ],
    [
      "checks, formats and transforms",
      z.object({
        e: z.email(),
        n: z
          .string()
          .min(2)
          .transform((s) => s.length),
      }),
    ],
    [
      "nullish, catch, readonly",
      z.object({ a: z.string().nullish(), b: z.number().catch(0) }).readonly(),
    ],
    ["a bare string", z.string()],
    [
      "40 keys",
      z.object(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, z.number()]))),
    ],
    ["a numeric enum", z.enum({ A: 1, B: 2 } as unknown as Record<string, string>)],
  ])("%s", (_name, schema) => {
    expect(planForSchema(schema)).toBeDefined();
  });

  it.each([
    ["a union", z.object({ a: z.union([z.string(), z.number()]) })],
    ["a record", z.record(z.string(), z.number())],
    ["any", z.object({ a: z.any() })],
    ["a mixed literal", z.literal(["a", 1])],
    ["a mixed enum", z.enum({ a: "a", b: 1 } as unknown as Record<string, string>)],
    ["a tuple", z.tuple([z.string()])],
    ["a __proto__ key", z.object({ ["__proto__"]: z.string() })],
    ["a constructor key", z.object({ constructor: z.string() })],
    ["a key with a quote", z.object({ 'a"b': z.string() })],
    ["a non-ASCII key", z.object({ clé: z.string() })],
    [
      "600 keys (over the node budget)",
      z.object(Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, z.string()]))),
    ],
    [
      "17 levels of nesting",
      Array.from({ length: 16 }).reduce<z.ZodType>((inner) => z.array(inner), z.object({})),
    ],
    ["preprocess", z.preprocess((v) => v, z.string())],
  ])("none for %s", (_name, schema) => {
    expect(planForSchema(schema)).toBeUndefined();
  });

  it("is bounded for a schema that refers to itself", () => {
    interface Node {
      name: string;
      left?: Node;
      right?: Node;
    }
    const node: z.ZodType<Node> = z.object({
      name: z.string(),
      get left() {
        return node.optional();
      },
      get right() {
        return node.optional();
      },
    });
    expect(planForSchema(node)).toBeUndefined();
  });

  it("respects zod's jitless setting", () => {
    z.config({ jitless: true });
    try {
      expect(planForSchema(z.object({ a: z.string() }))).toBeUndefined();
    } finally {
      z.config({ jitless: false });
    }
    expect(planForSchema(z.object({ a: z.string() }))).toBeDefined();
  });
});

describe("decoding along a plan", () => {
  const codec = defaultCodec as JsonCodec;
  const chat = z.object({
    text: z.string(),
    seq: z.number().int(),
    tags: z.array(z.string()).optional(),
  });

  it("is the JSON codec's path", () => {
    expect(defaultCodec).toBeInstanceOf(JsonCodec);
    expect(jsonCodec({ maxDepth: 3 })).toBeInstanceOf(JsonCodec);
  });

  it("keeps the codec's depth limit", () => {
    const shallow = jsonCodec({ maxDepth: 1 }) as JsonCodec;
    const schema = z.object({ a: z.array(z.number()) });
    planOf(schema);
    const bytes = Buffer.from('{"a":[1]}');
    expect(outcome(() => decodeRange(shallow, schema, bytes, 0, bytes.length))).toEqual({
      code: "ERR_PAYLOAD_TOO_DEEP",
    });
  });

  it("still removes poisoning keys (they leave the plan)", () => {
    const bytes = Buffer.from('{"text":"a","__proto__":{"polluted":1}}');
    const value = decodeRange(codec, chat, bytes, 0, bytes.length) as object;
    expect(Object.hasOwn(value, "__proto__")).toBe(false);
  });

  it("copies strings cut from a large payload, so keeping one does not keep the payload", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const schema = z.object({ name: z.string(), blob: z.string() });
    planOf(schema);
    const kept: unknown[] = [];
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100; i++) {
      const text = JSON.stringify({
        name: `a name long enough ${i}`,
        blob: "x".repeat(100_000 + i),
      });
      const bytes = Buffer.from(text);
      kept.push((decodeRange(codec, schema, bytes, 0, bytes.length) as { name: string }).name);
    }
    gc();
    gc();
    // Referenced payload texts would be 100 x 100 KB = 10 MB; the names alone are a few KB.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(3_000_000);
    expect(kept).toHaveLength(100);
  });

  const payloads = fc.oneof(
    fc.record({ text: fc.string(), seq: fc.integer() }).map((v) => JSON.stringify(v)),
    fc
      .record({ seq: fc.double(), tags: fc.array(fc.string({ unit: "binary" })) })
      .map((v) => JSON.stringify(v)),
    fc.string({ unit: "binary", maxLength: 40 }),
  );
  const asBytes = fc.oneof(
    payloads.map((text) => Buffer.from(text)),
    // Raw bytes: invalid UTF-8, stray U+FFFD, truncated sequences.
    fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
    fc
      .tuple(payloads, fc.uint8Array({ minLength: 1, maxLength: 3 }), fc.nat())
      .map(([text, junk, at]) => {
        const bytes = Buffer.from(text);
        const where = at % (bytes.length + 1);
        return Buffer.concat([bytes.subarray(0, where), junk, bytes.subarray(where)]);
      }),
  );
  test.prop([asBytes, fc.nat({ max: 5 }), fc.nat({ max: 5 })], { numRuns: 500 })(
    "gives exactly what the general path gives, value or error code",
    (payload, before, after) => {
      // The payload sits inside a larger chunk, as it does when received.
      const chunk = Buffer.concat([Buffer.alloc(before, 0x7b), payload, Buffer.alloc(after, 0x22)]);
      const end = before + payload.length;
      expect(outcome(() => decodeRange(codec, chat, chunk, before, end))).toEqual(
        outcome(() => codec.decodeRange(chunk, before, end)),
      );
    },
  );
});

describe("decodeEvent takes the fast path", () => {
  const contract = defineContract({
    name: "plan",
    client: { events: { say: z.object({ text: z.string(), seq: z.number().int() }) } },
  });
  const event = (payload: string) =>
    parseEnvelope(encodeEnvelope({ kind: Kind.EVENT, type: "say" }, payload).subarray(4));

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("without JSON.parse for a plain payload, with it otherwise; same result", () => {
    const parse = vi.spyOn(JSON, "parse");
    const plain = event('{"text":"hi","seq":1}');
    const escaped = event('{"text":"h\\u0069","seq":1}');
    if (plain === undefined || escaped === undefined) throw new Error("no envelope");
    expect(decodeEvent(contract, "client", plain).data).toEqual({ text: "hi", seq: 1 });
    expect(parse).not.toHaveBeenCalled();
    expect(decodeEvent(contract, "client", escaped).data).toEqual({ text: "hi", seq: 1 });
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it("validates what the plan parsed", () => {
    const bad = event('{"text":"hi","seq":1.5}');
    if (bad === undefined) throw new Error("no envelope");
    expect(outcome(() => decodeEvent(contract, "client", bad))).toEqual({
      code: "ERR_VALIDATION_FAILED",
    });
  });
});
