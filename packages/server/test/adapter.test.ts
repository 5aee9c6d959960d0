import { ErrorCode, jsonCodec } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { createServer } from "../src/index.js";
import { testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { MemoryAdapter, MemoryBus } from "./helpers/memory-adapter.js";
import { sleep, until } from "./helpers/wait.js";

/** A JSON codec that counts its encodes. */
function countingCodec() {
  const base = jsonCodec();
  const codec = {
    name: "json",
    encodes: 0,
    decode: base.decode,
    encode: (value: unknown) => {
      codec.encodes++;
      return base.encode(value);
    },
  };
  return codec;
}

/** Two servers joined by an in-memory bus, each with one connection per client asked for. */
async function pair(clientsEach = 1) {
  const bus = new MemoryBus();
  const a = new MemoryAdapter("alpha", bus);
  const b = new MemoryAdapter("beta", bus);
  const codecA = countingCodec();
  const codecB = countingCodec();
  const ra = await startServer(testContract, { adapter: a, codec: codecA });
  const rb = await startServer(testContract, { adapter: b, codec: codecB });
  const ca = await Promise.all(Array.from({ length: clientsEach }, () => ra.client()));
  const cb = await Promise.all(Array.from({ length: clientsEach }, () => rb.client()));
  await until(() => ra.opened.length === clientsEach && rb.opened.length === clientsEach, "open");
  return { a, b, ra, rb, ca, cb, codecA, codecB };
}

describe("adapter hook", () => {
  test("connection ids carry the instance id; start runs after listen()", async () => {
    const adapter = new MemoryAdapter("node-1");
    const server = createServer(testContract, { adapter });
    expect(adapter.calls).toEqual([]);
    const run = await startServer(testContract, { adapter: new MemoryAdapter("node-2") });
    await run.client();
    await until(() => run.opened.length === 1, "open");
    expect(run.opened[0]?.id).toMatch(/^node-2\.[0-9a-z]+$/);
    await server.close();
    expect(adapter.calls).toEqual(["close"]);
  });

  test("a malformed adapter, a bad instance id and a second attach are refused", () => {
    const bad = (adapter: unknown) => () =>
      createServer(testContract, { adapter: adapter as never });
    const invalid = expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT });
    expect(bad({ instanceId: "x" })).toThrow(invalid);
    expect(bad(new MemoryAdapter("has.dot"))).toThrow(invalid);
    expect(bad(new MemoryAdapter(""))).toThrow(invalid);
    const once = new MemoryAdapter("once");
    createServer(testContract, { adapter: once });
    expect(() => createServer(testContract, { adapter: once })).toThrow(invalid);
  });

  test("broadcast: local delivery, one encode, the same frame published; the other instance delivers it", async () => {
    const { a, ra, ca, cb, codecA, codecB } = await pair(2);
    codecA.encodes = 0;
    codecB.encodes = 0;
    expect(ra.server.broadcast("notice", { text: "hi" })).toBe(2);
    expect(a.published).toHaveLength(1);
    expect(a.published[0]?.target).toEqual({ kind: "all", except: undefined });
    await until(() => [...ca, ...cb].every((c) => c.events.length === 1), "delivery");
    for (const c of [...ca, ...cb])
      expect(c.events[0]).toEqual({ name: "notice", data: { text: "hi" } });
    expect(codecA.encodes).toBe(1);
    expect(codecB.encodes).toBe(0);
  });

  test("except names the sender's connection id, and the receiver honours an except of its own", async () => {
    const { a, b, ra, rb, ca, cb } = await pair(2);
    const sender = ra.opened[0];
    ra.server.broadcast("notice", { text: "x" }, { except: sender });
    expect(a.published[0]?.target).toEqual({ kind: "all", except: sender?.id });
    await until(() => cb.every((c) => c.events.length === 1) && ca[1]?.events.length === 1, "x");
    expect(ca[0]?.events).toEqual([]);
    // A target whose except is a connection of the receiving instance.
    const skipped = rb.opened[1];
    const frame = a.published[0]?.frame as Buffer;
    expect(b.host?.deliver(frame, { kind: "all", except: skipped?.id })).toBe(1);
    await until(() => cb[0]?.events.length === 2, "second delivery");
    await sleep(20);
    expect(cb[1]?.events).toHaveLength(1);
  });

  test("rooms: members on every instance receive; membership changes reach the adapter once", async () => {
    const { a, b, ra, rb, ca, cb } = await pair(2);
    const [a0, a1] = ra.opened;
    const [b0] = rb.opened;
    a0?.join("red");
    a0?.join("red");
    b0?.join("red");
    a1?.join("blue");
    a1?.leave("blue");
    a1?.leave("blue");
    expect(a.calls.filter((c) => !c.startsWith("open") && c !== "start")).toEqual([
      `join ${a0?.id} red`,
      `join ${a1?.id} blue`,
      `leave ${a1?.id} blue`,
    ]);
    expect(a.host?.roomMembers("red")).toEqual([a0?.id]);
    expect(a.host?.roomNames()).toEqual(["red"]);
    expect([...(a.host?.connections() ?? [])].map((c) => c.id)).toEqual([a0?.id, a1?.id]);
    expect(ra.server.to("red").emit("notice", { text: "red" })).toBe(1);
    expect(a.published[0]?.target).toEqual({ kind: "room", room: "red", except: undefined });
    await until(() => ca[0]?.events.length === 1 && cb[0]?.events.length === 1, "room delivery");
    await sleep(20);
    expect(ca[1]?.events).toEqual([]);
    expect(cb[1]?.events).toEqual([]);
    expect(b.calls).toContain(`join ${b0?.id} red`);
  });

  test("a closing connection leaves its rooms, then is reported closed", async () => {
    const { a, ra, ca } = await pair(1);
    const conn = ra.opened[0];
    conn?.join("red");
    conn?.join("blue");
    await ca[0]?.close();
    await until(() => ra.disconnects.length === 1, "disconnect");
    expect(a.calls.slice(-3)).toEqual([
      `leave ${conn?.id} red`,
      `leave ${conn?.id} blue`,
      `closed ${conn?.id}`,
    ]);
  });

  test("emitTo: a local id, an id of another instance, unknown and malformed ids", async () => {
    const { a, ra, rb, ca, cb } = await pair(1);
    const local = ra.opened[0]?.id as string;
    const remote = rb.opened[0]?.id as string;
    expect(ra.server.emitTo(local, "notice", { text: "mine" })).toBe(true);
    expect(a.published).toEqual([]);
    expect(ra.server.emitTo(remote, "notice", { text: "yours" })).toBe(true);
    expect(a.published[0]?.target).toEqual({ kind: "connection", id: remote });
    await until(() => ca[0]?.events.length === 1 && cb[0]?.events.length === 1, "delivery");
    expect(cb[0]?.events[0]?.data).toEqual({ text: "yours" });
    expect(ra.server.emitTo("alpha.zzzz", "notice", { text: "gone" })).toBe(false);
    expect(ra.server.emitTo("no-dot", "notice", { text: "?" })).toBe(false);
    expect(ra.server.emitTo("bad id.1", "notice", { text: "?" })).toBe(false);
    expect(a.published).toHaveLength(1);
    expect(() => ra.server.emitTo(remote, "notice", { text: 1 } as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }),
    );
  });

  test("without an adapter emitTo reaches local ids only", async () => {
    const run = await startServer(testContract);
    const client = await run.client();
    await until(() => run.opened.length === 1, "open");
    expect(run.server.emitTo(run.opened[0]?.id as string, "notice", { text: "a" })).toBe(true);
    expect(run.server.emitTo("other.1", "notice", { text: "b" })).toBe(false);
    await until(() => client.events.length === 1, "delivery");
  });

  test("local: true stays on this instance; filter needs local: true", async () => {
    const { a, ra, ca } = await pair(1);
    expect(ra.server.broadcast("notice", { text: "here" }, { local: true })).toBe(1);
    expect(ra.server.to("r").emit("notice", { text: "here" }, { local: true })).toBe(0);
    expect(() => ra.server.broadcast("notice", { text: "f" }, { filter: () => true })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
    expect(ra.server.broadcast("notice", { text: "f" }, { filter: () => true, local: true })).toBe(
      1,
    );
    expect(a.published).toEqual([]);
    await until(() => ca[0]?.events.length === 2, "local deliveries");
    expect(() => ra.server.to("").emit("notice", { text: "x" })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });

  test("an adapter that throws is reported as ERR_ADAPTER; local delivery and the caller are unaffected", async () => {
    const { a, ra, ca } = await pair(1);
    a.failing = new Set(["publish", "roomJoined", "close"]);
    expect(ra.server.broadcast("notice", { text: "still" })).toBe(1);
    ra.opened[0]?.join("red");
    expect(ra.opened[0]?.rooms.has("red")).toBe(true);
    await until(() => ca[0]?.events.length === 1, "local delivery");
    await ra.server.close({ timeoutMs: 1000 });
    const reported = ra.errors.map((e) => [e.error.code, e.error.details?.operation]);
    expect(reported).toEqual([
      [ErrorCode.ADAPTER, "publish"],
      [ErrorCode.ADAPTER, "roomJoined"],
      [ErrorCode.ADAPTER, "close"],
    ]);
    expect(ra.server.stats().errorsByCode[ErrorCode.ADAPTER]).toBe(3);
  });

  test("server.close() closes the adapter after every connection has closed", async () => {
    const { a, ra } = await pair(1);
    await ra.server.close({ timeoutMs: 2000 });
    expect(a.calls.at(-2)).toBe(`closed ${ra.opened[0]?.id}`);
    expect(a.calls.at(-1)).toBe("close");
  });
});
