import { describe, expect, test } from "vitest";
import { decodeAscii, encodeAscii, formatEndpoint, printable } from "../src/index.js";

describe("ASCII like .NET's Encoding.ASCII", () => {
  test("7-bit text round-trips byte for byte", () => {
    const text = "Client send Message on 2017/4/19 23:15:24";
    const bytes = encodeAscii(text);
    expect(bytes.length).toBe(text.length);
    expect(decodeAscii(bytes)).toBe(text);
  });

  test("every non-ASCII code point becomes one '?'", () => {
    // 你 is one UTF-16 unit; 😀 is a surrogate pair, still one code point and one '?'.
    expect([...encodeAscii("a你😀é")]).toEqual([0x61, 0x3f, 0x3f, 0x3f]);
  });

  test("every byte at or above 0x80 decodes as '?'", () => {
    expect(decodeAscii(Buffer.from([0x41, 0x80, 0xe4, 0xbd, 0xa0, 0x7f]))).toBe("A????\x7f");
  });
});

describe("formatEndpoint", () => {
  test("IPv4 as address:port", () => {
    expect(formatEndpoint("127.0.0.1", 63939)).toBe("127.0.0.1:63939");
  });

  test("IPv6 in brackets, as the socket reports it", () => {
    expect(formatEndpoint("::1", 18888)).toBe("[::1]:18888");
    expect(formatEndpoint("::ffff:127.0.0.1", 5)).toBe("[::ffff:127.0.0.1]:5");
  });

  test("an unknown address (socket already gone) is visible, not blank", () => {
    expect(formatEndpoint(undefined, undefined)).toBe("?:?");
  });
});

describe("printable", () => {
  test("leaves the article's text and Chinese alone", () => {
    const line = "Client send Message on 2017/4/19 23:15:24 你好";
    expect(printable(line)).toBe(line);
  });

  test("escapes what would forge a line or drive the terminal", () => {
    expect(printable("a\nb\rc\td")).toBe("a\\nb\\rc\\td");
    expect(printable("\u001b[2J\u0000\u007f\u009b")).toBe("\\u001b[2J\\u0000\\u007f\\u009b");
  });
});
