import { fc, test as propTest } from "@fast-check/vitest";
import { afterEach, describe, expect, test } from "vitest";
import { DEFAULT_MAX_DEPTH, defaultCodec, ErrorCode, jsonCodec } from "../src/index.js";

const codec = defaultCodec;
const decodeText = (text: string, c = codec): unknown => c.decode(Buffer.from(text, "utf8"));
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
};

/**
 * What a careless handler might do with a decoded payload: a recursive merge that follows every
 * key, including `__proto__` and `constructor.prototype`. If a poisoning key survived decoding,
 * this pollutes Object.prototype.
 */
function naiveMerge(target: Record<string, unknown>, source: unknown): void {
  if (typeof source !== "object" || source === null) return;
  for (const key in source) {
    const value = (source as Record<string, unknown>)[key];
    if (typeof value === "object" && value !== null) {
      const current = target[key];
      if ((typeof current !== "object" && typeof current !== "function") || current === null)
        target[key] = {};
      naiveMerge(target[key] as Record<string, unknown>, value);
    } else {
      target[key] = value;
    }
  }
}

const prototypeNames = () => ({
  object: Object.getOwnPropertyNames(Object.prototype).sort(),
  array: Object.getOwnPropertyNames(Array.prototype).sort(),
});
const cleanPrototypes = prototypeNames();

afterEach(() => {
  // Should a test fail by polluting, leave the other tests a clean world.
  for (const name of ["isAdmin", "x", "polluted"]) Reflect.deleteProperty(Object.prototype, name);
});

describe("round trips", () => {
  test("undefined is an empty payload and back", () => {
    expect(codec.encode(undefined)).toBe("");
    expect(codec.decode(Buffer.alloc(0))).toBeUndefined();
  });

  test("scalars, unicode and nested values", () => {
    for (const value of [
      null,
      0,
      -1.5,
      true,
      "",
      "世界 🎉",
      [1, [2, [3]]],
      { a: { b: [null, "x"] } },
    ]) {
      expect(codec.decode(Buffer.from(codec.encode(value)))).toEqual(value);
    }
  });

  propTest.prop([fc.jsonValue({ maxDepth: 8 })], { numRuns: 300 })(
    "any JSON value survives encode/decode",
    (value) => {
      const text = codec.encode(value) as string;
      fc.pre(!text.includes("__proto__") && !text.includes("constructor"));
      expect(codec.decode(Buffer.from(text))).toEqual(JSON.parse(text));
    },
  );

  test("values JSON cannot carry are refused with a code", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const value of [10n, circular, () => 1, Symbol("s")]) {
      expect(codeOf(() => codec.encode(value))).toBe(ErrorCode.PAYLOAD_INVALID);
    }
  });

  test("invalid JSON is PAYLOAD_INVALID with the parser error as cause", () => {
    for (const text of ["{", "{'a':1}", "nul", "[1,]", "1 2", "\uFEFF{}"]) {
      expect(codeOf(() => decodeText(text))).toBe(ErrorCode.PAYLOAD_INVALID);
    }
    try {
      decodeText("{");
    } catch (error) {
      expect((error as Error).cause).toBeInstanceOf(SyntaxError);
    }
  });
});

describe("depth limit", () => {
  const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

  test("default is 64: 64 levels pass, 65 fail", () => {
    expect(DEFAULT_MAX_DEPTH).toBe(64);
    expect(codeOf(() => decodeText(nested(64)))).toBeUndefined();
    expect(codeOf(() => decodeText(nested(65)))).toBe(ErrorCode.PAYLOAD_TOO_DEEP);
    expect(codeOf(() => decodeText(`${'{"a":'.repeat(65)}1${"}".repeat(65)}`))).toBe(
      ErrorCode.PAYLOAD_TOO_DEEP,
    );
  });

  test("a custom limit counts objects and arrays alike", () => {
    const shallow = jsonCodec({ maxDepth: 2 });
    expect(decodeText('{"a":[1]}', shallow)).toEqual({ a: [1] });
    expect(codeOf(() => decodeText('{"a":[{}]}', shallow))).toBe(ErrorCode.PAYLOAD_TOO_DEEP);
  });

  test("brackets inside strings, escaped quotes included, do not count", () => {
    const shallow = jsonCodec({ maxDepth: 1 });
    const text = JSON.stringify({ s: `[[[{{{ \\" \\\\" [[[ "` });
    expect(decodeText(text, shallow)).toEqual(JSON.parse(text));
  });

  test("500,000 open brackets in a 1 MiB frame are refused quickly, without recursion", () => {
    for (const open of ["[", '{"a":']) {
      const text = open.repeat(Math.floor((1024 * 1024) / open.length));
      const started = performance.now();
      expect(codeOf(() => decodeText(text))).toBe(ErrorCode.PAYLOAD_TOO_DEEP);
      // Generous bound (the scan stops at depth 65); a recursive parser would take far longer or overflow.
      expect(performance.now() - started).toBeLessThan(250);
    }
  });

  test("maxDepth is validated", () => {
    for (const maxDepth of [0, -1, 1.5, 10_001]) {
      expect(codeOf(() => jsonCodec({ maxDepth }))).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });
});

describe("strict UTF-8", () => {
  const withBytes = (inner: number[]) => Buffer.from([0x22, ...inner, 0x22]); // "..."

  test("invalid sequences are refused, never replaced", () => {
    const bad = [
      [0xff],
      [0xc0, 0xaf], // overlong "/"
      [0xed, 0xa0, 0x80], // UTF-16 surrogate
      [0xe4, 0xb8], // truncated 3-byte sequence
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0x80], // lone continuation byte
    ];
    for (const bytes of bad)
      expect(codeOf(() => codec.decode(withBytes(bytes)))).toBe(ErrorCode.PAYLOAD_INVALID);
  });

  test("valid multi-byte text, including a real U+FFFD, passes", () => {
    expect(codec.decode(withBytes([0xe4, 0xb8, 0x96, 0xe7, 0x95, 0x8c]))).toBe("世界");
    expect(codec.decode(withBytes([0xef, 0xbf, 0xbd]))).toBe("\uFFFD");
    expect(codec.decode(withBytes([0xf0, 0x9f, 0x8e, 0x89]))).toBe("🎉");
  });
});

describe("prototype poisoning", () => {
  test("__proto__ keys are removed at any depth, including escaped spellings", () => {
    const texts = [
      '{"__proto__":{"isAdmin":true},"a":1}',
      '{"a":{"b":[{"__proto__":{"isAdmin":true}}]}}',
      '{"\\u005f\\u005fproto\\u005f\\u005f":{"isAdmin":true}}',
    ];
    for (const text of texts) {
      const value = decodeText(text);
      const target: Record<string, unknown> = {};
      naiveMerge(target, value);
      expect(JSON.stringify(value)).not.toContain("__proto__");
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    }
    expect(Object.getPrototypeOf(decodeText('{"__proto__":{"x":1}}'))).toBe(Object.prototype);
  });

  test("constructor.prototype is removed; a plain constructor value stays", () => {
    const value = decodeText(
      '{"constructor":{"prototype":{"isAdmin":true}},"b":{"constructor":"text"}}',
    );
    expect(value).toEqual({ b: { constructor: "text" } });
    naiveMerge({}, value);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  test("text that merely mentions the keys is left alone", () => {
    expect(decodeText('{"note":"__proto__ and constructor"}')).toEqual({
      note: "__proto__ and constructor",
    });
  });

  test("a key among more than a million other objects is still removed", () => {
    // The walk is depth-first from the end, so the first element is visited last.
    const text = `[{"__proto__":{"polluted":true}}${",{}".repeat(1_100_000)}]`;
    const value = decodeText(text, jsonCodec({ maxDepth: 4 })) as unknown[];
    naiveMerge({}, value[0]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  /** Puts own `__proto__` / `constructor` keys into random objects of a JSON value. */
  const poisoned = fc
    .tuple(
      fc.json({ maxDepth: 4 }),
      fc.array(fc.tuple(fc.nat(), fc.boolean()), { minLength: 1, maxLength: 4 }),
    )
    .map(([text, injections]) => {
      const root: unknown = { wrap: JSON.parse(text) };
      const objects: Record<string, unknown>[] = [];
      const stack = [root];
      while (stack.length > 0) {
        const node = stack.pop();
        if (typeof node !== "object" || node === null) continue;
        if (!Array.isArray(node)) objects.push(node as Record<string, unknown>);
        stack.push(...Object.values(node));
      }
      for (const [at, proto] of injections) {
        const target = objects[at % objects.length] as Record<string, unknown>;
        const key = proto ? "__proto__" : "constructor";
        const value = proto ? { isAdmin: true } : { prototype: { isAdmin: true } };
        Object.defineProperty(target, key, {
          value,
          enumerable: true,
          configurable: true,
          writable: true,
        });
      }
      return JSON.stringify(root);
    });

  propTest.prop([poisoned], { numRuns: 300 })(
    "no injected key survives to pollute a merge",
    (text) => {
      const value = decodeText(text);
      naiveMerge({}, value);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      expect(JSON.stringify(value)).not.toMatch(/"__proto__":|"constructor":\{"prototype"/);
    },
  );

  test("prototypes are untouched after all of the above", () => {
    expect(prototypeNames()).toEqual(cleanPrototypes);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});
