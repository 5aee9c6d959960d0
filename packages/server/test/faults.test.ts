import net from "node:net";
import { ErrorCode, encodeControl, encodeEnvelope, Kind, WireCode } from "@sockwire/protocol";
import fc from "fast-check";
import { describe, expect, onTestFinished, test } from "vitest";
import { testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { helloFor } from "./helpers/raw-peer.js";
import { TestClient } from "./helpers/session-client.js";
import { caught, sleep, until } from "./helpers/wait.js";

/**
 * A TCP proxy that can turn into a black hole: it stops forwarding in both directions but keeps
 * both sockets open, the way a pulled cable or a dead NAT entry looks to each end.
 */
async function blackholeProxy(targetPort: number) {
  let forwarding = true;
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer({ allowHalfOpen: true }, (downstream) => {
    const upstream = net.connect({ host: "127.0.0.1", port: targetPort, allowHalfOpen: true });
    for (const [from, to] of [
      [downstream, upstream],
      [upstream, downstream],
    ] as const) {
      sockets.add(from);
      from.on("data", (chunk) => {
        if (forwarding) to.write(chunk);
      });
      from.on("error", () => {});
      // Ends and resets are swallowed too: a black hole delivers nothing at all.
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => {
    for (const socket of sockets) socket.destroy();
    proxy.close();
  });
  return {
    port: (proxy.address() as net.AddressInfo).port,
    cut() {
      forwarding = false;
    },
  };
}

describe("vanished peer (case 15)", () => {
  test("a peer behind a black hole is detected by heartbeat; the request in flight rejects with ERR_CONNECTION_LOST", async () => {
    const run = await startServer(testContract, {
      heartbeatIntervalMs: 100,
      heartbeatTimeoutMs: 100,
    });
    const proxy = await blackholeProxy(run.port);
    const client = await TestClient.connect(proxy.port, testContract, {
      hello: { heartbeat: { intervalMs: 100, timeoutMs: 100 } },
      onRequest: () => ({ yes: true }),
    });
    onTestFinished(() => client.destroy());
    await until(() => run.opened.length === 1, "connection");
    const conn = run.opened[0];
    if (!conn) throw new Error("no connection");
    await expect(conn.request("confirm", { q: "before" })).resolves.toEqual({ yes: true });
    proxy.cut();
    const cutAt = performance.now();
    const pending = caught(conn.request("confirm", { q: "after" }, { timeoutMs: 5000 }));
    await until(() => run.disconnects.some((d) => d.conn === conn), "heartbeat close", 3000);
    const detectedAfter = performance.now() - cutAt;
    console.info(
      `case 15: black-holed peer detected after ${detectedAfter.toFixed(0)} ms (interval 100 + timeout 100)`,
    );
    expect(run.disconnects.find((d) => d.conn === conn)?.info.code).toBe(
      WireCode.HEARTBEAT_TIMEOUT,
    );
    // The last frame before the cut may be up to one interval old, so detection can come sooner.
    expect(detectedAfter).toBeGreaterThanOrEqual(50);
    expect(detectedAfter).toBeLessThan(2000);
    expect(await pending).toMatchObject({ code: ErrorCode.CONNECTION_LOST });
  });
});

describe("random byte streams (case 10, through the server)", () => {
  test("a valid hello followed by random bytes in random chunks never hurts the server", async () => {
    const run = await startServer(testContract, { frameTimeoutMs: 300 }, (s) =>
      s.handle("echo", (i) => i),
    );
    const neighbour = await run.client();
    const hello = encodeEnvelope({ kind: Kind.HELLO }, encodeControl(helloFor(testContract)));
    const streams = fc.sample(
      fc.array(fc.uint8Array({ minLength: 0, maxLength: 64 }), { minLength: 1, maxLength: 8 }),
      { numRuns: 200, seed: 10 },
    );
    for (const chunks of streams) {
      const peer = await run.raw();
      peer.write(hello);
      for (const chunk of chunks) {
        peer.write(chunk);
        await new Promise((resolve) => setImmediate(resolve));
      }
      peer.end();
      await peer.waitClosed(3000);
    }
    await expect(neighbour.request("echo", { text: "still up" })).resolves.toEqual({
      text: "still up",
    });
    await until(() => run.server.stats().connections === 1, "only the neighbour left", 5000);
    const stats = run.server.stats();
    const closes = Object.values(stats.closesByReason).reduce((a, b) => a + b, 0);
    expect(closes).toBe(200);
  });
});

describe("races (cases 19 and 20)", () => {
  test("responses with random handler delays always match their request ids", async () => {
    const run = await startServer(testContract, {}, (server) => {
      server.handle("echo", async ({ text }) => {
        await sleep(Number(text) % 7);
        return { text };
      });
    });
    const client = await run.client();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 50 }),
        async (values) => {
          const answers = await Promise.all(
            values.map((v) => client.request("echo", { text: String(v) })),
          );
          expect(answers).toEqual(values.map((v) => ({ text: String(v) })));
        },
      ),
      { numRuns: 50, seed: 19 },
    );
    expect(run.server.stats().inFlightRequests).toBe(0);
  });

  test("a client answer that arrives after the server's request timed out is dropped and counted", async () => {
    const run = await startServer(testContract);
    const peer = await run.rawOpen();
    const conn = run.opened[0];
    if (!conn) throw new Error("no connection");
    const start = performance.now();
    const timedOut = caught(conn.request("confirm", { q: "slow" }, { timeoutMs: 50 }));
    const request = await peer.waitFor((e) => e.kind === Kind.REQUEST);
    expect(request.deadlineMs).toBe(50);
    expect(await timedOut).toMatchObject({ code: ErrorCode.REQUEST_TIMEOUT });
    expect(performance.now() - start).toBeGreaterThanOrEqual(45);
    // The server told the client to give up; this peer ignores that and answers anyway.
    await peer.waitFor((e) => e.kind === Kind.CANCEL && e.id === request.id);
    peer.send({ kind: Kind.RESPONSE, id: request.id }, { yes: true });
    await until(() => conn.stats().lateResponses === 1, "late answer counted", 3000);
    expect(conn.stats().inFlightOut).toBe(0);
    expect(run.server.stats().lateResponses).toBe(1);
    expect(conn.state).toBe("open");
  });

  test("closing while sending: nothing is delivered after the goaway and nothing is left pending", async () => {
    const run = await startServer(testContract);
    const peer = await run.rawOpen();
    const conn = run.opened[0];
    if (!conn) throw new Error("no connection");
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i++) {
      sends.push(conn.emit("notice", { text: String(i) }).catch((e) => e));
      if (i === 50) void conn.close();
    }
    const results = await Promise.all(sends);
    await peer.waitClosed();
    const delivered = peer.ofKind(Kind.EVENT).length;
    expect(delivered).toBe(51);
    expect(
      results.slice(51).every((r) => (r as { code?: string })?.code === ErrorCode.NOT_CONNECTED),
    ).toBe(true);
    expect(peer.frames.at(-1)?.kind).toBe(Kind.GOAWAY);
  });
});
