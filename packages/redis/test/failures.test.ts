import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { ErrorCode, type SockwireError } from "@sockwire/protocol";
import { describe, expect, onTestFinished, test } from "vitest";
import { TS_EXEC_ARGV } from "./helpers/node-process.js";
import { connectPeer, type Node, startNode } from "./helpers/nodes.js";
import { freePort, RedisServer, SKIP_WITHOUT_REDIS } from "./helpers/redis-server.js";
import { sleep, until, within } from "./helpers/wait.js";

/** The `details.operation` of every ERR_ADAPTER a node reported, in order. */
const adapterReports = (node: Node) =>
  node.errors
    .filter((e: SockwireError) => e.code === ErrorCode.ADAPTER)
    .map((e) => e.details?.operation);

async function redisOn(port?: number): Promise<RedisServer> {
  const redis = await RedisServer.start(port);
  onTestFinished(() => redis.stop());
  return redis;
}

describe.skipIf(SKIP_WITHOUT_REDIS)("failure behaviour", () => {
  test("Redis unavailable at start: the server serves its own clients, reports once, joins the cluster when Redis appears", async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const prefix = `f-${randomUUID().slice(0, 8)}`;
    const a = await startNode(url, { prefix });
    expect(a.adapter.state).toBe("connecting");
    const local = await connectPeer(a.port, "lobby");
    expect(a.server.broadcast("news", { id: "l1", text: "local only" })).toBe(1);
    await until(() => local.count("l1") === 1, "local delivery without Redis");
    await sleep(400); // several reconnection attempts (20 ms growing to 200 ms)
    expect(adapterReports(a)).toEqual(["connect", "publish"]);
    expect(a.adapter.stats()).toMatchObject({ state: "connecting", dropped: 1, published: 0 });
    await expect(a.adapter.roomSize("lobby")).rejects.toMatchObject({
      code: ErrorCode.ADAPTER,
      details: { operation: "query" },
    });

    await redisOn(port);
    await within(a.adapter.whenReady(), "ready once Redis is up", 10_000);
    const b = await startNode(url, { prefix });
    await within(b.adapter.whenReady(), "b ready");
    const remote = await connectPeer(b.port);
    // What happened while Redis was away was written by the first sync.
    await until(async () => (await b.adapter.connectionCount()) === 2, "a's first sync");
    expect(await b.adapter.roomSize("lobby")).toBe(1);
    a.server.broadcast("news", { id: "x1", text: "now everywhere" });
    await until(() => remote.count("x1") === 1 && local.count("x1") === 1, "cross-instance");
    expect(adapterReports(a)).toEqual(["connect", "publish"]);
  });

  test("Redis lost during traffic and back: local delivery goes on, messages sent meanwhile are dropped and counted, delivery resumes", async () => {
    const redis = await redisOn();
    const prefix = `f-${randomUUID().slice(0, 8)}`;
    const a = await startNode(redis.url, { prefix });
    const b = await startNode(redis.url, { prefix });
    await Promise.all([a, b].map((n) => within(n.adapter.whenReady(), "ready")));
    const pa = await connectPeer(a.port, "r");
    const pb = await connectPeer(b.port, "r");
    const send = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        expect(a.server.to("r").emit("news", { id: `s${i}`, text: "" })).toBe(1);
      }
    };

    send(0, 20);
    await until(() => pb.news.length === 20 && a.adapter.stats().published === 20, "phase 1");

    await redis.kill();
    for (let i = 20; i < 60; i += 5) {
      send(i, i + 5); // keeps going while the link notices the loss and retries
      await sleep(5);
    }
    await until(() => pa.news.length === 60, "local delivery during the outage", 5000);
    await until(() => a.adapter.state === "reconnecting", "a notices the loss");
    await expect(a.adapter.connectionCount()).rejects.toMatchObject({ code: ErrorCode.ADAPTER });

    await redis.restart();
    await Promise.all([a, b].map((n) => within(n.adapter.whenReady(), "ready again", 10_000)));
    // Redis came back empty: each instance re-wrote its membership when it reconnected.
    await until(async () => (await a.adapter.roomSize("r")) === 2, "membership restored");
    send(60, 80);
    await until(() => pb.count("s79") === 1, "phase 3 crosses again");
    await sleep(100);

    expect(pa.news.map((n) => n.id)).toEqual(Array.from({ length: 80 }, (_, i) => `s${i}`));
    const got = pb.news.map((n) => n.id);
    expect(new Set(got).size).toBe(got.length); // never twice
    const expected = [
      ...Array.from({ length: 20 }, (_, i) => i),
      ...Array.from({ length: 20 }, (_, i) => 60 + i),
    ];
    expect(got).toEqual(expected.map((i) => `s${i}`));
    expect(a.adapter.stats()).toMatchObject({ published: 40, dropped: 40, reconnects: 1 });
    expect(b.adapter.stats()).toMatchObject({ received: 40, delivered: 40, reconnects: 1 });
    expect(adapterReports(a)).toEqual(["connection", "publish"]);
    expect(adapterReports(b)).toEqual(["connection"]);
  });

  test("a stalled Redis: the publish backlog stays under maxPendingBytes, the excess is dropped, local delivery goes on", async () => {
    const redis = await redisOn();
    const prefix = `f-${randomUUID().slice(0, 8)}`;
    const a = await startNode(redis.url, {
      prefix,
      maxPendingBytes: 64 * 1024,
      queryTimeoutMs: 300,
    });
    const b = await startNode(redis.url, { prefix });
    await Promise.all([a, b].map((n) => within(n.adapter.whenReady(), "ready")));
    const pa = await connectPeer(a.port);
    const pb = await connectPeer(b.port);
    const text = "x".repeat(1000);
    redis.pause();
    try {
      for (let i = 0; i < 200; i++) {
        expect(a.server.broadcast("news", { id: `p${i}`, text })).toBe(1);
      }
      await until(() => pa.news.length === 200, "local delivery while Redis is stalled");
      const stalled = a.adapter.stats();
      expect(stalled.pendingBytes).toBeLessThanOrEqual(64 * 1024);
      expect(stalled.pendingBytes).toBeGreaterThan(32 * 1024);
      expect(stalled.dropped).toBeGreaterThan(100);
      expect(stalled.published).toBe(0);
      await expect(a.adapter.roomSize("x")).rejects.toMatchObject({
        code: ErrorCode.ADAPTER,
        details: { operation: "query" },
      });
    } finally {
      redis.resume();
    }
    const { dropped } = a.adapter.stats();
    await until(() => a.adapter.stats().published === 200 - dropped, "backlog flushed");
    await until(() => pb.news.length === 200 - dropped, "what was accepted arrives");
    await sleep(100);
    expect(a.adapter.stats()).toMatchObject({ pendingBytes: 0, dropped });
    const ids = pb.news.map((n) => Number(n.id.slice(1)));
    expect(ids).toEqual(Array.from({ length: 200 - dropped }, (_, i) => i)); // the first ones, in order
    expect(adapterReports(a)).toEqual(["publish"]);
  });

  test("closing while Redis is away does not wait for it", async () => {
    const redis = await redisOn();
    const a = await startNode(redis.url, { prefix: `f-${randomUUID().slice(0, 8)}` });
    await within(a.adapter.whenReady(), "ready");
    await connectPeer(a.port);
    await redis.kill();
    await until(() => a.adapter.state === "reconnecting", "loss noticed");
    const started = performance.now();
    await within(a.server.close({ timeoutMs: 1000 }), "close", 5000);
    expect(a.adapter.state).toBe("closed");
    expect(performance.now() - started).toBeLessThan(4000);
    await expect(a.adapter.whenReady()).rejects.toMatchObject({ code: ErrorCode.ADAPTER });
  });

  test("a closed server's process exits at once, even while the adapter waits to reconnect", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/close-exit.ts", import.meta.url));
    const child = spawn(
      process.execPath,
      [...TS_EXEC_ARGV, fixture, `redis://127.0.0.1:${await freePort()}`],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    onTestFinished(() => void child.kill("SIGKILL"));
    let output = "";
    let closedAt = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (closedAt === 0 && output.includes("closed")) closedAt = performance.now();
    });
    const code = await within(
      new Promise((resolve) => child.once("exit", resolve)),
      "exit",
      15_000,
    );
    expect(code).toBe(0);
    expect(output).toBe("closed closed\n");
    // The pending reconnection delay was 5 s; nothing may keep the process alive for it.
    expect(performance.now() - closedAt).toBeLessThan(1500);
  });
});
