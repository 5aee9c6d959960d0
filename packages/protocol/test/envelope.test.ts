import { fc, test as propTest } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import { patchRequestFrame } from "../src/envelope/envelope.js";
import {
  ErrorCode,
  encodeEnvelope,
  Flag,
  FrameDecoder,
  isIgnorableKind,
  isKnownKind,
  Kind,
  kindName,
  parseEnvelope,
} from "../src/index.js";

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ""), "hex");
/** The frame body (envelope) of an encoded frame. */
const bodyOf = (frame: Buffer): Buffer => frame.subarray(4);
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
};

describe("Kind and Flag values", () => {
  test("kinds are fixed wire values", () => {
    expect(Kind).toEqual({
      HELLO: 1,
      WELCOME: 2,
      REJECT: 3,
      EVENT: 4,
      REQUEST: 5,
      RESPONSE: 6,
      ERROR: 7,
      CANCEL: 8,
      PING: 9,
      PONG: 10,
      GOAWAY: 11,
      CONTRACT: 0x40,
      ACK: 0x41,
      STREAM_OPEN: 0x42,
      STREAM_ITEM: 0x43,
      STREAM_CREDIT: 0x44,
      STREAM_END: 0x45,
      STREAM_ERROR: 0x46,
      STREAM_CANCEL: 0x47,
    });
    expect(Flag.DEADLINE).toBe(0x10);
  });

  test("names and ranges", () => {
    expect(kindName(Kind.GOAWAY)).toBe("goaway");
    expect(kindName(0x4f)).toBe("0x4f");
    expect(isKnownKind(0x0b)).toBe(true);
    expect(isKnownKind(0x0c)).toBe(false);
    expect([0x3f, 0x40, 0x7f, 0x80].map(isIgnorableKind)).toEqual([false, true, true, false]);
  });
});

describe("encodeEnvelope", () => {
  test("event layout: prefix, kind, flags, id, type length, type, payload", () => {
    const frame = encodeEnvelope({ kind: Kind.EVENT, type: "say" }, '{"t":"é"}');
    expect(frame.toString("hex")).toBe(
      [
        "00000014",
        "04",
        "00",
        "00000000",
        "03",
        "736179",
        Buffer.from('{"t":"é"}').toString("hex"),
      ].join(""),
    );
  });

  test("request with a deadline sets flag 0x10 and writes the u32 after the type", () => {
    const frame = encodeEnvelope(
      { kind: Kind.REQUEST, id: 0x01020304, type: "a", deadlineMs: 30000 },
      undefined,
    );
    expect(frame.toString("hex")).toBe("0000000c 05 10 01020304 01 61 00007530".replace(/ /g, ""));
  });

  test("deadline rules: none for 0/Infinity/undefined, rounded up, capped, refused when negative or NaN", () => {
    const flagsOf = (deadlineMs: number | undefined) =>
      parseEnvelope(
        bodyOf(encodeEnvelope({ kind: Kind.REQUEST, id: 1, type: "x", deadlineMs }, undefined)),
      );
    for (const none of [undefined, 0, Number.POSITIVE_INFINITY]) {
      expect(flagsOf(none)).toMatchObject({ flags: 0, deadlineMs: undefined });
    }
    expect(flagsOf(1.2)?.deadlineMs).toBe(2);
    expect(flagsOf(2 ** 40)?.deadlineMs).toBe(0xffff_ffff);
    for (const bad of [-1, Number.NaN, Number.NEGATIVE_INFINITY]) {
      expect(codeOf(() => flagsOf(bad))).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });

  test("advisory flags are kept; required bits come only from fields", () => {
    const body = bodyOf(encodeEnvelope({ kind: Kind.EVENT, type: "x", flags: 0xff }, undefined));
    expect(body[1]).toBe(0x0f);
  });

  test("bad ids and type names are refused", () => {
    for (const id of [-1, 1.5, 2 ** 32, Number.NaN]) {
      expect(codeOf(() => encodeEnvelope({ kind: Kind.REQUEST, id, type: "x" }, undefined))).toBe(
        ErrorCode.INVALID_ARGUMENT,
      );
    }
    for (const type of ["a b", "é", "中", "x".repeat(256), "tab\t"]) {
      expect(codeOf(() => encodeEnvelope({ kind: Kind.EVENT, type }, undefined))).toBe(
        ErrorCode.INVALID_ARGUMENT,
      );
    }
    expect(bodyOf(encodeEnvelope({ kind: Kind.EVENT, type: "x".repeat(255) }, undefined))[6]).toBe(
      255,
    );
  });

  test("string and byte payloads encode the same", () => {
    const text = '{"text":"世界"}';
    expect(encodeEnvelope({ kind: Kind.EVENT, type: "a" }, text)).toEqual(
      encodeEnvelope({ kind: Kind.EVENT, type: "a" }, Buffer.from(text)),
    );
  });
});

describe("parseEnvelope", () => {
  test("reads every field and returns the payload as a view", () => {
    const body = hex("05 10 0000002a 03 616263 000003e8 7b7d");
    const envelope = parseEnvelope(body);
    expect(envelope).toMatchObject({
      kind: Kind.REQUEST,
      flags: 0x10,
      id: 42,
      type: "abc",
      deadlineMs: 1000,
    });
    expect(envelope?.payload.toString()).toBe("{}");
    expect(envelope?.payload.buffer).toBe(body.buffer);
  });

  test("a body shorter than 7 bytes is malformed", () => {
    for (const body of ["", "04", "040000000000"]) {
      expect(codeOf(() => parseEnvelope(hex(body)))).toBe(ErrorCode.FRAME_MALFORMED);
    }
  });

  test("type or deadline running past the body is malformed", () => {
    expect(codeOf(() => parseEnvelope(hex("04 00 00000000 05 6162")))).toBe(
      ErrorCode.FRAME_MALFORMED,
    );
    expect(codeOf(() => parseEnvelope(hex("05 10 00000001 01 61 0000")))).toBe(
      ErrorCode.FRAME_MALFORMED,
    );
  });

  test("unknown kinds: 0x40-0x7F this version does not define are ignored, all others are fatal", () => {
    for (const kind of [0x5f, 0x6e, 0x7f])
      expect(parseEnvelope(Buffer.of(kind, 0xff, 0, 0, 0, 0, 0))).toBeUndefined();
    for (const kind of [0x00, 0x0c, 0x3f, 0x80, 0xff]) {
      expect(codeOf(() => parseEnvelope(Buffer.of(kind, 0, 0, 0, 0, 0, 0)))).toBe(
        ErrorCode.UNKNOWN_KIND,
      );
    }
  });

  test("unknown advisory flags are ignored, unknown required flags are fatal", () => {
    for (const flags of [0x01, 0x02, 0x04, 0x08, 0x0f]) {
      expect(parseEnvelope(Buffer.of(Kind.EVENT, flags, 0, 0, 0, 0, 0))?.flags).toBe(flags);
    }
    for (const flags of [0x20, 0x40, 0x80, 0xf0]) {
      expect(codeOf(() => parseEnvelope(Buffer.of(Kind.EVENT, flags, 0, 0, 0, 0, 0)))).toBe(
        ErrorCode.UNKNOWN_FLAGS,
      );
    }
  });

  test("an empty payload is an empty buffer", () => {
    expect(parseEnvelope(hex("09 00 00000007 00"))).toMatchObject({
      kind: Kind.PING,
      id: 7,
      type: "",
    });
    expect(parseEnvelope(hex("09 00 00000007 00"))?.payload.length).toBe(0);
  });
});

const allKinds = Object.values(Kind);
const typeName = fc
  .array(fc.integer({ min: 0x21, max: 0x7e }), { maxLength: 255 })
  .map((codes) => String.fromCharCode(...codes));

describe("round trip", () => {
  propTest.prop(
    {
      kind: fc.constantFrom(...allKinds),
      id: fc.nat({ max: 0xffff_ffff }),
      type: typeName,
      flags: fc.integer({ min: 0, max: 0x0f }),
      deadlineMs: fc.option(fc.integer({ min: 1, max: 0xffff_ffff }), { nil: undefined }),
      payload: fc.uint8Array({ maxLength: 200 }),
    },
    { numRuns: 500 },
  )("encode then decode gives back every field, for every kind", (fields) => {
    const frame = encodeEnvelope(fields, fields.payload);
    const decoder = new FrameDecoder();
    decoder.push(frame);
    const envelope = parseEnvelope(decoder.next() as Buffer);
    const expected = {
      kind: fields.kind,
      flags: fields.flags | (fields.deadlineMs === undefined ? 0 : Flag.DEADLINE),
      id: fields.id,
      type: fields.type,
      deadlineMs: fields.deadlineMs,
      payload: Buffer.from(fields.payload),
    };
    // The payload is a getter (the view is made on first use), so it is compared on its own.
    const { payload, ...header } = expected;
    expect(envelope).toMatchObject(header);
    expect(envelope?.payload).toEqual(payload);
    // nextEnvelope() parses in place and must agree with parseEnvelope(next()).
    const inPlace = new FrameDecoder();
    inPlace.push(frame);
    const direct = inPlace.nextEnvelope();
    expect(direct).toMatchObject(header);
    expect(direct?.payload).toEqual(payload);
    expect(inPlace.nextEnvelope()).toBeUndefined();
    expect(inPlace.error).toBeUndefined();
  });
});

describe("patchRequestFrame", () => {
  test("fills in the id and the deadline of a request encoded ahead of time, nothing else", () => {
    const ahead = encodeEnvelope(
      { kind: Kind.REQUEST, type: "join", deadlineMs: 30_000 },
      '{"a":1}',
    );
    patchRequestFrame(ahead, 7, 1500);
    expect(ahead).toEqual(
      encodeEnvelope({ kind: Kind.REQUEST, id: 7, type: "join", deadlineMs: 1500 }, '{"a":1}'),
    );
    const noDeadline = encodeEnvelope({ kind: Kind.REQUEST, type: "join" }, '{"a":1}');
    patchRequestFrame(noDeadline, 0xffffffff, 99);
    expect(noDeadline).toEqual(
      encodeEnvelope({ kind: Kind.REQUEST, id: 0xffffffff, type: "join" }, '{"a":1}'),
    );
  });

  test("refuses an id of 0 and a frame that is not a request", () => {
    const request = encodeEnvelope({ kind: Kind.REQUEST, type: "join" }, "1");
    expect(() => patchRequestFrame(request, 0, undefined)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
    const event = encodeEnvelope({ kind: Kind.EVENT, type: "join" }, "1");
    expect(() => patchRequestFrame(event, 1, undefined)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });
});
