import { fc, test } from "@fast-check/vitest";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { z } from "zod";
import { ErrorCode } from "../src/errors/codes.js";
import { isSockwireError } from "../src/errors/sockwire-error.js";
import { helloSchema, welcomeSchema } from "../src/handshake/handshake.js";
import { decodeControl } from "../src/message/control.js";

// decodeControl skips zod for a hello or a welcome that has its plan's keys in order and that the
// compiled check accepts; whichever way it goes, the result must be what zod's parse of the JSON
// gives, and a payload zod refuses must fail with the same code as before.

const welcome = {
  protocol: { major: 1, minor: 0 },
  sessionId: "4b1f0c1e-2f3a-4c55-9d7e-0a1b2c3d4e5f",
  maxFrameBytes: 1_048_576,
  heartbeat: { intervalMs: 25_000, timeoutMs: 20_000 },
  maxInFlight: 256,
};

const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

const hello = {
  protocol: { major: 1, minor: 0 },
  contract: { name: "chat", fingerprint: "f".repeat(64) },
  codec: "json",
  maxFrameBytes: 1_048_576,
  heartbeat: { intervalMs: 25_000, timeoutMs: 20_000 },
};

/** The error code decodeControl throws, or the value it returns. */
function outcome(
  payload: Buffer,
  schema: z.ZodType = welcomeSchema,
): { value: unknown } | { code: string } {
  try {
    return { value: decodeControl(schema, payload, "control") };
  } catch (error) {
    if (!isSockwireError(error)) throw error;
    return { code: error.code };
  }
}

/** What zod alone says about the same JSON text. */
function zodOutcome(text: string, schema: z.ZodType): { value: unknown } | { code: string } {
  const parsed = schema.safeParse(JSON.parse(text));
  return parsed.success ? { value: parsed.data } : { code: ErrorCode.VALIDATION_FAILED };
}

describe("decodeControl", () => {
  it("returns a valid welcome with zod's keys in zod's order, without running zod", () => {
    const zod = vi.spyOn(welcomeSchema, "safeParse");
    const value = decodeControl(welcomeSchema, bytes(welcome), "welcome");
    expect(zod).not.toHaveBeenCalled();
    zod.mockRestore();
    expect(value).toEqual(welcome);
    expect(Object.keys(value)).toEqual(Object.keys(welcomeSchema.parse(welcome)));
  });

  it("strips a key the schema does not know, as zod does", () => {
    const value = decodeControl(welcomeSchema, bytes({ ...welcome, extra: 1 }), "welcome");
    expect(value).toEqual(welcome);
  });

  it.each<[string, unknown]>([
    ["a value out of range", { ...welcome, maxInFlight: 0 }],
    ["a fraction where an integer is due", { ...welcome, maxFrameBytes: 1_048_576.5 }],
    [
      "a nested value of the wrong type",
      { ...welcome, heartbeat: { intervalMs: "1", timeoutMs: 1 } },
    ],
    ["a missing key", { protocol: welcome.protocol, sessionId: "s" }],
    ["a string over its limit", { ...welcome, sessionId: "x".repeat(65) }],
  ])("refuses %s with ERR_VALIDATION_FAILED", (_, value) => {
    expect(outcome(bytes(value))).toEqual({ code: ErrorCode.VALIDATION_FAILED });
  });

  it.each<[string, Buffer]>([
    ["an empty payload", Buffer.alloc(0)],
    ["text that is not JSON", Buffer.from('{"protocol":')],
    ["bytes that are not UTF-8", Buffer.from([0x22, 0xff, 0x22])],
  ])("refuses %s with ERR_PAYLOAD_INVALID", (_, payload) => {
    expect(outcome(payload)).toEqual({ code: ErrorCode.PAYLOAD_INVALID });
  });

  it("returns a hello without credentials without running zod", () => {
    const zod = vi.spyOn(helloSchema, "safeParse");
    const value = decodeControl(helloSchema, bytes({ ...hello, agent: "sockwire/1" }), "hello");
    expect(zod).not.toHaveBeenCalled();
    zod.mockRestore();
    expect(value).toEqual({ ...hello, agent: "sockwire/1" });
  });

  it("hands a hello with credentials to zod, which keeps them as sent", () => {
    const credentials = { token: "t", scopes: ["a", "b"], nested: { deep: [1, { x: null }] } };
    const zod = vi.spyOn(helloSchema, "safeParse");
    const value = decodeControl(helloSchema, bytes({ ...hello, credentials }), "hello");
    expect(zod).toHaveBeenCalledOnce();
    zod.mockRestore();
    expect(value).toEqual({ ...hello, credentials });
    expect(() => decodeControl(helloSchema, bytes({ ...hello, codec: 1 }), "hello")).toThrow(
      expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }),
    );
  });
});

// Welcomes near the edges of every field: mostly valid ones (so the fast path is taken often),
// ones that one or more fields make invalid, and ones with a key zod strips.
const int = (min: number, max: number) =>
  fc.oneof(
    { arbitrary: fc.integer({ min, max }), weight: 8 },
    { arbitrary: fc.constantFrom(min, max), weight: 2 },
    { arbitrary: fc.constantFrom(min - 1, max + 1, 0.5), weight: 1 },
  );
const anything = fc.oneof(fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null));
const sometimes = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: anything, weight: 1 });
const welcomeLike = fc.record(
  {
    protocol: sometimes(fc.record({ major: int(0, 255), minor: int(0, 255) })),
    sessionId: sometimes(fc.string({ maxLength: 66 })),
    maxFrameBytes: sometimes(int(1024, 67_108_864)),
    heartbeat: sometimes(
      fc.record({ intervalMs: int(0, 3_600_000), timeoutMs: int(0, 3_600_000) }),
    ),
    maxInFlight: sometimes(int(1, 1_000_000)),
    extra: fc.string({ maxLength: 2 }),
  },
  { requiredKeys: ["protocol", "sessionId", "maxFrameBytes", "heartbeat", "maxInFlight"] },
);

/** Mostly `undefined` (JSON.stringify then leaves the key out), sometimes `value`. */
const rarely = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: value, weight: 1 });
/** Mostly plain text, sometimes any string (escapes, long ones). */
const text = (maxLength: number) =>
  fc.oneof(
    {
      arbitrary: fc.stringMatching(/^[a-z0-9/.-]*$/).filter((t) => t.length <= maxLength),
      weight: 4,
    },
    { arbitrary: fc.string({ maxLength: maxLength + 2 }), weight: 1 },
  );
const helloLike = fc.record({
  protocol: sometimes(fc.record({ major: int(0, 255), minor: int(0, 255) })),
  contract: sometimes(fc.record({ name: text(64), fingerprint: text(64) })),
  codec: sometimes(fc.constantFrom("json", "msgpack", "x".repeat(33))),
  maxFrameBytes: sometimes(int(1024, 67_108_864)),
  heartbeat: sometimes(fc.record({ intervalMs: int(0, 3_600_000), timeoutMs: int(0, 3_600_000) })),
  credentials: rarely(fc.jsonValue({ maxDepth: 3 })),
  agent: fc.option(text(128), { nil: undefined }),
  extra: rarely(fc.string({ maxLength: 2 })),
});

describe("decodeControl against zod", () => {
  const skippedZod = new Map<z.ZodType, number>();
  afterAll(() => {
    // The properties are only worth something if the fast path was taken often enough.
    expect(skippedZod.get(welcomeSchema)).toBeGreaterThan(10);
    expect(skippedZod.get(helloSchema)).toBeGreaterThan(10);
  });

  test.prop([fc.constantFrom(welcomeSchema, helloSchema), welcomeLike, helloLike], {
    numRuns: 600,
  })("a hello or a welcome decodes to what zod parses, or fails as zod does", (schema, w, h) => {
    const text = JSON.stringify(schema === welcomeSchema ? w : h);
    const zod = vi.spyOn(schema, "safeParse");
    const got = outcome(Buffer.from(text), schema);
    if (zod.mock.calls.length === 0) skippedZod.set(schema, (skippedZod.get(schema) ?? 0) + 1);
    zod.mockRestore();
    const want = zodOutcome(text, schema);
    expect(got).toEqual(want);
    if ("value" in got && "value" in want) {
      expect(Object.keys(got.value as object)).toEqual(Object.keys(want.value as object));
    }
  });
});
