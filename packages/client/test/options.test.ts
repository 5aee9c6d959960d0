import { ErrorCode, jsonCodec } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { resolveOptions } from "../src/options.js";
import { authContract, testContract } from "./support/contract.js";

const invalid = expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT });

describe("resolveOptions", () => {
  test("documented defaults", () => {
    const o = resolveOptions(testContract, { port: 7000 });
    expect(o).toMatchObject({
      host: "127.0.0.1",
      port: 7000,
      tls: undefined,
      connectTimeoutMs: 10_000,
      reconnect: {
        initialDelayMs: 1000,
        factor: 1.6,
        maxDelayMs: 30_000,
        jitter: 0.2,
        maxAttempts: Number.POSITIVE_INFINITY,
      },
      offlineQueue: { maxBytes: 8 * 1024 * 1024, maxMessages: 10_000 },
      requestTimeoutMs: 30_000,
      heartbeatIntervalMs: 25_000,
      heartbeatTimeoutMs: 20_000,
      maxFrameBytes: 1024 * 1024,
      sendSoftBytes: 1024 * 1024,
      sendHardBytes: 8 * 1024 * 1024,
      writeDeadlineMs: 10_000,
      maxInFlight: 1000,
      closeTimeoutMs: 30_000,
      frameTimeoutMs: 30_000,
      validateOutbound: true,
    });
    expect(o.codec.name).toBe("json");
  });

  test("partial reconnect and queue options keep the other defaults; false turns reconnect off; tls: true means system CAs", () => {
    const o = resolveOptions(testContract, {
      port: 1,
      reconnect: { maxAttempts: 5 },
      offlineQueue: { maxBytes: 32 },
      tls: true,
    });
    expect(o.reconnect).toMatchObject({ initialDelayMs: 1000, maxAttempts: 5 });
    expect(o.offlineQueue).toEqual({ maxBytes: 32, maxMessages: 10_000 });
    expect(o.tls).toEqual({});
    expect(resolveOptions(testContract, { port: 1, reconnect: false }).reconnect).toBe(false);
  });

  test("an explicit undefined means the default, at every level", () => {
    const { codec, ...given } = resolveOptions(testContract, {
      port: 7000,
      host: undefined,
      tls: undefined,
      requestTimeoutMs: undefined,
      reconnect: { initialDelayMs: undefined, maxAttempts: undefined },
      offlineQueue: { maxBytes: undefined, maxMessages: undefined },
      codec: undefined,
    });
    const { codec: defaultCodec, ...defaults } = resolveOptions(testContract, { port: 7000 });
    expect(given).toEqual(defaults);
    expect(codec).toMatchObject({ name: defaultCodec.name, maxDepth: 64 });
  });

  test("a custom codec is kept; maxDepth shapes the default one", () => {
    const codec = jsonCodec({ maxDepth: 3 });
    expect(resolveOptions(testContract, { port: 1, codec }).codec).toBe(codec);
    expect(() =>
      resolveOptions(testContract, { port: 1, maxDepth: 2 }).codec.decode(Buffer.from("[[[1]]]")),
    ).toThrow(expect.objectContaining({ code: ErrorCode.PAYLOAD_TOO_DEEP }));
  });

  test.each([
    ["a missing port", {}],
    ["port 0", { port: 0 }],
    ["port 70000", { port: 70_000 }],
    ["a negative timeout", { port: 1, requestTimeoutMs: -1 }],
    ["a fractional timeout", { port: 1, connectTimeoutMs: 1.5 }],
    ["a zero connect timeout", { port: 1, connectTimeoutMs: 0 }],
    ["a timer beyond setTimeout's range", { port: 1, closeTimeoutMs: 2 ** 31 }],
    ["jitter above 1", { port: 1, reconnect: { jitter: 2 } }],
    ["a factor below 1", { port: 1, reconnect: { factor: 0.5 } }],
    [
      "an initial delay above the cap",
      { port: 1, reconnect: { initialDelayMs: 5000, maxDelayMs: 1000 } },
    ],
    ["soft above hard", { port: 1, sendSoftBytes: 10, sendHardBytes: 5 }],
    ["a frame limit above 64 MiB", { port: 1, maxFrameBytes: 65 * 1024 * 1024 }],
    ["a frame limit below 1 KiB", { port: 1, maxFrameBytes: 100 }],
    ["an unknown option (a typo)", { port: 1, timeout: 5 }],
    ["a codec without decode", { port: 1, codec: { name: "x", encode: () => "" } }],
    ["a signal that is not an AbortSignal", { port: 1, signal: {} }],
  ])("%s is refused with ERR_INVALID_ARGUMENT", (_what, options) => {
    expect(() => resolveOptions(testContract, options as never)).toThrow(invalid);
  });

  test("the error lists the offending paths", () => {
    try {
      resolveOptions(testContract, { port: 1, reconnect: { jitter: 5 }, requestTimeoutMs: -1 });
      expect.unreachable();
    } catch (error) {
      const issues = (error as { details: { issues: { path: string }[] } }).details.issues.map(
        (i) => i.path,
      );
      expect(issues).toEqual(expect.arrayContaining(["reconnect.jitter", "requestTimeoutMs"]));
    }
  });

  test("credentials need a credentials schema in the contract", () => {
    expect(() =>
      resolveOptions(testContract, { port: 1, credentials: { token: "x" } } as never),
    ).toThrow(invalid);
    expect(
      resolveOptions(authContract, { port: 1, credentials: { token: "x" } }).credentials,
    ).toEqual({ token: "x" });
  });
});
