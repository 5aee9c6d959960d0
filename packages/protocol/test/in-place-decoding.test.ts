import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { readTypeName } from "../src/envelope/type-names.js";
import {
  decodeEvent,
  defaultCodec,
  defineContract,
  type Envelope,
  ErrorCode,
  encodeEnvelope,
  encodeEvent,
  FrameDecoder,
  isPayloadCodec,
  isSockwireError,
  jsonCodec,
  Kind,
  type PayloadCodec,
  parseEnvelope,
} from "../src/index.js";
import { split } from "./fixtures/split.js";

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return isSockwireError(error) ? error.code : `not a SockwireError: ${String(error)}`;
  }
  return undefined;
};

/** The observable fields of an envelope, payload included, as a plain object. */
const plain = (env: Envelope | undefined) =>
  env === undefined
    ? undefined
    : {
        kind: env.kind,
        flags: env.flags,
        id: env.id,
        type: env.type,
        deadlineMs: env.deadlineMs,
        payload: Buffer.from(env.payload).toString("hex"),
      };

const frameArb = fc.record({
  kind: fc.constantFrom(Kind.EVENT, Kind.REQUEST, Kind.RESPONSE, Kind.ERROR, Kind.PING),
  id: fc.integer({ min: 0, max: 0xffff_ffff }),
  type: fc.stringMatching(/^[!-~]{0,40}$/),
  deadlineMs: fc.option(fc.integer({ min: 1, max: 0xffff_ffff }), { nil: undefined }),
  payload: fc.uint8Array({ maxLength: 120 }),
});

describe("FrameDecoder.nextEnvelope", () => {
  test.prop([fc.array(frameArb, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 30 })], {
    numRuns: 300,
  })("under any chunking it yields exactly what parseEnvelope(next()) yields", (frames, cuts) => {
    const stream = Buffer.concat(frames.map((f) => encodeEnvelope(f, f.payload)));
    const viaNext: unknown[] = [];
    const reference = new FrameDecoder();
    reference.push(stream);
    for (let body = reference.next(); body; body = reference.next()) {
      viaNext.push(plain(parseEnvelope(body)));
    }
    const inPlace: unknown[] = [];
    const decoder = new FrameDecoder();
    for (const chunk of split(stream, cuts)) {
      decoder.push(chunk);
      for (let env = decoder.nextEnvelope(); env; env = decoder.nextEnvelope()) {
        inPlace.push(plain(env));
      }
    }
    expect(decoder.error).toBeUndefined();
    expect(decoder.hasPartialFrame).toBe(false);
    expect(inPlace).toEqual(viaNext);
    expect(inPlace).toHaveLength(frames.length);
  });

  it("skips frames of an ignorable extension kind and returns the next real one", () => {
    const decoder = new FrameDecoder();
    decoder.push(encodeEnvelope({ kind: 0x7e as Kind }, "ignored"));
    decoder.push(encodeEnvelope({ kind: Kind.PING, id: 7 }, undefined));
    expect(decoder.nextEnvelope()).toMatchObject({ kind: Kind.PING, id: 7 });
    expect(decoder.nextEnvelope()).toBeUndefined();
    expect(decoder.error).toBeUndefined();
  });

  it.each([
    ["a body shorter than the header", "00000003 090000", ErrorCode.FRAME_MALFORMED],
    ["an empty body", "00000000", ErrorCode.FRAME_MALFORMED],
    ["an unknown kind", "00000007 20 00 00000000 00", ErrorCode.UNKNOWN_KIND],
    ["an unknown required flag", "00000007 04 80 00000000 00", ErrorCode.UNKNOWN_FLAGS],
    ["a type name past the body", "00000008 04 00 00000000 05 61", ErrorCode.FRAME_MALFORMED],
  ])("%s is the decoder's terminal error, and later input is ignored", (_what, hex, code) => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from(hex.replaceAll(" ", ""), "hex"));
    decoder.push(encodeEnvelope({ kind: Kind.PING }, undefined));
    expect(decoder.nextEnvelope()).toBeUndefined();
    expect(decoder.error?.code).toBe(code);
    expect(decoder.state).toBe("errored");
    decoder.push(encodeEnvelope({ kind: Kind.PING }, undefined));
    expect(decoder.nextEnvelope()).toBeUndefined();
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("the payload is a view into the received chunk, made once", () => {
    const frame = encodeEnvelope({ kind: Kind.EVENT, type: "say" }, '{"a":1}');
    const decoder = new FrameDecoder();
    decoder.push(frame);
    const env = decoder.nextEnvelope() as Envelope;
    expect(env.payload.buffer).toBe(frame.buffer);
    expect(env.payload.toString()).toBe('{"a":1}');
    expect(env.payload).toBe(env.payload);
  });
});

describe("type names", () => {
  it("the same bytes give the same string object; different bytes never share one", () => {
    const a = Buffer.from("xxsayxx");
    const b = Buffer.from("..say..");
    expect(readTypeName(a, 2, 5)).toBe("say");
    expect(readTypeName(a, 2, 5)).toBe(readTypeName(b, 2, 5));
    expect(readTypeName(a, 2, 2)).toBe("");
    const long = "n".repeat(200);
    expect(readTypeName(Buffer.from(long), 0, 200)).toBe(long);
  });

  test.prop([fc.array(fc.stringMatching(/^[!-~]{1,40}$/), { minLength: 1, maxLength: 400 })], {
    numRuns: 100,
  })("any sequence of names, colliding in the cache or not, reads back exactly", (names) => {
    for (const name of names) {
      expect(readTypeName(Buffer.from(`#${name}#`, "latin1"), 1, name.length + 1)).toBe(name);
    }
  });
});

describe("codec decodeRange", () => {
  const codec = jsonCodec({ maxDepth: 8 });
  const interesting = fc.oneof(
    fc.uint8Array({ maxLength: 80 }),
    fc.json({ maxDepth: 12 }).map((text) => new Uint8Array(Buffer.from(text))),
    fc
      .constantFrom(
        '{"__proto__":{"polluted":1},"a":1}',
        '{"constructor":{"prototype":{"x":1}}}',
        '{"\\u005f_proto__":{"y":2}}',
        '{"text":"caf\u00e9"}',
        "[[[[[[[[[[1]]]]]]]]]]",
      )
      .map((text) => new Uint8Array(Buffer.from(text))),
  );

  test.prop([interesting, fc.nat({ max: 16 }), fc.nat({ max: 16 })], { numRuns: 500 })(
    "decodes any range exactly as decode() of the same bytes: same value or same error code",
    (payload, before, after) => {
      const bytes = Buffer.concat([Buffer.alloc(before, 0x5b), payload, Buffer.alloc(after, 0xff)]);
      const end = before + payload.length;
      let expected: unknown;
      const expectedCode = codeOf(() => {
        expected = codec.decode(Buffer.from(payload));
      });
      let actual: unknown;
      const actualCode = codeOf(() => {
        actual = codec.decodeRange?.(bytes, before, end);
      });
      expect(actualCode).toBe(expectedCode);
      expect(actual).toStrictEqual(expected);
    },
  );

  it("invalid UTF-8 inside a valid surrounding is refused with PAYLOAD_INVALID", () => {
    const bytes = Buffer.concat([
      Buffer.from('"ok"'),
      Buffer.from([0x22, 0xc3, 0x22]),
      Buffer.from("x"),
    ]);
    expect(codeOf(() => defaultCodec.decodeRange?.(bytes, 4, 7))).toBe(ErrorCode.PAYLOAD_INVALID);
    expect(defaultCodec.decodeRange?.(bytes, 0, 4)).toBe("ok");
  });
});

describe("decoding a payload through a codec without decodeRange", () => {
  it("a codec with only decode() is given the payload view", () => {
    const seen: string[] = [];
    const upper: PayloadCodec = {
      name: "json-upper",
      encode: (value) => JSON.stringify(value),
      decode: (bytes) => {
        seen.push(bytes.toString());
        return JSON.parse(bytes.toString().toUpperCase());
      },
    };
    const contract = defineContract({
      name: "t",
      client: { events: { say: z.record(z.string(), z.string()) } },
    });
    const frame = encodeEvent(contract, "client", "say", { text: "hi" });
    const env = parseEnvelope(frame.subarray(4)) as Envelope;
    expect(decodeEvent(contract, "client", env, { codec: upper }).data).toEqual({ TEXT: "HI" });
    expect(seen).toEqual(['{"text":"hi"}']);
    // A hand-built envelope (no received bytes behind it) goes through decode() too.
    const handmade: Envelope = {
      kind: env.kind,
      flags: env.flags,
      id: env.id,
      type: env.type,
      deadlineMs: env.deadlineMs,
      payload: Buffer.from('{"TEXT":"yo"}'),
    };
    expect(decodeEvent(contract, "client", handmade).data).toEqual({ TEXT: "yo" });
  });
});

describe("isPayloadCodec", () => {
  it("accepts the JSON codec and a codec without decodeRange; refuses broken shapes", () => {
    const base = { name: "json-x", encode: JSON.stringify, decode: (b: Buffer) => b.toString() };
    expect(isPayloadCodec(jsonCodec())).toBe(true);
    expect(isPayloadCodec(base)).toBe(true);
    expect(isPayloadCodec({ ...base, decodeRange: () => 1 })).toBe(true);
    expect(isPayloadCodec({ ...base, decodeRange: "fast" })).toBe(false);
    expect(isPayloadCodec({ ...base, name: "Not A Name" })).toBe(false);
    expect(isPayloadCodec({ name: "json", encode: JSON.stringify })).toBe(false);
    expect(isPayloadCodec(null)).toBe(false);
  });
});
