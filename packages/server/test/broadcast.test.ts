import { ErrorCode, jsonCodec, WireCode } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { until } from "./helpers/wait.js";

describe("#broadcast", () => {
  test("reaches every open connection, encodes once, and returns the recipient count", async () => {
    const base = jsonCodec();
    let encodes = 0;
    const codec = {
      name: "json",
      decode: base.decode,
      encode: (value: unknown) => {
        encodes++;
        return base.encode(value);
      },
    };
    const run = await startServer(testContract, { codec });
    const clients = await Promise.all(Array.from({ length: 5 }, () => run.client()));
    await until(() => run.server.connections.size === 5, "connections");
    encodes = 0;
    expect(run.server.broadcast("notice", { text: "all" })).toBe(5);
    expect(encodes).toBe(1);
    await until(() => clients.every((c) => c.events.length === 1), "delivery");
    expect(clients.map((c) => c.events[0])).toEqual(
      Array(5).fill({ name: "notice", data: { text: "all" } }),
    );
  });

  test("filter and except choose the recipients", async () => {
    const run = await startServer(testContract);
    const [a, b, c] = await Promise.all([run.client(), run.client(), run.client()]);
    await until(() => run.opened.length === 3, "connections");
    const [ca, cb] = run.opened;
    const count = run.server.broadcast(
      "notice",
      { text: "x" },
      { filter: (conn) => conn !== cb, except: ca },
    );
    expect(count).toBe(1);
    await until(() => (c?.events.length ?? 0) === 1, "delivery to c");
    expect(a?.events).toEqual([]);
    expect(b?.events).toEqual([]);
  });

  test("invalid data throws ERR_VALIDATION_FAILED synchronously and nothing is sent", async () => {
    const run = await startServer(testContract);
    const client = await run.client();
    expect(() => run.server.broadcast("notice", { text: 5 } as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }),
    );
    expect(() => run.server.broadcast("nope" as "notice", { text: "" })).toThrow(
      expect.objectContaining({ code: ErrorCode.UNKNOWN_MESSAGE_TYPE }),
    );
    run.server.broadcast("notice", { text: "after" });
    await until(() => client.events.length === 1, "delivery");
    expect(client.events[0]?.data).toEqual({ text: "after" });
  });

  test("a client whose receive limit is too small is skipped and reported; others receive", async () => {
    const run = await startServer(testContract);
    const small = await run.client({ hello: { maxFrameBytes: 4096 } });
    const large = await run.client();
    await until(() => run.opened.length === 2, "connections");
    expect(run.server.broadcast("blob", { data: "y".repeat(8000) })).toBe(1);
    await until(() => large.events.length === 1, "large delivery");
    expect(small.events).toEqual([]);
    expect(run.errors.map((e) => [e.error.code, e.conn])).toEqual([
      [ErrorCode.PEER_FRAME_LIMIT, run.opened[0]],
    ]);
    expect(run.opened[0]?.state).toBe("open");
  });

  test("a slow consumer is closed at the hard cap and not counted; other clients keep receiving", async () => {
    const run = await startServer(testContract, {
      sendSoftBytes: 16 * 1024,
      sendHardBytes: 256 * 1024,
    });
    const stalled = await run.rawOpen({ maxFrameBytes: 1024 * 1024 });
    stalled.pause();
    const healthy = await run.client();
    await until(() => run.opened.length === 2, "connections");
    const chunk = "z".repeat(64 * 1024);
    let counts: number[] = [];
    for (let i = 0; i < 400 && run.disconnects.length === 0; i++) {
      counts.push(run.server.broadcast("blob", { data: chunk }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(run.disconnects.map((d) => d.info.code)).toEqual([WireCode.SLOW_CONSUMER]);
    expect(run.disconnects[0]?.conn).toBe(run.opened[0]);
    expect(counts.at(-1)).toBe(1);
    counts = [];
    expect(run.server.broadcast("notice", { text: "still fine" })).toBe(1);
    await until(() => healthy.events.some((e) => e.name === "notice"), "healthy delivery");
    expect(run.server.stats().closesByReason.SLOW_CONSUMER).toBe(1);
  });
});

describe("rooms", () => {
  test("join, leave and to(room).emit; rooms are left on disconnect and vanish when empty", async () => {
    const run = await startServer(testContract);
    const [a, b, c] = await Promise.all([run.client(), run.client(), run.client()]);
    await until(() => run.opened.length === 3, "connections");
    const [ca, cb, cc] = run.opened;
    if (!ca || !cb || !cc) throw new Error("missing connections");
    ca.join("red");
    cb.join("red");
    cb.join("blue");
    cc.join("blue");
    expect([...cb.rooms].sort()).toEqual(["blue", "red"]);
    expect(run.server.to("red").size).toBe(2);
    expect(run.server.to("red").emit("notice", { text: "to red" })).toBe(2);
    expect(run.server.to("blue").emit("notice", { text: "to blue" }, { except: cc })).toBe(1);
    expect(run.server.to("green").emit("notice", { text: "nobody" })).toBe(0);
    await until(
      () => (a?.events.length ?? 0) === 1 && (b?.events.length ?? 0) === 2,
      "room delivery",
    );
    expect(a?.events.map((e) => e.data)).toEqual([{ text: "to red" }]);
    expect(b?.events.map((e) => e.data)).toEqual([{ text: "to red" }, { text: "to blue" }]);
    expect(c?.events).toEqual([]);

    cb.leave("red");
    expect(run.server.to("red").size).toBe(1);
    expect(run.server.stats().rooms).toBe(2);
    await b?.close();
    await until(() => run.disconnects.length === 1, "disconnect");
    expect(cb.rooms.size).toBe(0);
    expect(run.server.to("blue").size).toBe(1);
    ca.leave("red");
    expect(run.server.stats().rooms).toBe(1);
    cb.join("red");
    expect(run.server.to("red").size).toBe(0);
  });

  test("room names are checked", async () => {
    const run = await startServer(testContract);
    await run.client();
    await until(() => run.opened.length === 1, "connection");
    const conn = run.opened[0];
    expect(() => conn?.join("")).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
    expect(() => conn?.join("r".repeat(257))).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
    expect(() => conn?.join(7 as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });
});
