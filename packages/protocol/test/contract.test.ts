import { fc, test as propTest } from "@fast-check/vitest";
import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";
import {
  decodeEvent,
  decodeRequest,
  decodeResponse,
  defineContract,
  type Envelope,
  ErrorCode,
  encodeEnvelope,
  encodeEvent,
  encodeRequest,
  encodeResponse,
  isSockwireError,
  Kind,
  parseEnvelope,
  SockwireError,
  summarizeIssues,
  validatePayload,
} from "../src/index.js";
import { chat } from "./fixtures/chat.js";

/** Turns a whole frame into its envelope, as a receiver would. */
const envelopeOf = (frame: Buffer): Envelope => parseEnvelope(frame.subarray(4)) as Envelope;
/** An event envelope with a raw JSON payload, bypassing outbound validation. */
const rawEvent = (type: string, json: string): Envelope =>
  envelopeOf(encodeEnvelope({ kind: Kind.EVENT, type }, json));
const errorOf = (fn: () => unknown): SockwireError => {
  try {
    fn();
  } catch (error) {
    if (isSockwireError(error)) return error;
    throw new Error(`expected a SockwireError, got ${String(error)}`);
  }
  throw new Error("expected a throw");
};

afterEach(() => {
  Reflect.deleteProperty(Object.prototype, "isAdmin");
});

describe("defineContract", () => {
  test("builds frozen lookup tables for both directions", () => {
    expect(Object.isFrozen(chat)).toBe(true);
    expect([...chat.client.events.keys()]).toEqual(["say", "typing", "bye"]);
    expect([...chat.client.requests.keys()]).toEqual(["join", "tags"]);
    expect([...chat.server.events.keys()]).toEqual(["greeting"]);
    expect(chat.fingerprint).toMatch(/^[0-9a-f]{32}$/);
  });

  test("a direction may be absent", () => {
    const oneWay = defineContract({ name: "one-way", client: { events: { ping: z.object({}) } } });
    expect(oneWay.server.events.size).toBe(0);
    expect(oneWay.server.requests.size).toBe(0);
  });

  test("bad names and non-zod schemas are refused", () => {
    const bad = [
      () => defineContract({ name: "" }),
      () => defineContract({ name: "has space" }),
      () => defineContract({ name: "x", client: { events: { "1st": z.string() } } }),
      () => defineContract({ name: "x", client: { events: { "a b": z.string() } } }),
      () => defineContract({ name: "x", client: { events: { ok: {} as z.ZodType } } }),
      () =>
        defineContract({ name: "x", server: { requests: { r: { input: z.string() } as never } } }),
      () => defineContract({ name: "x", credentials: "token" as unknown as z.ZodType }),
    ];
    for (const fn of bad) expect(errorOf(fn).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe("events, per direction", () => {
  test("a valid client event round-trips", () => {
    const frame = encodeEvent(chat, "client", "say", { text: "hi 世界", seq: 1 });
    expect(decodeEvent(chat, "client", envelopeOf(frame))).toEqual({
      name: "say",
      data: { text: "hi 世界", seq: 1 },
    });
  });

  test("a valid server event round-trips", () => {
    const frame = encodeEvent(chat, "server", "greeting", { text: "Server Say Hello" });
    expect(decodeEvent(chat, "server", envelopeOf(frame))).toEqual({
      name: "greeting",
      data: { text: "Server Say Hello" },
    });
  });

  test("defaults are applied on decode (output type)", () => {
    expect(decodeEvent(chat, "client", rawEvent("typing", "{}")).data).toEqual({ on: true });
  });

  test("an empty payload is undefined", () => {
    expect(encodeEvent(chat, "client", "bye", undefined).length).toBe(4 + 7 + 3);
    expect(decodeEvent(chat, "client", rawEvent("bye", ""))).toEqual({
      name: "bye",
      data: undefined,
    });
    expect(errorOf(() => decodeEvent(chat, "client", rawEvent("say", ""))).code).toBe(
      ErrorCode.VALIDATION_FAILED,
    );
  });

  test("an event of the other direction is an unknown type", () => {
    expect(
      errorOf(() => decodeEvent(chat, "client", rawEvent("greeting", '{"text":"x"}'))).code,
    ).toBe(ErrorCode.UNKNOWN_MESSAGE_TYPE);
    expect(
      errorOf(() => decodeEvent(chat, "server", rawEvent("say", '{"text":"x","seq":1}'))).code,
    ).toBe(ErrorCode.UNKNOWN_MESSAGE_TYPE);
    expect(errorOf(() => encodeEvent(chat, "server", "say" as never, {} as never)).code).toBe(
      ErrorCode.UNKNOWN_MESSAGE_TYPE,
    );
  });

  test("invalid payloads give VALIDATION_FAILED with a short path summary, never a ZodError", () => {
    const error = errorOf(() =>
      decodeEvent(chat, "client", rawEvent("say", '{"text":5,"seq":-1}')),
    );
    expect(error).toBeInstanceOf(SockwireError);
    expect(error).not.toBeInstanceOf(z.ZodError);
    expect(error.code).toBe(ErrorCode.VALIDATION_FAILED);
    const issues = error.details?.issues as { path: string; code: string }[];
    expect(issues.map((i) => i.path)).toEqual(["text", "seq"]);
    expect(issues.map((i) => i.code)).toEqual(["invalid_type", "too_small"]);
    expect(error.cause).toBeInstanceOf(z.ZodError);
  });

  test("outbound validation refuses a bad event before encoding, unless turned off", () => {
    const bad = { text: "x".repeat(1001), seq: 0 };
    expect(errorOf(() => encodeEvent(chat, "client", "say", bad)).code).toBe(
      ErrorCode.VALIDATION_FAILED,
    );
    expect(encodeEvent(chat, "client", "say", bad, { validate: false }).length).toBeGreaterThan(
      1001,
    );
  });

  test("a 1 MiB bad input yields a small error (no echo of the input)", () => {
    const huge = "x".repeat(1024 * 1024);
    const strict = defineContract({
      name: "s",
      client: { events: { e: z.strictObject({ n: z.number() }) } },
    });
    const payload = JSON.stringify({ n: huge, [huge]: 1, nested: { [huge]: [huge] } });
    const error = errorOf(() => decodeEvent(strict, "client", rawEvent("e", payload)));
    expect(error.code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(error.message.length).toBeLessThan(2048);
    expect(JSON.stringify(error.details).length).toBeLessThan(2048);
  });

  test("deep nesting is refused with a coded error before the schema runs", () => {
    const any = defineContract({ name: "any", client: { events: { e: z.any() } } });
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect(errorOf(() => decodeEvent(any, "client", rawEvent("e", deep))).code).toBe(
      ErrorCode.PAYLOAD_TOO_DEEP,
    );
    expect(errorOf(() => decodeEvent(any, "client", rawEvent("e", "{oops")))).toMatchObject({
      code: ErrorCode.PAYLOAD_INVALID,
    });
  });

  test("decoding a frame of the wrong kind is UNEXPECTED_FRAME", () => {
    const response = envelopeOf(encodeEnvelope({ kind: Kind.RESPONSE, id: 1 }, "{}"));
    expect(errorOf(() => decodeEvent(chat, "client", response)).code).toBe(
      ErrorCode.UNEXPECTED_FRAME,
    );
    expect(errorOf(() => decodeRequest(chat, "client", response)).code).toBe(
      ErrorCode.UNEXPECTED_FRAME,
    );
  });
});

describe("requests and responses", () => {
  test("a request carries id, params and deadline", () => {
    const frame = encodeRequest(chat, "client", 7, "join", { room: "lobby" }, { deadlineMs: 5000 });
    expect(decodeRequest(chat, "client", envelopeOf(frame))).toEqual({
      id: 7,
      name: "join",
      params: { room: "lobby" },
      deadlineMs: 5000,
    });
  });

  test("server-to-client requests work the same way", () => {
    const frame = encodeRequest(chat, "server", 1, "whoami", undefined);
    expect(decodeRequest(chat, "server", envelopeOf(frame))).toMatchObject({
      name: "whoami",
      params: undefined,
    });
    const answer = encodeResponse(chat, "server", 1, "whoami", { id: "c1" });
    expect(decodeResponse(chat, "server", "whoami", envelopeOf(answer))).toEqual({ id: "c1" });
  });

  test("invalid input and output are coded errors", () => {
    const request = envelopeOf(
      encodeEnvelope({ kind: Kind.REQUEST, id: 3, type: "join" }, '{"room":""}'),
    );
    expect(errorOf(() => decodeRequest(chat, "client", request)).code).toBe(
      ErrorCode.VALIDATION_FAILED,
    );
    const response = envelopeOf(encodeEnvelope({ kind: Kind.RESPONSE, id: 3 }, '{"members":"3"}'));
    expect(errorOf(() => decodeResponse(chat, "client", "join", response)).code).toBe(
      ErrorCode.VALIDATION_FAILED,
    );
    expect(errorOf(() => encodeResponse(chat, "client", 3, "join", { members: 1.5 })).code).toBe(
      ErrorCode.VALIDATION_FAILED,
    );
  });

  test("request id 0 is reserved both ways", () => {
    expect(errorOf(() => encodeRequest(chat, "client", 0, "join", { room: "a" })).code).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
    const zero = envelopeOf(
      encodeEnvelope({ kind: Kind.REQUEST, id: 0, type: "join" }, '{"room":"a"}'),
    );
    expect(errorOf(() => decodeRequest(chat, "client", zero)).code).toBe(ErrorCode.FRAME_MALFORMED);
  });
});

describe("prototype poisoning never reaches the handler's object", () => {
  const open = defineContract({
    name: "open",
    client: {
      events: {
        loose: z.looseObject({ name: z.string().optional() }),
        record: z.record(z.string(), z.unknown()),
        anything: z.unknown(),
      },
    },
  });

  test("known shapes", () => {
    const payloads = [
      '{"__proto__":{"isAdmin":true}}',
      '{"constructor":{"prototype":{"isAdmin":true}}}',
      '{"a":{"__proto__":{"isAdmin":true}},"b":[{"constructor":{"prototype":{"isAdmin":true}}}]}',
    ];
    for (const type of ["loose", "record", "anything"]) {
      for (const payload of payloads) {
        const { data } = decodeEvent(open, "client", rawEvent(type, payload));
        expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
        expect(Object.hasOwn(data as object, "__proto__")).toBe(false);
        expect(JSON.stringify(data)).not.toMatch(/__proto__|prototype/);
        Object.assign({}, data);
        expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      }
    }
  });

  test("record keys named like Object.prototype members stay plain data", () => {
    const { data } = decodeEvent(
      open,
      "client",
      rawEvent("record", '{"constructor":"c","toString":"t","hasOwnProperty":1}'),
    );
    expect(data).toEqual({ constructor: "c", toString: "t", hasOwnProperty: 1 });
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
  });

  propTest.prop(
    [
      fc.json({ maxDepth: 3 }),
      fc.constantFrom('"__proto__"', '"constructor"', '"\\u005f_proto__"'),
      fc.nat(),
    ],
    { numRuns: 300 },
  )("fc.json() with an injected key, through a record schema", (json, key, where) => {
    const value = key.includes("constructor")
      ? '{"prototype":{"isAdmin":true}}'
      : '{"isAdmin":true}';
    const members = [`${key}:${value}`, `"v":${json}`];
    const payload = `{${where % 2 === 0 ? members.join(",") : members.reverse().join(",")}}`;
    const { data } = decodeEvent(open, "client", rawEvent("record", payload));
    Object.assign({}, data);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data as object)).toEqual(["v"]);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});

describe("validatePayload and summarizeIssues", () => {
  test("return the parsed value on success", () => {
    expect(validatePayload(z.object({ a: z.coerce.number() }), { a: "2" }, "x")).toEqual({ a: 2 });
  });

  test("keep at most 5 issues, paths bounded", () => {
    const schema = z.array(z.object({ name: z.string() }));
    const error = errorOf(() =>
      validatePayload(
        schema,
        Array.from({ length: 50 }, () => ({ name: 1 })),
        "list",
      ),
    );
    expect(error.details?.issueCount).toBe(50);
    const issues = error.details?.issues as { path: string }[];
    expect(issues).toHaveLength(5);
    expect(issues[3]?.path).toBe("[3].name");
    const long = summarizeIssues([
      { code: "custom", path: ["k".repeat(100), 1], message: "m".repeat(500), input: 1 },
    ]);
    expect(long[0]?.path.length).toBeLessThanOrEqual(43);
    expect(long[0]?.message.length).toBeLessThanOrEqual(160);
  });
});
