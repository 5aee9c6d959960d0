import { encodeControl, encodeEnvelope, Kind, WireCode } from "@sockwire/protocol";
import { afterEach, describe, expect, test, vi } from "vitest";
import { testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { helloFor, RawPeer } from "./helpers/raw-peer.js";
import { sleep, until } from "./helpers/wait.js";

const MiB = 1024 * 1024;

afterEach(() => {
  vi.useRealTimers();
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

describe("maxConnections (case 12)", () => {
  test("a flood past the limit gets SERVER_FULL at once; a legit client keeps working; all slots are freed", async () => {
    const run = await startServer(testContract, { maxConnections: 200 }, (s) =>
      s.handle("echo", (i) => i),
    );
    const probe = await run.client();
    const latencies: number[] = [];
    let probing = true;
    const probeLoop = (async () => {
      for (let i = 0; i < 2000 && probing; i++) {
        const start = performance.now();
        await probe.request("echo", { text: "ping" });
        latencies.push(performance.now() - start);
        await sleep(10);
      }
    })();
    const hello = encodeEnvelope({ kind: Kind.HELLO }, encodeControl(helloFor(testContract)));
    const peers = await Promise.all(
      Array.from({ length: 300 }, async () => {
        const peer = await run.raw();
        peer.write(hello);
        return peer;
      }),
    );
    await Promise.all(
      peers.map((p) =>
        p.waitFor((e) => e.kind === Kind.WELCOME || e.kind === Kind.REJECT, "answer", 10_000),
      ),
    );
    probing = false;
    await probeLoop;
    const welcomed = peers.filter((p) => p.frames[0]?.kind === Kind.WELCOME);
    const refused = peers.filter((p) => p.frames[0]?.kind === Kind.REJECT);
    expect(welcomed).toHaveLength(199);
    expect(refused).toHaveLength(101);
    for (const peer of refused)
      expect(RawPeer.reason(peer.frames[0] as never).code).toBe(WireCode.SERVER_FULL);
    // Refused sockets are half-closed right after the reject, without waiting for anything.
    await Promise.all(refused.map((p) => p.waitClosed()));
    expect(run.server.stats().connections).toBe(200);
    expect(latencies.length).toBeGreaterThan(0);
    const sorted = [...latencies].sort((a, b) => a - b);
    console.info(
      `case 12: probe RTT during flood p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms (${sorted.length} probes)`,
    );

    for (const peer of welcomed) peer.destroy();
    await until(() => run.server.stats().connections === 1, "slots freed", 5000);
    const stats = run.server.stats();
    expect(stats).toMatchObject({
      handshaking: 0,
      closing: 0,
      rejected: 101,
      closesByReason: { SERVER_FULL: 101 },
    });
    await probe.close();
    await until(() => run.server.stats().connections === 0, "probe closed");
  });
});

describe("maxInFlight (case 18)", () => {
  test("10,000 pipelined requests against a 10 ms handler: reading pauses at 1000 in flight and every request is answered", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const run = await startServer(testContract, {}, (server) => {
      server.handle("sleep", async ({ ms }) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(ms);
        inFlight--;
        return { done: true };
      });
    });
    const peer = await run.rawOpen({}, { keepFrames: false });
    const frames = Array.from({ length: 10_000 }, (_, i) =>
      encodeEnvelope({ kind: Kind.REQUEST, id: i + 1, type: "sleep" }, JSON.stringify({ ms: 10 })),
    );
    peer.write(Buffer.concat(frames));
    await peer.waitUntil(() => peer.count(Kind.RESPONSE) >= 10_000, "10,000 responses", 60_000);
    expect(peer.count(Kind.RESPONSE)).toBe(10_000);
    expect(peer.count(Kind.ERROR)).toBe(0);
    expect(maxInFlight).toBe(1000);
    expect(run.server.stats().inFlightRequests).toBe(0);
    expect(run.disconnects).toEqual([]);
  });
});

describe("maxInFlight counts async event handlers", () => {
  test("slow async event handlers pause reading at the limit; every event is still handled", async () => {
    let running = 0;
    let peak = 0;
    let handled = 0;
    const run = await startServer(testContract, { maxInFlight: 50 }, (server) => {
      server.on("note", async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(5);
        running--;
        handled++;
      });
    });
    const peer = await run.rawOpen({}, { keepFrames: false });
    const frames = Array.from({ length: 500 }, (_, n) =>
      encodeEnvelope({ kind: Kind.EVENT, type: "note" }, JSON.stringify({ n })),
    );
    peer.write(Buffer.concat(frames));
    await until(() => handled === 500, "500 events handled", 20_000);
    expect(peak).toBe(50);
    expect(run.disconnects).toEqual([]);
  });

  test("a FIN that arrives while reading is paused waits for the held frames", async () => {
    const answered: number[] = [];
    const run = await startServer(testContract, { maxInFlight: 2 }, (server) => {
      server.handle("sleep", async ({ ms }) => {
        await sleep(ms);
        answered.push(ms);
        return { done: true };
      });
    });
    const peer = await run.rawOpen({}, { keepFrames: true });
    const frames = Array.from({ length: 6 }, (_, i) =>
      encodeEnvelope(
        { kind: Kind.REQUEST, id: i + 1, type: "sleep" },
        JSON.stringify({ ms: 20 + i }),
      ),
    );
    // Six requests and the FIN in one go: reading pauses after two, with four complete frames held.
    peer.socket.end(Buffer.concat(frames));
    await until(() => run.disconnects.length === 1, "server side closed", 10_000);
    expect(answered).toHaveLength(6);
    expect(peer.count(Kind.RESPONSE)).toBe(6);
    expect(run.disconnects[0]?.info).toMatchObject({ code: WireCode.NORMAL, initiator: "remote" });
  });
});

describe("heartbeat (case 13)", () => {
  test("a silent peer is pinged after the interval and closed after interval + timeout", async () => {
    const run = await startServer(testContract, {
      heartbeatIntervalMs: 100,
      heartbeatTimeoutMs: 100,
    });
    // Both ends of the interval are taken on the server: when the session opened, when it closed.
    let openedAt = 0;
    let closedAt = 0;
    run.server.onConnection(() => {
      openedAt ||= performance.now();
    });
    run.server.onDisconnect(() => {
      closedAt = performance.now();
    });
    const silent = await run.rawOpen({}, { autoPong: false });
    const silentPort = silent.socket.localPort;
    const alive = await run.rawOpen();
    await until(() => run.disconnects.length === 1, "heartbeat close", 3000);
    const elapsed = closedAt - openedAt;
    expect(run.disconnects[0]?.info).toMatchObject({
      code: WireCode.HEARTBEAT_TIMEOUT,
      initiator: "local",
      graceful: false,
    });
    expect(run.disconnects[0]?.conn.remotePort).toBe(silentPort);
    expect(silent.ofKind(Kind.PING).length).toBeGreaterThanOrEqual(1);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1500);
    console.info(
      `case 13: silent peer closed after ${elapsed.toFixed(0)} ms (interval 100 + timeout 100)`,
    );
    await sleep(300);
    expect(alive.ended).toBe(false);
    expect(run.server.connections.size).toBe(1);
  });

  test("defaults (fake timers): ping after 25 s of silence, close after 45 s", async () => {
    vi.useFakeTimers({
      toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
    });
    const run = await startServer(testContract);
    const peer = await run.rawOpen({}, { autoPong: false });
    expect(peer.welcome?.heartbeat).toEqual({ intervalMs: 25_000, timeoutMs: 20_000 });
    vi.advanceTimersByTime(24_000);
    await sleep(20);
    expect(peer.ofKind(Kind.PING)).toEqual([]);
    vi.advanceTimersByTime(2000);
    await peer.waitFor((e) => e.kind === Kind.PING, "ping");
    vi.advanceTimersByTime(18_000);
    await sleep(20);
    expect(run.disconnects).toEqual([]);
    vi.advanceTimersByTime(2000);
    await until(() => run.disconnects.length === 1, "heartbeat close");
    expect(run.disconnects[0]?.info.code).toBe(WireCode.HEARTBEAT_TIMEOUT);
  });

  test("the client's shorter heartbeat wins", async () => {
    const run = await startServer(testContract);
    const peer = await run.rawOpen(
      { heartbeat: { intervalMs: 100, timeoutMs: 100 } },
      { autoPong: false },
    );
    expect(peer.welcome?.heartbeat).toEqual({ intervalMs: 100, timeoutMs: 100 });
    await until(() => run.disconnects.length === 1, "heartbeat close", 3000);
    expect(run.disconnects[0]?.info.code).toBe(WireCode.HEARTBEAT_TIMEOUT);
  });
});

describe("ping flood (case 16)", () => {
  test("pings faster than allowed are closed with TOO_MANY_PINGS after the strikes; a neighbour is unaffected", async () => {
    const run = await startServer(testContract, { heartbeatIntervalMs: 1000 }, (s) =>
      s.handle("echo", (i) => i),
    );
    const neighbour = await run.client();
    const flooder = await run.rawOpen();
    const ping = encodeEnvelope({ kind: Kind.PING, id: 1 }, undefined);
    const deadline = performance.now() + 2000;
    for (
      let i = 0;
      i < 20_000 && !flooder.ended && !flooder.socket.destroyed && performance.now() < deadline;
      i++
    ) {
      flooder.write(ping);
      if (i % 10 === 9) await sleep(1);
    }
    await until(() => run.disconnects.length === 1, "flood close", 3000);
    expect(run.disconnects[0]?.info.code).toBe(WireCode.TOO_MANY_PINGS);
    // Strikes start only after a too-early ping; with the default of 2 strikes the third closes.
    expect(flooder.ofKind(Kind.PONG).length).toBeLessThanOrEqual(3);
    await expect(neighbour.request("echo", { text: "fine" })).resolves.toEqual({ text: "fine" });
  });

  test("pings spaced at least half the interval apart are answered forever", async () => {
    const run = await startServer(testContract, {
      heartbeatIntervalMs: 40,
      heartbeatTimeoutMs: 1000,
    });
    const peer = await run.rawOpen();
    for (let i = 0; i < 8; i++) {
      peer.send({ kind: Kind.PING, id: i + 1 });
      await sleep(25);
    }
    await peer.waitUntil(() => peer.ofKind(Kind.PONG).length === 8, "pongs");
    expect(run.disconnects).toEqual([]);
  });
});

describe("partial frames (case 4)", () => {
  test("a frame trickled one byte at a time keeps retained chunks under the cap and is still delivered", async () => {
    const run = await startServer(testContract, { maxRetainedChunks: 16 }, (s) =>
      s.handle("echo", (i) => i),
    );
    const peer = await run.rawOpen();
    const frame = encodeEnvelope(
      { kind: Kind.REQUEST, id: 1, type: "echo" },
      JSON.stringify({ text: "t".repeat(4000) }),
    );
    let maxRetained = 0;
    for (let i = 0; i < frame.length; i++) {
      peer.write(frame.subarray(i, i + 1));
      await new Promise((resolve) => setImmediate(resolve));
      maxRetained = Math.max(maxRetained, run.server.stats().retainedChunks);
    }
    const response = await peer.waitFor((e) => e.kind === Kind.RESPONSE && e.id === 1);
    expect((RawPeer.json(response) as { text: string }).text).toHaveLength(4000);
    expect(maxRetained).toBeGreaterThan(0);
    expect(maxRetained).toBeLessThanOrEqual(16);
  });

  test("a partial frame that stalls past frameTimeoutMs closes the connection with FRAME_STALLED", async () => {
    const run = await startServer(testContract, { frameTimeoutMs: 500 });
    const peer = await run.rawOpen();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MiB - 16);
    peer.write(header);
    const start = performance.now();
    const drip = setInterval(() => {
      if (!peer.socket.destroyed && !peer.ended) peer.write(Buffer.from([0x42]));
    }, 1);
    try {
      await peer.waitUntil(() => peer.ended, "stall close", 3000);
    } finally {
      clearInterval(drip);
    }
    const elapsed = performance.now() - start;
    expect(peer.connectionError()?.code).toBe(WireCode.FRAME_STALLED);
    expect(elapsed).toBeGreaterThanOrEqual(480);
    expect(elapsed).toBeLessThan(500 + 1500);
    await until(() => run.disconnects.length === 1, "disconnect");
    expect(run.disconnects[0]?.info.code).toBe(WireCode.FRAME_STALLED);
  });
});

describe("outbound queue", () => {
  test("hasRoom turns false above the soft mark and waitForRoom resolves once the client reads", async () => {
    const run = await startServer(testContract, {
      sendSoftBytes: 256 * 1024,
      sendHardBytes: 64 * MiB,
    });
    const peer = await run.rawOpen({ maxFrameBytes: 2 * MiB }, { keepFrames: false });
    peer.pause();
    const conn = run.opened[0];
    if (!conn) throw new Error("no connection");
    const blob = { data: "b".repeat(MiB) };
    let sent = 0;
    while (conn.hasRoom && sent < 40) {
      await conn.emit("blob", blob);
      sent++;
    }
    expect(conn.hasRoom).toBe(false);
    expect(conn.bufferedAmount).toBeGreaterThanOrEqual(256 * 1024);
    let resolved = false;
    const room = conn.waitForRoom().then(() => {
      resolved = true;
    });
    await sleep(50);
    expect(resolved).toBe(false);
    peer.resume();
    await room;
    expect(conn.hasRoom).toBe(true);
    await peer.waitUntil(() => peer.count(Kind.EVENT) >= sent, "all blobs", 10_000);
  });

  test("a socket that stays unwritable past the write deadline is closed as SLOW_CONSUMER (hard cap not reached)", async () => {
    const run = await startServer(testContract, { writeDeadlineMs: 200, sendHardBytes: 256 * MiB });
    const peer = await run.rawOpen({ maxFrameBytes: 2 * MiB }, { keepFrames: false });
    peer.pause();
    const conn = run.opened[0];
    if (!conn) throw new Error("no connection");
    const start = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 16; i++)
      sends.push(conn.emit("blob", { data: "d".repeat(MiB) }).catch(() => {}));
    await until(() => run.disconnects.length === 1, "slow consumer close", 5000);
    const elapsed = performance.now() - start;
    expect(run.disconnects[0]?.info).toMatchObject({
      code: WireCode.SLOW_CONSUMER,
      initiator: "local",
    });
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(3000);
    await Promise.all(sends);
  });

  test("defaults (fake timers): requests to the client time out after 30 s, a stalled socket after 10 s", async () => {
    vi.useFakeTimers({
      toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
    });
    const run = await startServer(testContract, { heartbeatIntervalMs: 0 });
    const peer = await run.rawOpen({ maxFrameBytes: 2 * MiB }, { keepFrames: false });
    const conn = run.opened[0];
    if (!conn) throw new Error("no connection");
    let outcome: unknown;
    conn.request("confirm", { q: "?" }).catch((error) => {
      outcome = error;
    });
    await peer.waitFor((e) => e.kind === Kind.REQUEST);
    vi.advanceTimersByTime(29_999);
    await sleep(10);
    expect(outcome).toBeUndefined();
    vi.advanceTimersByTime(1);
    await until(() => outcome !== undefined, "request timeout");
    expect(outcome).toMatchObject({ code: "ERR_REQUEST_TIMEOUT" });

    peer.pause();
    for (let i = 0; i < 7; i++) conn.emit("blob", { data: "w".repeat(MiB) }).catch(() => {});
    await sleep(50);
    expect(conn.bufferedAmount).toBeGreaterThan(0);
    vi.advanceTimersByTime(9_990);
    await sleep(10);
    expect(run.disconnects).toEqual([]);
    vi.advanceTimersByTime(20);
    await until(() => run.disconnects.length === 1, "write deadline close");
    expect(run.disconnects[0]?.info.code).toBe(WireCode.SLOW_CONSUMER);
  });
});
