import { describe, expect, test } from "vitest";
import {
  formatOptions,
  parseCommandLine,
  parseHost,
  parseInteger,
  parseLang,
  parsePort,
  parseWire,
  UsageError,
} from "../src/index.js";

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).code).toBe("ERR_USAGE");
    return err as UsageError;
  }
  throw new Error("expected a UsageError");
}

describe("parseCommandLine", () => {
  const spec = { port: { type: "string" }, help: { type: "boolean", short: "h" } } as const;

  test("returns the declared options", () => {
    expect(parseCommandLine(["--port", "1", "-h"], spec)).toEqual({ port: "1", help: true });
    expect(parseCommandLine(["--port=2"], spec)).toEqual({ port: "2" });
  });

  test("skips the leading -- that pnpm passes through", () => {
    expect(parseCommandLine(["--", "--port", "3"], spec)).toEqual({ port: "3" });
    usageError(() => parseCommandLine(["--port", "3", "--", "x"], spec));
  });

  test.each([
    ["unknown option", ["--nope"]],
    ["missing value", ["--port"]],
    ["positional argument", ["extra"]],
  ])("%s is a usage error", (_name, argv) => {
    usageError(() => parseCommandLine(argv, spec));
  });
});

describe("parsePort", () => {
  test("defaults, bounds and port 0", () => {
    expect(parsePort(undefined, 18888, { allowZero: false })).toBe(18888);
    expect(parsePort("1", 18888, { allowZero: false })).toBe(1);
    expect(parsePort("65535", 18888, { allowZero: false })).toBe(65535);
    expect(parsePort("0", 18888, { allowZero: true })).toBe(0);
  });

  test.each(["0", "65536", "-1", "+80", "1.5", "1e3", "0x50", "", " 80", "eighty"])(
    "rejects %j",
    (value) => {
      usageError(() => parsePort(value, 18888, { allowZero: false }));
    },
  );
});

describe("parseInteger", () => {
  test("accepts values within the range", () => {
    expect(parseInteger("--count", "0", 10, 0, 5)).toBe(0);
    expect(parseInteger("--count", "5", 10, 0, 5)).toBe(5);
    expect(parseInteger("--count", undefined, 10, 0, 5)).toBe(10);
  });

  test("names the option and the range", () => {
    const err = usageError(() => parseInteger("--interval", "6", 1, 0, 5));
    expect(err.message).toContain("--interval");
  });

  test("rejects numbers beyond the safe integer range", () => {
    usageError(() => parseInteger("--count", "9999999999999999", 1, 0, Number.MAX_SAFE_INTEGER));
  });
});

describe("choices and host", () => {
  test("lang and wire", () => {
    expect(parseLang(undefined)).toBe("zh");
    expect(parseLang("en")).toBe("en");
    expect(parseWire(undefined)).toBe("framed");
    expect(parseWire("raw")).toBe("raw");
    usageError(() => parseLang("fr"));
    usageError(() => parseWire("RAW"));
  });

  test("host", () => {
    expect(parseHost(undefined, "127.0.0.1")).toBe("127.0.0.1");
    expect(parseHost("::1", "127.0.0.1")).toBe("::1");
    usageError(() => parseHost("", "x"));
    usageError(() => parseHost("a b", "x"));
    usageError(() => parseHost("a".repeat(256), "x"));
  });
});

describe("formatOptions", () => {
  test("options, descriptions and defaults each start in one column, sized by the widest", () => {
    const table = formatOptions([
      { usage: "--count <n>", text: "messages to send, 0-1000000", default: 10 },
      { usage: "--wire framed|raw", text: ["framed: frames;", "raw: bytes"], default: "framed" },
      { usage: "-h, --help", text: "show this help" },
    ]);
    expect(table).toBe(
      [
        "  --count <n>         messages to send, 0-1000000  (default 10)",
        "  --wire framed|raw   framed: frames;              (default framed)",
        "                      raw: bytes",
        "  -h, --help          show this help",
        "",
      ].join("\n"),
    );
  });
});
