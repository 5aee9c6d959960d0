import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  ALL_ERROR_CODES,
  ALL_WIRE_CODES,
  APP_CODE_PATTERN,
  AppError,
  ErrorCode,
  isAppError,
  isRegistryWireCode,
  isSockwireError,
  SockwireError,
  WireCode,
} from "../src/index.js";

type ErrorsModule = typeof import("../src/errors/sockwire-error.js");

describe("SockwireError", () => {
  test("carries code, message, cause, remote code and details", () => {
    const cause = new Error("socket hang up");
    const error = new SockwireError(ErrorCode.REMOTE_ERROR, "join failed", {
      cause,
      remoteCode: "ROOM_FULL",
      details: { limit: 50 },
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("SockwireError");
    expect(error.code).toBe("ERR_REMOTE");
    expect(error.cause).toBe(cause);
    expect(error.remoteCode).toBe("ROOM_FULL");
    expect(error.details).toEqual({ limit: 50 });
    expect(error.stack).toContain("errors.test.ts");
    expect(new SockwireError(ErrorCode.NOT_CONNECTED, "x")).not.toHaveProperty("cause");
  });

  test("isSockwireError accepts instances and rejects look-alikes", () => {
    expect(isSockwireError(new SockwireError(ErrorCode.SOCKET_ERROR, "x"))).toBe(true);
    const lookAlike = Object.assign(new Error("x"), { code: "ERR_SOCKET", name: "SockwireError" });
    for (const value of [lookAlike, { code: "ERR_SOCKET" }, null, undefined, "ERR_SOCKET", 42]) {
      expect(isSockwireError(value)).toBe(false);
    }
  });

  test("isSockwireError recognises an error from a duplicate copy of the package", async () => {
    // A second instance of the module, as when two versions are installed side by side.
    const copyPath = "../src/errors/sockwire-error.ts?duplicate-copy";
    const copy = (await import(/* @vite-ignore */ copyPath)) as ErrorsModule;
    expect(copy.SockwireError).not.toBe(SockwireError);
    const foreign = new copy.SockwireError(ErrorCode.REQUEST_TIMEOUT, "timed out");
    expect(foreign instanceof SockwireError).toBe(false);
    expect(isSockwireError(foreign)).toBe(true);
    expect(copy.isSockwireError(new SockwireError(ErrorCode.REQUEST_TIMEOUT, "x"))).toBe(true);
    // The mark is the registered symbol, so any object carrying it is recognised.
    const marked = Object.defineProperty(new Error("x"), Symbol.for("sockwire.error"), {
      value: true,
    });
    expect(isSockwireError(marked)).toBe(true);
  });
});

describe("AppError", () => {
  test("takes an application code, refuses registry codes and bad shapes", () => {
    const error = new AppError("ROOM_FULL", "room is full", { limit: 50 });
    expect(error).toMatchObject({ code: "ROOM_FULL", details: { limit: 50 }, name: "AppError" });
    expect(isAppError(error)).toBe(true);
    expect(
      isAppError(Object.defineProperty({}, Symbol.for("sockwire.app-error"), { value: true })),
    ).toBe(true);
    expect(isAppError(new Error("x"))).toBe(false);
    for (const code of ["INTERNAL", "room_full", "1ABC", "", "A".repeat(65)]) {
      expect(() => new AppError(code, "x")).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
    }
  });
});

describe("code registries", () => {
  test("local codes are unique ERR_ strings", () => {
    expect(new Set(ALL_ERROR_CODES).size).toBe(ALL_ERROR_CODES.length);
    for (const code of ALL_ERROR_CODES) expect(code).toMatch(/^ERR_[A-Z0-9_]+$/);
    expect(ALL_ERROR_CODES).toEqual(Object.values(ErrorCode));
  });

  test("wire codes are unique, upper snake case, and reserved", () => {
    expect(new Set(ALL_WIRE_CODES).size).toBe(ALL_WIRE_CODES.length);
    for (const code of ALL_WIRE_CODES) {
      expect(code).toMatch(APP_CODE_PATTERN);
      expect(isRegistryWireCode(code)).toBe(true);
    }
    expect(isRegistryWireCode("ROOM_FULL")).toBe(false);
    expect(WireCode.NORMAL).toBe("NORMAL");
  });
});

describe("documentation", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  /** First-column codes of every table row in the README's Errors section. */
  const documented = (() => {
    const start = readme.indexOf("\n## Errors");
    expect(start).toBeGreaterThan(0);
    const next = readme.indexOf("\n## ", start + 1);
    const section = readme.slice(start, next < 0 ? undefined : next);
    const codes = new Set<string>();
    for (const line of section.split("\n")) {
      const match = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*\S/.exec(line);
      if (match?.[1]) codes.add(match[1]);
    }
    return codes;
  })();

  test("every local ErrorCode has a row with a meaning in the README errors table", () => {
    expect(ALL_ERROR_CODES.filter((code) => !documented.has(code))).toEqual([]);
  });

  test("every WireCode has a row with a meaning in the README errors table", () => {
    expect(ALL_WIRE_CODES.filter((code) => !documented.has(code))).toEqual([]);
  });

  test("the table lists no code that does not exist", () => {
    const known = new Set<string>([...ALL_ERROR_CODES, ...ALL_WIRE_CODES]);
    expect([...documented].filter((code) => !known.has(code))).toEqual([]);
  });
});
