import { describe, expect, test } from "vitest";
import { count, duration } from "../src/args/parse.js";
import { showTarget, target } from "../src/args/target.js";
import { ExitCode } from "../src/index.js";

const usage = expect.objectContaining({ exitCode: ExitCode.USAGE });

describe("target", () => {
  test.each([
    ["127.0.0.1:7000", "127.0.0.1", 7000],
    ["chat.internal:443", "chat.internal", 443],
    ["[::1]:7000", "::1", 7000],
    ["7000", "127.0.0.1", 7000],
    [":7000", "127.0.0.1", 7000],
  ])("%s", (text, host, port) => {
    expect(target(text)).toEqual({ host, port });
  });

  test.each([undefined, "host", "host:", "host:0", "host:65536", "abc12", "::1:7000", "a b:1"])(
    "refuses %s",
    (text) => {
      expect(() => target(text)).toThrow(usage);
    },
  );

  test("IPv6 addresses are shown in brackets", () => {
    expect(showTarget({ host: "::1", port: 1 })).toBe("[::1]:1");
    expect(showTarget({ host: "a", port: 1 })).toBe("a:1");
  });
});

describe("duration and count", () => {
  test.each([
    ["250", 250],
    ["250ms", 250],
    ["5s", 5000],
    ["1.5s", 1500],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["0", 0],
  ])("%s is %d ms", (text, ms) => {
    expect(duration(text, "--timeout")).toBe(ms);
  });

  test.each(["soon", "-1s", "5d", "", "1e3"])("refuses the duration %s", (text) => {
    expect(() => duration(text, "--timeout")).toThrow(usage);
  });

  test("counts are whole numbers within bounds", () => {
    expect(count("10", "--count")).toBe(10);
    for (const text of ["0", "1.5", "-3", "x", "99999999999999999"]) {
      expect(() => count(text, "--count")).toThrow(usage);
    }
    expect(() => count("10001", "--concurrency", 1, 10_000)).toThrow(usage);
  });
});
