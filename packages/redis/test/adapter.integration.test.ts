import { randomUUID } from "node:crypto";
import { ErrorCode, jsonCodec } from "@sockwire/protocol";
import { createClient as createRedisClient } from "redis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { encodeClusterMessage } from "../src/index.js";
import { connectPeer, type Node, startNode } from "./helpers/nodes.js";
import { RedisServer, SKIP_WITHOUT_REDIS } from "./helpers/redis-server.js";
import { sleep, until, within } from "./helpers/wait.js";

let redis: RedisServer;
beforeAll(async () => {
  if (SKIP_WITHOUT_REDIS) return;
  redis = await RedisServer.start();
});
afterAll(() => redis?.stop());

/** `count` nodes sharing a fresh namespace, all with their Redis link ready. */
async function nodes(count: number, codec?: () => ReturnType<typeof countingCodec>) {
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  const started: Node[] = [];
  for (let i = 0; i < count; i++) {
    started.push(await startNode(redis.url, { prefix }, codec ? { codec: codec() } : {}));
  }
  await Promise.all(started.map((n) => within(n.adapter.whenReady(), "adapter ready")));
  return { prefix, nodes: started };
}

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

describe.skipIf(SKIP_WITHOUT_REDIS)("delivery across instances", () => {
  test("a broadcast reaches every client of every instance exactly once, encoded once", async () => {
    const codecs: Array<ReturnType<typeof countingCodec>> = [];
    const { nodes: all } = await nodes(3, () => {
      const codec = countingCodec();
      codecs.push(codec);
      return codec;
    });
    const peers = await Promise.all(all.flatMap((n) => [connectPeer(n.port), connectPeer(n.port)]));
    for (const codec of codecs) codec.encodes = 0;
    const [a, b, c] = all as [Node, Node, Node];
    expect(a.server.broadcast("news", { id: "m1", text: "hello" })).toBe(2);
    await until(() => peers.every((p) => p.count("m1") === 1), "m1 everywhere");
    await sleep(100);
    for (const peer of peers) expect(peer.news).toEqual([{ id: "m1", text: "hello" }]);
    expect(codecs.map((codec) => codec.encodes)).toEqual([1, 0, 0]);
    await until(() => a.adapter.stats().published === 1, "publish acknowledged");
    expect(a.adapter.stats()).toMatchObject({ published: 1, received: 0, dropped: 0 });
    expect(b.adapter.stats()).toMatchObject({ received: 1, delivered: 2, malformed: 0 });
    expect(c.adapter.stats()).toMatchObject({ received: 1, delivered: 2 });
  });

  test("rooms span instances; except leaves out the sender wherever the room is", async () => {
    const { nodes: all } = await nodes(2);
    const [a, b] = all as [Node, Node];
    const a1 = await connectPeer(a.port, "red");
    const a2 = await connectPeer(a.port, "blue");
    const b1 = await connectPeer(b.port, "red");
    const b2 = await connectPeer(b.port);
    const sender = a.server.connections.get(a1.id);
    expect(a.server.to("red").emit("news", { id: "r1", text: "red" })).toBe(1);
    a.server.to("red").emit("news", { id: "r2", text: "red" }, { except: sender });
    b.server.to("red").emit("news", { id: "r3", text: "from b" });
    await until(() => b1.count("r2") === 1 && a1.count("r3") === 1, "room deliveries");
    await sleep(100);
    // Order holds per sending instance, not across instances: b's own r3 may come first.
    expect(a1.news.map((n) => n.id)).toEqual(["r1", "r3"]);
    expect(b1.news.map((n) => n.id).filter((id) => id !== "r3")).toEqual(["r1", "r2"]);
    expect(b1.count("r3")).toBe(1);
    expect(a2.news).toEqual([]);
    expect(b2.news).toEqual([]);
  });

  test("emitTo reaches a connection on another instance, and only it", async () => {
    const { nodes: all } = await nodes(2);
    const [a, b] = all as [Node, Node];
    const b1 = await connectPeer(b.port);
    const b2 = await connectPeer(b.port);
    const a1 = await connectPeer(a.port);
    expect(b1.id.startsWith(`${b.adapter.instanceId}.`)).toBe(true);
    expect(a.server.emitTo(b1.id, "news", { id: "d1", text: "just you" })).toBe(true);
    await until(() => b1.count("d1") === 1, "direct delivery");
    await sleep(100);
    expect(b2.news).toEqual([]);
    expect(a1.news).toEqual([]);
    expect(a.server.emitTo(`${a.adapter.instanceId}.zzz`, "news", { id: "x", text: "" })).toBe(
      false,
    );
  });

  test("a message for a connection of a departed instance is counted unroutable", async () => {
    const { nodes: all } = await nodes(2);
    const [a, b] = all as [Node, Node];
    const b1 = await connectPeer(b.port);
    await b.server.close({ timeoutMs: 1000 });
    expect(a.server.emitTo(b1.id, "news", { id: "late", text: "" })).toBe(true);
    await until(() => a.adapter.stats().unroutable === 1, "unroutable counted");
  });

  test("an instance joining later receives later broadcasts; a departing one leaves the cluster", async () => {
    const { prefix, nodes: all } = await nodes(1);
    const [a] = all as [Node];
    const a1 = await connectPeer(a.port, "lobby");
    const b = await startNode(redis.url, { prefix });
    await within(b.adapter.whenReady(), "b ready");
    const b1 = await connectPeer(b.port, "lobby");
    a.server.broadcast("news", { id: "j1", text: "welcome" });
    await until(() => b1.count("j1") === 1 && a1.count("j1") === 1, "joined instance receives");
    await until(async () => (await a.adapter.roomSize("lobby")) === 2, "room size 2");
    expect((await a.adapter.instances()).map((i) => i.id).sort()).toEqual(
      [a.adapter.instanceId, b.adapter.instanceId].sort(),
    );
    await b.server.close({ timeoutMs: 1000 });
    expect(b.adapter.state).toBe("closed");
    expect(await a.adapter.roomSize("lobby")).toBe(1);
    expect((await a.adapter.instances()).map((i) => i.id)).toEqual([a.adapter.instanceId]);
  });
});

describe.skipIf(SKIP_WITHOUT_REDIS)("cluster-wide membership", () => {
  test("roomSize, connectionsIn, rooms, connectionCount and instances see every instance", async () => {
    const { nodes: all } = await nodes(2);
    const [a, b] = all as [Node, Node];
    const a1 = await connectPeer(a.port, "red");
    const b1 = await connectPeer(b.port, "red");
    const b2 = await connectPeer(b.port, "blue");
    // a's join reaches Redis on a's connection: poll rather than race it. After that, b's own
    // changes and b's queries share b's command connection, so they are seen in order.
    await until(async () => (await b.adapter.roomSize("red")) === 2, "a's member seen by b");
    await until(async () => (await a.adapter.rooms()).length === 2, "b's rooms seen by a");
    expect((await a.adapter.connectionsIn("red")).sort()).toEqual([a1.id, b1.id].sort());
    expect((await a.adapter.rooms()).sort()).toEqual(["blue", "red"]);
    expect(await a.adapter.connectionCount()).toBe(3);
    const instances = await b.adapter.instances();
    expect(instances.map((i) => i.self)).toContain(true);
    expect(instances.find((i) => i.self)).toMatchObject({
      id: b.adapter.instanceId,
      pid: process.pid,
    });
    b.server.connections.get(b1.id)?.leave("red");
    expect(await b.adapter.roomSize("red")).toBe(1);
    await b2.client.close();
    await until(async () => (await a.adapter.connectionCount()) === 2, "b2 gone");
    expect(await a.adapter.rooms()).toEqual(["red"]);
    expect(await a.adapter.roomSize("nowhere")).toBe(0);
  });
});

describe.skipIf(SKIP_WITHOUT_REDIS)("robustness", () => {
  test("a malformed cluster message is counted and reported, and delivery goes on", async () => {
    const { prefix, nodes: all } = await nodes(2);
    const [a, b] = all as [Node, Node];
    const b1 = await connectPeer(b.port);
    const raw = createRedisClient({ url: redis.url });
    await raw.connect();
    try {
      const channel = `${prefix}:${a.server.contract.name}:${a.server.contract.fingerprint}:all`;
      await raw.publish(channel, Buffer.from([1, 1, 3, 0x41]));
      const bogusFrame = Buffer.from([0, 0, 0, 1, 9]);
      await raw.publish(channel, encodeClusterMessage("zz", { kind: "all" }, bogusFrame));
      await until(() => b.adapter.stats().malformed === 2, "malformed counted");
      expect(b.errors.map((e) => [e.code, e.details?.operation])).toEqual([
        [ErrorCode.ADAPTER, "message"],
        [ErrorCode.ADAPTER, "message"],
      ]);
      a.server.broadcast("news", { id: "ok", text: "" });
      await until(() => b1.count("ok") === 1, "delivery after garbage");
    } finally {
      raw.destroy();
    }
  });

  test("an instance swept while alive (a stall past the TTL) rewrites its membership at its next heartbeat", async () => {
    const { prefix, nodes: all } = await nodes(2);
    const [a, b] = all as [Node, Node];
    await connectPeer(a.port, "red");
    await until(async () => (await b.adapter.roomSize("red")) === 1, "a's member seen by b");
    const syncs = a.adapter.stats().membershipSyncs;
    const raw = createRedisClient({ url: redis.url });
    await raw.connect();
    try {
      // What another instance's sweep does to an instance whose liveness key has expired, in one
      // transaction as the sweep does it: in two steps, a heartbeat of a's could fall between
      // them, re-sync after the first, and find itself removed by the second (a second sync).
      const ns = `${prefix}:${a.server.contract.name}:${a.server.contract.fingerprint}`;
      const id = a.adapter.instanceId;
      await raw
        .multi()
        .del([
          `${ns}:alive:${id}`,
          `${ns}:conns:${id}`,
          `${ns}:rooms:${id}`,
          `${ns}:room:${id}:red`,
        ])
        .sRem(`${ns}:instances`, id)
        .exec();
    } finally {
      raw.destroy();
    }
    // b can read the rewritten keys before a has handled the reply to its write (two Redis
    // connections in one process), so wait for both.
    await until(
      async () =>
        (await b.adapter.roomSize("red")) === 1 && a.adapter.stats().membershipSyncs > syncs,
      "membership rewritten",
      5000,
    );
    expect(a.adapter.stats().membershipSyncs).toBe(syncs + 1);
    expect((await b.adapter.instances()).map((i) => i.id)).toContain(a.adapter.instanceId);
  });

  test("options are checked; an adapter serves one server", async () => {
    const { redisAdapter } = await import("../src/index.js");
    const invalid = expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT });
    expect(() => redisAdapter({ url: "http://x" })).toThrow(invalid);
    expect(() => redisAdapter({ heartbeatIntervalMs: 1000, instanceTtlMs: 1500 })).toThrow(invalid);
    expect(() => redisAdapter({ bogus: 1 } as never)).toThrow(invalid);
    expect(() => redisAdapter({ prefix: "a b" })).toThrow(invalid);
    const adapter = redisAdapter();
    await expect(adapter.roomSize("x")).rejects.toMatchObject({ code: ErrorCode.ADAPTER });
    const { createServer } = await import("@sockwire/server");
    const { clusterContract } = await import("./helpers/contract.js");
    createServer(clusterContract, { adapter });
    expect(() => createServer(clusterContract, { adapter })).toThrow(invalid);
    expect(adapter.state).toBe("idle");
    await adapter.close();
  });
});
