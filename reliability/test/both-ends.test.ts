import { ErrorCode, isSockwireError, type SockwireError, WireCode } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { reliabilityContract } from "../src/contract.js";
import { outcome, sleep, until } from "../src/wait.js";
import { client, FAST, proxyTo, serverProcess, startServer } from "./support/fixtures.js";

const MiB = 1024 * 1024;
/** interval + timeout of {@link FAST}. */
const DEAD_AFTER_MS = 200;

describe("vanished peer, both ends (case 15)", () => {
  test("a black-holed link (no FIN, no RST) is detected by heartbeat on both sides; without resumption, requests in flight both ways reject with ERR_CONNECTION_LOST; the client reconnects", async () => {
    const run = await startServer(
      reliabilityContract,
      {
        ...FAST,
        authenticate: ({ client: id }) => ({ id }),
      },
      (s) => s.handle("echo", () => new Promise(() => {})),
    );
    const proxy = await proxyTo(run.port);
    // Without resumption: the at-most-once path (resumable sessions: resume.integration.test.ts
    // in the client package, and the chaos soak).
    const c = client(reliabilityContract, {
      port: proxy.port,
      credentials: { client: 1 },
      ...FAST,
      resume: false,
    });
    c.handle("work", () => new Promise(() => {}));
    let clientLostAt = 0;
    let clientLoss: SockwireError | undefined;
    c.onStatus((s) => {
      if (s.state === "reconnecting" && clientLostAt === 0) {
        clientLostAt = performance.now();
        clientLoss = s.error;
      }
    });
    await c.connect();
    await until(() => run.opened.length === 1, "server side open");
    const conn = run.opened[0]?.conn;
    if (!conn) throw new Error("no connection");
    // One request in flight each way when the path dies.
    const fromClient = outcome(c.request("echo", { n: 1, delayMs: 0 }, { timeoutMs: 10_000 }));
    const fromServer = outcome(conn.request("work", { n: 1, delayMs: 0 }, { timeoutMs: 10_000 }));
    await until(
      () => c.stats().inFlightRequests === 1 && conn.stats().inFlightOut === 1,
      "requests in flight",
    );

    const [link] = proxy.established();
    link?.blackhole();
    const cutAt = performance.now();
    await until(() => run.closed.length === 1 && clientLostAt > 0, "both sides detect", 5000);
    const serverAfter = (run.closed[0]?.at ?? 0) - cutAt;
    const clientAfter = clientLostAt - cutAt;
    console.info(
      `case 15: black hole detected by the server after ${serverAfter.toFixed(0)} ms and by the client after ${clientAfter.toFixed(0)} ms (interval + timeout = ${DEAD_AFTER_MS} ms)`,
    );
    expect(run.closed[0]?.info).toMatchObject({
      code: WireCode.HEARTBEAT_TIMEOUT,
      graceful: false,
    });
    expect(clientLoss).toMatchObject({
      code: ErrorCode.CONNECTION_LOST,
      details: { closeCode: WireCode.HEARTBEAT_TIMEOUT },
    });
    // Dead means "nothing received for interval + timeout": at the cut the last frame may already
    // be up to one interval (plus a 20 ms tick and a round trip) old, so detection comes between
    // about 80 ms and interval + timeout after the cut, plus a tick; the lower bound leaves room,
    // the upper one is generous for a loaded machine.
    for (const after of [serverAfter, clientAfter]) {
      expect(after).toBeGreaterThanOrEqual(DEAD_AFTER_MS - FAST.heartbeatIntervalMs - 40);
      expect(after).toBeLessThan(DEAD_AFTER_MS + 800);
    }
    for (const settled of [await fromClient, await fromServer]) {
      expect(isSockwireError(settled) && settled.code).toBe(ErrorCode.CONNECTION_LOST);
    }
    // The proxy still black-holes the old link; the client's new connection is a fresh link.
    await until(() => c.state === "open" && run.opened.length === 2, "reconnected", 5000);
    expect(c.stats().reconnects).toBe(1);
    expect(conn.stats().inFlightOut).toBe(0);
    expect(c.stats().inFlightRequests).toBe(0);
  });
});

describe("stalled server process (case 14, the client's side)", () => {
  test("a SIGSTOPped server: the client's queue stops at its hard cap, its heartbeat declares the server dead, and after SIGCONT the server closes the old connection cleanly and the client is back", async () => {
    const server = await serverProcess({ ...FAST, sendHardBytes: 8 * MiB });
    // Without resumption, so the server ends the old connection (a resumable one would wait).
    const c = client(reliabilityContract, {
      port: server.port,
      credentials: { client: 2 },
      ...FAST,
      resume: false,
    });
    let lostAt = 0;
    let loss: SockwireError | undefined;
    c.onStatus((s) => {
      if (s.state === "reconnecting" && lostAt === 0) {
        lostAt = performance.now();
        loss = s.error;
      }
    });
    await c.connect();
    const firstSession = c.sessionId;
    process.kill(server.pid, "SIGSTOP");
    const stoppedAt = performance.now();
    let maxBuffered = 0;
    const refused: Record<string, number> = {};
    const data = "s".repeat(256 * 1024);
    try {
      // A producer that ignores backpressure: the client itself must bound what it holds.
      for (let n = 0; n < 2000 && c.state === "open" && performance.now() - stoppedAt < 3000; n++) {
        c.emit("blob", { n, data }).catch((e: SockwireError) => {
          refused[e.code] = (refused[e.code] ?? 0) + 1;
        });
        maxBuffered = Math.max(maxBuffered, c.bufferedAmount);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await until(() => lostAt > 0, "heartbeat detection", 3000);
    } finally {
      process.kill(server.pid, "SIGCONT");
    }
    const detectedAfter = lostAt - stoppedAt;
    console.info(
      `case 14 (client side): stopped server declared dead after ${detectedAfter.toFixed(0)} ms; client queue peaked at ${(maxBuffered / MiB).toFixed(2)} MiB; refused ${JSON.stringify(refused)}`,
    );
    expect(loss).toMatchObject({ details: { closeCode: WireCode.HEARTBEAT_TIMEOUT } });
    expect(detectedAfter).toBeLessThan(2000);
    expect(maxBuffered).toBeLessThanOrEqual(8 * MiB);
    expect(refused[ErrorCode.OUTBOUND_BUFFER_FULL] ?? 0).toBeGreaterThan(0);
    // After SIGCONT the server reads what the kernel held, closes that connection with a coded
    // reason, keeps running, and takes the client back.
    await until(
      () => server.reports.some((r) => r.sessionId === firstSession),
      "old connection closed",
      10_000,
    );
    const old = server.reports.find((r) => r.sessionId === firstSession);
    console.info(
      `case 14 (client side): after SIGCONT the server closed the old connection with ${JSON.stringify(old?.close)}`,
    );
    expect(Object.values(WireCode)).toContain(old?.close.code);
    await until(() => c.state === "open", "client back", 10_000);
    await expect(c.request("echo", { n: 1, delayMs: 0 })).resolves.toEqual({ n: 1 });
    expect(server.crashed).toBe(false);
    expect((await server.stats()).crashes).toBe(0);
    await sleep(10);
  });
});
