import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import {
  canonicalDigest,
  canonicalText,
  digestOfText,
} from "../../src/contract/canonical/canonical-json.js";
import { ErrorCode } from "../../src/errors/codes.js";

// RFC 8785 (JSON Canonicalization Scheme): the examples of its sections 3.2.2 and 3.2.3 and the
// number samples of its appendix B, written here as the RFC states them.

/** The IEEE 754 double with the given bit pattern. */
function double(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe("canonicalText", () => {
  it("writes the RFC 8785 section 3.2.2 example", () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals": [null, true, false]}',
    );
    expect(canonicalText(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("sorts member names by UTF-16 code units (RFC 8785 section 3.2.3)", () => {
    const input = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    expect(canonicalText(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
        '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it.each([
    ["0000000000000000", "0"],
    ["8000000000000000", "0"],
    ["0000000000000001", "5e-324"],
    ["8000000000000001", "-5e-324"],
    ["7fefffffffffffff", "1.7976931348623157e+308"],
    ["ffefffffffffffff", "-1.7976931348623157e+308"],
    ["4340000000000000", "9007199254740992"],
    ["c340000000000000", "-9007199254740992"],
    ["4430000000000000", "295147905179352830000"],
    ["44b52d02c7e14af5", "9.999999999999997e+22"],
    ["44b52d02c7e14af6", "1e+23"],
    ["44b52d02c7e14af7", "1.0000000000000001e+23"],
    ["444b1ae4d6e2ef4e", "999999999999999700000"],
    ["444b1ae4d6e2ef4f", "999999999999999900000"],
    ["444b1ae4d6e2ef50", "1e+21"],
    ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
    ["3eb0c6f7a0b5ed8d", "0.000001"],
    ["41b3de4355555553", "333333333.3333332"],
    ["41b3de4355555554", "333333333.33333325"],
    ["41b3de4355555555", "333333333.3333333"],
    ["41b3de4355555556", "333333333.3333334"],
    ["41b3de4355555557", "333333333.33333343"],
    ["becbf647612f3696", "-0.0000033333333333333333"],
    ["43143ff3c1cb0959", "1424953923781206.2"],
  ])("writes the double %s as %s (RFC 8785 appendix B)", (hex, text) => {
    expect(canonicalText(double(hex))).toBe(text);
  });

  it("writes the examples PROTOCOL.md gives", () => {
    // biome-ignore lint/correctness/noPrecisionLoss: the point is what a double beyond 2^53 becomes.
    expect(canonicalText([1e21, 1e-7, -0, 2 ** 53 + 2, 9007199254740993])).toBe(
      "[1e+21,1e-7,0,9007199254740994,9007199254740992]",
    );
    expect(canonicalText({ b: [1, { d: 1, c: 2 }], a: "é\n\u001f" })).toBe(
      '{"a":"é\\n\\u001f","b":[1,{"c":2,"d":1}]}',
    );
  });

  it("refuses what JSON cannot carry exactly", () => {
    const bad = [
      Number.NaN,
      Infinity,
      -Infinity,
      undefined,
      1n,
      Symbol("s"),
      () => 1,
      "\ud800",
      "a\udc00b",
      { a: undefined },
      [undefined],
      new Date(0),
      new Map(),
    ];
    for (const value of bad) {
      expect(() => canonicalText(value), String(value)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
    }
  });

  it("keeps a key named __proto__ and objects without a prototype", () => {
    const value = JSON.parse('{"__proto__":1,"a":2}');
    expect(canonicalText(value)).toBe('{"__proto__":1,"a":2}');
    expect(canonicalText(Object.assign(Object.create(null), { b: 1 }))).toBe('{"b":1}');
  });

  test.prop([fc.jsonValue()], { numRuns: 300 })(
    "is JSON that parses back to the same value, and sorting is its only change",
    (value) => {
      const text = canonicalText(value);
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      expect(canonicalText(JSON.parse(text))).toBe(text);
    },
  );

  test.prop([fc.string({ unit: "binary" })], { numRuns: 300 })(
    "escapes strings as ECMAScript's JSON.stringify does (well-formed strings)",
    (value) => {
      fc.pre(!/\p{Cs}/u.test(value));
      expect(canonicalText(value)).toBe(JSON.stringify(value));
    },
  );
});

describe("canonicalDigest", () => {
  it("is the first 16 bytes of SHA-256 of the UTF-8 text, in lowercase hex", () => {
    // SHA-256("{}") = 44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a
    expect(canonicalDigest({})).toBe("44136fa355b3678a1146ad16f7e8649e");
    expect(digestOfText("{}")).toBe("44136fa355b3678a1146ad16f7e8649e");
    expect(canonicalDigest({ b: 1, a: 2 })).toBe(canonicalDigest({ a: 2, b: 1 }));
  });
});
