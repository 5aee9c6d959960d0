import net from "node:net";
import { ErrorCode, encodeEnvelope, Kind, WireCode } from "@sockwire/protocol";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createServer } from "../src/index.js";
import { authContract, testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { RawPeer } from "./helpers/raw-peer.js";
import { sleep, until, within } from "./helpers/wait.js";

const MiB = 1024 * 1024;

afterEach(() => {
  vi.useRealTimers();
});

describe("conn.close()", () => {
  test("sends goaway, lets the request in flight finish, flushes, and both sides FIN", async () => {
    const run = await startServer(testContract, {}, (server) => {
      server.handle("sleep", async ({ ms }) => {
        await sleep(ms);
        return { done: true };
      });
    });
    const client = await run.client();
    const conn = run.opened[0];
    if (!conn) throw new Error("no connection");
    const answer = client.request("sleep", { ms: 100 });
    await until(() => conn.stats().inFlightIn === 1, "request in flight");
    await conn.emit("notice", { text: "last words" });
    const info = await within(conn.close("MAINTENANCE", "back soon"), "close");
    await expect(answer).resolves.toEqual({ done: true });
    expect(info).toEqual({
      code: "MAINTENANCE",
      message: "back soon",
      initiator: "local",
      graceful: true,
      error: undefined,
    });
    expect(client.events).toEqual([{ name: "notice", data: { text: "last words" } }]);
    const clientInfo = await client.closed;
    expect(clientInfo).toMatchObject({ code: "MAINTENANCE", initiator: "remote", graceful: true });
    expect(run.disconnects.map((d) => d.info)).toEqual([info]);
    expect(conn.state).toBe("closed");
    await expect(conn.emit("notice", { text: "too late" })).rejects.toMatchObject({
      code: ErrorCode.NOT_CONNECTED,
    });
  });

  test("a malformed close code throws ERR_INVALID_ARGUMENT", async () => {
    const run = await startServer(testContract);
    await run.client();
    expect(() => run.opened[0]?.close("not a code")).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });

  test("destroy() closes at once and is reported as not graceful", async () => {
    const run = await startServer(testContract);
    const peer = await run.rawOpen();
    run.opened[0]?.destroy();
    await until(() => run.disconnects.length === 1, "disconnect");
    expect(run.disconnects[0]?.info).toMatchObject({
      code: WireCode.NORMAL,
      initiator: "local",
      graceful: false,
      error: expect.objectContaining({ code: ErrorCode.CONNECTION_CLOSED }),
    });
    await peer.waitClosed();
  });

  test("close never acknowledged (case 23): the socket is destroyed at closeTimeoutMs", async () => {
    const run = await startServer(testContract, { closeTimeoutMs: 200 });
    const peer = await run.rawOpen();
    peer.pause();
    const conn = run.opened[0];
    if (!conn) throw new Error("no connection");
    const start = performance.now();
    const info = await within(conn.close(), "close", 3000);
    const elapsed = performance.now() - start;
    expect(info).toMatchObject({
      code: WireCode.NORMAL,
      graceful: false,
      error: expect.objectContaining({ code: ErrorCode.CONNECTION_CLOSED }),
    });
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1500);
    console.info(
      `case 23: unacknowledged close destroyed after ${elapsed.toFixed(0)} ms (closeTimeoutMs 200)`,
    );
    const stats = run.server.stats();
    expect(stats.connections + stats.closing + stats.handshaking).toBe(0);
  });

  test("closeTimeoutMs defaults to 30 s (fake timers)", async () => {
    vi.useFakeTimers({
      toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
    });
    const run = await startServer(testContract);
    const peer = await run.rawOpen();
    peer.pause();
    const conn = run.opened[0];
    if (!conn) throw new Error("no connection");
    let info: unknown;
    void conn.close().then((i) => {
      info = i;
    });
    vi.advanceTimersByTime(29_999);
    await sleep(20);
    expect(info).toBeUndefined();
    vi.advanceTimersByTime(1);
    await until(() => info !== undefined, "destroyed at 30 s");
    expect(info).toMatchObject({ graceful: false });
  });
});

describe("server.close()", () => {
  test("stops accepting, refuses handshakes in progress, goaways open connections, finishes requests, then resolves", async () => {
    const run = await startServer(authContract, {
      authenticate: async ({ token }) => {
        if (token === "slow") await sleep(100);
        return { user: token };
      },
    });
    run.server.handle("whoami", async (_input, conn) => {
      await sleep(100);
      return { user: conn.context.user };
    });
    const client = await run.client({ hello: { credentials: { token: "a" } } });
    const silent = await run.raw();
    const slow = await run.raw();
    slow.hello(authContract, { credentials: { token: "slow" } });
    await until(() => run.server.stats().handshaking === 2, "handshakes in progress");
    const answer = client.request("whoami", {});
    await until(() => run.server.stats().inFlightRequests === 1, "request in flight");

    const closing = run.server.close({ reconnectAfterMs: 1500 });
    expect(run.server.state).toBe("closing");
    await expect(
      new Promise((resolve, reject) => {
        const s = net.connect({ host: "127.0.0.1", port: run.port }, () => resolve("connected"));
        s.on("error", reject);
      }),
    ).rejects.toMatchObject({ code: "ECONNREFUSED" });

    await expect(answer).resolves.toEqual({ user: "a" });
    await within(closing, "server close");
    expect(run.server.state).toBe("closed");
    const clientInfo = await client.closed;
    expect(clientInfo).toMatchObject({
      code: WireCode.GOING_AWAY,
      reconnectAfterMs: 1500,
      graceful: true,
    });
    for (const peer of [silent, slow]) {
      await peer.waitClosed();
      expect(RawPeer.reason(peer.frames.find((e) => e.kind === Kind.REJECT) ?? fail()).code).toBe(
        WireCode.GOING_AWAY,
      );
    }
    expect(run.disconnects.map((d) => d.info.code)).toEqual([WireCode.GOING_AWAY]);
    expect(run.server.stats()).toMatchObject({ connections: 0, handshaking: 0, closing: 0 });
  });

  test("connections still open after timeoutMs are destroyed and close() resolves", async () => {
    const run = await startServer(testContract);
    const stuck = await run.rawOpen();
    stuck.pause();
    const start = performance.now();
    await within(run.server.close({ timeoutMs: 150 }), "forced close", 3000);
    expect(performance.now() - start).toBeGreaterThanOrEqual(140);
    expect(run.disconnects[0]?.info).toMatchObject({ code: WireCode.GOING_AWAY, graceful: false });
  });

  test("graceful close with data in flight (case 21): 50 rounds of 1000 events then close(), nothing lost", async () => {
    for (let round = 0; round < 50; round++) {
      const server = createServer(testContract);
      server.onConnection((conn) => {
        for (let i = 0; i < 1000; i++) void conn.emit("notice", { text: String(i) });
        void server.close();
      });
      try {
        const { port } = await server.listen();
        const peer = await RawPeer.open(port, testContract);
        await peer.waitClosed(10_000);
        const events = peer
          .ofKind(Kind.EVENT)
          .map((e) => (RawPeer.json(e) as { text: string }).text);
        expect(events).toHaveLength(1000);
        expect(events.every((text, i) => text === String(i))).toBe(true);
        const last = peer.frames.at(-1);
        expect(last?.kind).toBe(Kind.GOAWAY);
        expect(RawPeer.reason(last ?? fail()).code).toBe(WireCode.GOING_AWAY);
        expect(peer.ended).toBe(true);
        expect(peer.socketError).toBeUndefined();
      } finally {
        await server.close();
      }
    }
  });

  test("RST vs FIN (case 22): 16 MiB queued while the peer is still sending arrive in full, no ECONNRESET", async () => {
    let received = 0;
    const run = await startServer(
      testContract,
      { maxInFlight: 1, sendHardBytes: 32 * MiB },
      (server) => {
        server.handle("sleep", async ({ ms }) => {
          await sleep(ms);
          return { done: true };
        });
        server.on("say", () => void received++);
      },
    );
    const peer = await run.rawOpen({ maxFrameBytes: 2 * MiB }, { keepFrames: false });
    peer.pause();
    // One slow request fills the in-flight budget, so the server stops reading and what follows
    // piles up unread in its receive queue: 4 MiB of events.
    peer.request(1, "sleep", { ms: 300 });
    const say = encodeEnvelope(
      { kind: Kind.EVENT, type: "say" },
      JSON.stringify({ text: "s".repeat(64 * 1024 - 50) }),
    );
    for (let i = 0; i < 64; i++) peer.write(say);
    const conn = run.opened[0];
    if (!conn) throw new Error("no connection");
    await until(() => conn.stats().inFlightIn === 1, "request in flight");
    const blob = { data: "B".repeat(MiB) };
    for (let i = 0; i < 16; i++) void conn.emit("blob", blob);
    const closed = conn.close();
    await sleep(100);
    peer.resume();
    await peer.waitUntil(() => peer.ended, "server FIN", 20_000);
    peer.end();
    await peer.waitClosed(5000);
    expect(peer.count(Kind.EVENT)).toBe(16);
    expect(peer.count(Kind.RESPONSE)).toBe(1);
    expect(peer.ofKind(Kind.GOAWAY)).toHaveLength(1);
    expect(peer.socketError).toBeUndefined();
    expect(peer.bytesReceived).toBeGreaterThan(16 * MiB);
    expect(await within(closed, "server side close")).toMatchObject({
      code: WireCode.NORMAL,
      graceful: true,
    });
    // The events that were queued behind the slow request were still read after the goaway.
    expect(received).toBe(64);
  });
});

function fail(): never {
  throw new Error("missing frame");
}
