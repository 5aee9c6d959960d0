import { ErrorCode } from "@sockwire/protocol";
import type { ServerConnection, ServerOptions } from "@sockwire/server";
import { afterEach, describe, expect, test } from "vitest";
import type { ClientStatus } from "../src/index.js";
import { testContract } from "./support/contract.js";
import { Harness, sleep, until } from "./support/harness.js";

// Resumable sessions over real sockets through a proxy that cuts, pauses and black-holes links
// (PROTOCOL.md 8.6): the session survives a lost link with its id and rooms, every message in
// both directions arrives once and in order, requests in flight are answered and run once; a
// session that cannot be resumed says so, and a hook re-joins before the queue is sent.

const h = new Harness();
afterEach(() => h.cleanup());

const FAST = { initialDelayMs: 20, maxDelayMs: 100 };

async function setup(serverOptions: ServerOptions<typeof testContract> = {}) {
  const received: number[] = [];
  const runs: number[] = [];
  const conns: ServerConnection<typeof testContract>[] = [];
  const resumed: string[] = [];
  const expired: string[] = [];
  const { server, port } = await h.server(testContract, serverOptions, (s) => {
    s.on("seq", ({ n }) => void received.push(n));
    s.handle("sleep", async ({ ms, tag }) => {
      runs.push(tag ?? -1);
      await sleep(ms);
      return { tag };
    });
    s.handle("echo", (x) => x);
    s.onConnection((conn) => void conns.push(conn as never));
    s.onSessionResumed((conn) => void resumed.push(conn.id));
    s.onSessionExpired((conn) => void expired.push(conn.id));
  });
  const proxy = await h.proxy(port);
  const client = h.client(testContract, { port: proxy.port, reconnect: FAST });
  const statuses: ClientStatus[] = [];
  client.onStatus((s) => statuses.push(s));
  const ticks: number[] = [];
  client.on("tick", ({ n }) => void ticks.push(n));
  await client.connect();
  return { server, port, proxy, client, statuses, received, runs, conns, resumed, expired, ticks };
}

const opens = (statuses: ClientStatus[]) =>
  statuses.filter((s): s is Extract<ClientStatus, { state: "open" }> => s.state === "open");

describe("a cut link", () => {
  test("the session resumes: same id and rooms, requests in flight answered and run once", async () => {
    const { proxy, client, statuses, runs, conns, resumed, server } = await setup();
    await until(() => conns.length === 1);
    const conn = conns[0] as ServerConnection<typeof testContract>;
    conn.join("lobby");
    const first = client.request("sleep", { ms: 200, tag: 1 });
    const second = client.request("sleep", { ms: 200, tag: 2 });
    await until(() => runs.length === 2, 2000, "both running");
    proxy.cut();
    expect(await first).toEqual({ tag: 1 });
    expect(await second).toEqual({ tag: 2 });
    expect(runs).toEqual([1, 2]);
    expect(resumed).toEqual([conn.id]);
    expect(server.connections.size).toBe(1);
    expect(server.connections.get(conn.id)).toBe(conn);
    expect([...conn.rooms]).toEqual(["lobby"]);
    const open = opens(statuses);
    expect(open.map((s) => [s.resumed, s.sessionId])).toEqual([
      [false, open[0]?.sessionId],
      [true, open[0]?.sessionId],
    ]);
    expect(server.stats()).toMatchObject({ resumed: 1, detached: 0, connections: 1 });
  });

  test("events both ways arrive once and in order across repeated cuts", async () => {
    const { proxy, client, received, conns, ticks } = await setup();
    await until(() => conns.length === 1);
    const conn = conns[0] as ServerConnection<typeof testContract>;
    const total = 3000;
    const sends: Promise<void>[] = [];
    for (let n = 0; n < total; n++) {
      sends.push(client.emit("seq", { n }));
      sends.push(conn.emit("tick", { n }));
      if (n % 500 === 250) {
        await sleep(2);
        proxy.cut();
      }
      if (n % 100 === 0) await sleep(0);
    }
    await Promise.allSettled(sends);
    await until(() => received.length >= total && ticks.length >= total, 10_000, "all delivered");
    await sleep(50);
    expect(received).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(ticks).toEqual(Array.from({ length: total }, (_, i) => i));
    await client.delivered();
    await conn.delivered();
  });

  test("what the server sends while the link is down arrives after the resume, in order", async () => {
    const { proxy, client, conns, ticks, server } = await setup();
    await until(() => conns.length === 1);
    const conn = conns[0] as ServerConnection<typeof testContract>;
    proxy.refusing = true;
    proxy.cut();
    await until(() => conn.state === "detached", 2000, "detached");
    expect(server.stats().detached).toBe(1);
    for (let n = 0; n < 5; n++) await conn.emit("tick", { n });
    expect(server.broadcast("tick", { n: 5 })).toBe(1);
    proxy.refusing = false;
    await until(() => ticks.length === 6, 5000, "replayed");
    expect(ticks).toEqual([0, 1, 2, 3, 4, 5]);
    expect(client.state).toBe("open");
  });
});

describe("links that go quiet", () => {
  const HEARTBEAT = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 100 };

  test("a black hole, then a cut: both sides see it by heartbeat, and the session resumes with nothing lost", async () => {
    const received: number[] = [];
    const ticks: number[] = [];
    const conns: ServerConnection<typeof testContract>[] = [];
    const { port } = await h.server(testContract, HEARTBEAT, (s) => {
      s.on("seq", ({ n }) => void received.push(n));
      s.onConnection((conn) => void conns.push(conn));
    });
    const proxy = await h.proxy(port);
    const client = h.client(testContract, {
      port: proxy.port,
      ...HEARTBEAT,
      connectTimeoutMs: 300,
      reconnect: FAST,
    });
    client.on("tick", ({ n }) => void ticks.push(n));
    await client.connect();
    await until(() => conns.length === 1);
    const conn = conns[0] as ServerConnection<typeof testContract>;
    const send = (from: number, to: number) => {
      for (let n = from; n < to; n++) {
        void client.emit("seq", { n });
        void conn.emit("tick", { n });
      }
    };
    send(0, 100);
    proxy.blackhole();
    send(100, 200);
    await until(() => conn.state === "detached" && client.state !== "open", 3000, "both detect it");
    send(200, 300);
    proxy.cut();
    proxy.resume();
    await until(() => received.length >= 300 && ticks.length >= 300, 5000, "all delivered");
    const all = Array.from({ length: 300 }, (_, i) => i);
    expect(received).toEqual(all);
    expect(ticks).toEqual(all);
  });

  test("a pause shorter than the heartbeat: nothing detaches, nothing is lost", async () => {
    const { proxy, client, received, conns, server } = await setup(HEARTBEAT);
    await until(() => conns.length === 1);
    proxy.pause();
    for (let n = 0; n < 50; n++) void client.emit("seq", { n });
    await sleep(60);
    proxy.resume();
    await client.delivered();
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(server.stats()).toMatchObject({ resumed: 0, detached: 0 });
  });
});

describe("when the session cannot be resumed", () => {
  test("more unacknowledged than the replay buffer holds: overflow, reported", async () => {
    const { port } = await h.server(testContract);
    const proxy = await h.proxy(port);
    const client = h.client(testContract, {
      port: proxy.port,
      reconnect: FAST,
      resumeBufferBytes: 1024,
    });
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    await client.connect();
    proxy.pause(); // the server reads nothing, so acknowledges nothing
    for (let n = 0; n < 100; n++) void client.emit("seq", { n }).catch(() => {});
    await sleep(50);
    proxy.cut();
    proxy.resume();
    await until(() => opens(statuses).length === 2, 5000, "reconnected");
    expect(opens(statuses)[1]).toMatchObject({
      resumed: false,
      resumeFailure: { reason: "overflow", unacknowledged: 100 },
    });
  });

  test("a graceful server restart (goaway): ended, and the hook re-joins before the queue is sent", async () => {
    const first = await setup();
    const { proxy, client, statuses } = first;
    const order: string[] = [];
    client.onResumeFailed(async (failure) => {
      order.push(`hook ${failure.reason}`);
      await client.request("echo", { text: "rejoin" });
      order.push("rejoined");
    });
    await first.server.close({ timeoutMs: 100 });
    const queued = client.emit("seq", { n: 7 });
    const restarted = await h.server(testContract, {}, (s) => {
      s.on("seq", ({ n }) => void order.push(`queued ${n}`));
      s.handle("echo", (x) => {
        order.push(`echo ${x.text}`);
        return x;
      });
    });
    proxy.retarget(restarted.port);
    await queued;
    await until(() => order.includes("queued 7"), 5000, "queue flushed");
    expect(order).toEqual(["hook ended", "echo rejoin", "rejoined", "queued 7"]);
    const last = opens(statuses).at(-1);
    expect(last).toMatchObject({ resumed: false, resumeFailure: { reason: "ended" } });
  });

  test("a cut link, then another server (a crash and restart, or another instance): unknown", async () => {
    const first = await setup();
    const { proxy, client, statuses } = first;
    const pending = client.request("sleep", { ms: 2000, tag: 9 }).catch((e: unknown) => e);
    await until(() => first.runs.length === 1, 2000, "running");
    const other = await h.server(testContract, {}, (s) => s.handle("echo", (x) => x));
    proxy.retarget(other.port);
    proxy.cut();
    await until(() => opens(statuses).length === 2, 5000, "reconnected");
    expect(opens(statuses)[1]).toMatchObject({
      resumed: false,
      resumeFailure: { reason: "unknown", unacknowledged: expect.any(Number) },
    });
    // Its fate is unknown: the request written on the lost session fails as lost.
    expect(await pending).toMatchObject({ code: ErrorCode.CONNECTION_LOST });
    expect(await client.request("echo", { text: "new" })).toEqual({ text: "new" });
  });

  test("the window passed: the server ends the session (onSessionExpired) and the client is told", async () => {
    const { proxy, client, statuses, conns, expired } = await setup({ resumeWindowMs: 100 });
    await until(() => conns.length === 1);
    proxy.refusing = true;
    proxy.cut();
    await until(() => expired.length === 1, 3000, "expired on the server");
    expect(expired).toEqual([conns[0]?.id]);
    proxy.refusing = false;
    await until(() => opens(statuses).length === 2, 5000, "reconnected");
    expect(opens(statuses)[1]).toMatchObject({ resumed: false });
    expect(opens(statuses)[1]?.resumeFailure?.reason).toMatch(/^(expired|unknown)$/);
    expect(client.state).toBe("open");
  });

  test("without resumption on the server, the client is told it is unsupported", async () => {
    const { proxy, statuses } = await setup({ resumeWindowMs: 0 });
    proxy.cut();
    await until(() => opens(statuses).length === 2, 5000, "reconnected");
    expect(opens(statuses)[1]).toMatchObject({
      resumed: false,
      resumeFailure: { reason: "unsupported" },
    });
  });
});

describe("acknowledgements", () => {
  test("delivered() resolves once the server has the messages", async () => {
    const { client, received } = await setup();
    for (let n = 0; n < 10; n++) void client.emit("seq", { n });
    await client.delivered();
    expect(received).toHaveLength(10);
  });

  test("delivered() without resumption rejects with ERR_NOT_RESUMABLE", async () => {
    const { client } = await setup({ resumeWindowMs: 0 });
    await expect(client.delivered()).rejects.toMatchObject({ code: ErrorCode.NOT_RESUMABLE });
  });
});
