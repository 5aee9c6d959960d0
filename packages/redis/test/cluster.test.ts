import { randomUUID } from "node:crypto";
import { createClient as createRedisClient } from "redis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { clusterContract } from "./helpers/contract.js";
import { NodeProcess } from "./helpers/node-process.js";
import { connectPeer, type Peer } from "./helpers/nodes.js";
import { RedisServer, SKIP_WITHOUT_REDIS } from "./helpers/redis-server.js";
import { sleep, until } from "./helpers/wait.js";

// Three server instances, each in its own process, one Redis; clients live in this process.
const PER_INSTANCE = 4;
let redis: RedisServer;
let prefix: string;
let nodes: NodeProcess[] = [];

beforeAll(async () => {
  if (SKIP_WITHOUT_REDIS) return;
  redis = await RedisServer.start();
  prefix = `c-${randomUUID().slice(0, 8)}`;
  nodes = await Promise.all([0, 1, 2].map(() => NodeProcess.start({ url: redis.url, prefix })));
  await Promise.all(nodes.map((node) => node.whenReady()));
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(nodes.map((node) => node.close()));
  await redis?.stop();
}, 30_000);

/** PER_INSTANCE clients on every instance; client k of an instance joins `${room}-${k % 2}`. */
async function spread(room: string): Promise<Peer[][]> {
  return Promise.all(
    nodes.map((node) =>
      Promise.all(
        Array.from({ length: PER_INSTANCE }, (_, k) => connectPeer(node.port, `${room}-${k % 2}`)),
      ),
    ),
  );
}

describe.skipIf(SKIP_WITHOUT_REDIS)("three instances in three processes", () => {
  test("every client gets every broadcast exactly once, whichever instance sent it", async () => {
    const peers = (await spread("b")).flat();
    const sent = await Promise.all(
      nodes.map((node, n) => node.call<number>({ cmd: "broadcast", tag: `n${n}`, count: 25 })),
    );
    // Each instance reports only its own recipients.
    expect(sent).toEqual([25 * PER_INSTANCE, 25 * PER_INSTANCE, 25 * PER_INSTANCE]);
    const ids = nodes.flatMap((_, n) => Array.from({ length: 25 }, (_, i) => `n${n}-${i}`));
    await until(() => peers.every((p) => ids.every((id) => p.count(id) >= 1)), "all delivered");
    await sleep(200); // room for a duplicate to show up
    for (const peer of peers) {
      expect(peer.news).toHaveLength(ids.length);
      for (const id of ids) expect(peer.count(id), `${peer.id} got ${id}`).toBe(1);
      // Messages from one instance arrive in the order it sent them.
      for (let n = 0; n < 3; n++) {
        const fromN = peer.news.map((m) => m.id).filter((id) => id.startsWith(`n${n}-`));
        expect(fromN).toEqual(ids.filter((id) => id.startsWith(`n${n}-`)));
      }
    }
  });

  test("rooms and direct messages cross process boundaries", async () => {
    const byNode = await spread("r");
    const peers = byNode.flat();
    // Another instance's join reaches Redis on its own connection: poll rather than race it.
    for (const node of nodes) {
      await until(async () => (await node.roomSize("r-0")) === 6, "room size everywhere");
    }
    await nodes[1]?.call({ cmd: "room", room: "r-0", tag: "room", count: 10 });
    await until(
      () => peers.filter((p) => p.news.length === 10).length === 6,
      "room members on every instance",
    );
    for (const [k, peer] of byNode.flatMap((list) => list.map((p, i) => [i, p] as const))) {
      expect(peer.news.length).toBe(k % 2 === 0 ? 10 : 0);
    }
    // Each client gets one message addressed to its id, sent by the next instance.
    for (const [n, list] of byNode.entries()) {
      const sender = nodes[(n + 1) % 3] as NodeProcess;
      for (const peer of list) {
        const accepted = await sender.call({ cmd: "direct", to: peer.id, newsId: `d-${peer.id}` });
        expect(accepted).toBe(true);
      }
    }
    await until(() => peers.every((p) => p.count(`d-${p.id}`) === 1), "direct deliveries");
    await sleep(150);
    for (const peer of peers) {
      expect(peer.news.filter((m) => m.id.startsWith("d-")).map((m) => m.id)).toEqual([
        `d-${peer.id}`,
      ]);
    }
  });

  test("an instance crash: the others keep working, its memberships expire after the TTL and its keys are swept", async () => {
    const byNode = await spread("k");
    const [first, second, crashed] = nodes as [NodeProcess, NodeProcess, NodeProcess];
    await until(async () => (await first.roomSize("k-0")) === 6, "room size before the crash");
    await crashed.kill();
    const killedAt = performance.now();
    // Its clients notice; the others are untouched.
    await until(
      () => (byNode[2] ?? []).every((p) => p.client.state === "closed"),
      "clients of the crashed instance",
    );
    await first.call({ cmd: "broadcast", tag: "after", count: 5 });
    const survivors = [...(byNode[0] ?? []), ...(byNode[1] ?? [])];
    await until(() => survivors.every((p) => p.news.length === 5), "survivors receive");
    await sleep(100);
    for (const peer of survivors)
      expect(peer.news.map((m) => m.id)).toEqual([0, 1, 2, 3, 4].map((i) => `after-${i}`));

    // Its members still count until its liveness (instanceTtlMs, 1 s here) expires.
    await until(async () => (await first.roomSize("k-0")) === 4, "membership expired", 8000);
    expect(performance.now() - killedAt).toBeGreaterThan(500);
    expect((await second.instances()).map((i) => i.id).sort()).toEqual(
      [first.instanceId, second.instanceId].sort(),
    );
    // A survivor's heartbeat removes the dead instance's keys.
    const raw = createRedisClient({ url: redis.url });
    await raw.connect();
    try {
      const ns = `${prefix}:${clusterContract.name}:${clusterContract.fingerprint}`;
      await until(
        async () => (await raw.sIsMember(`${ns}:instances`, crashed.instanceId)) === 0,
        "swept",
        5000,
      );
      expect(
        await raw.exists([
          `${ns}:conns:${crashed.instanceId}`,
          `${ns}:rooms:${crashed.instanceId}`,
        ]),
      ).toBe(0);
      expect(await raw.keys(`${ns}:room:${crashed.instanceId}:*`)).toEqual([]);
    } finally {
      raw.destroy();
    }
    const swept =
      (await first.stats()).adapter.sweptInstances + (await second.stats()).adapter.sweptInstances;
    expect(swept).toBe(1);
    // A direct message to a client of the dead instance is accepted and counted unroutable.
    await first.call({ cmd: "direct", to: byNode[2]?.[0]?.id, newsId: "late" });
    await until(async () => (await first.stats()).adapter.unroutable === 1, "unroutable");
  });
});
