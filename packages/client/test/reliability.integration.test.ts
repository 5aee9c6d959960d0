import { Socket } from "node:net";
import { ErrorCode, Kind, type SockwireError } from "@sockwire/protocol";
import type { SockwireServer } from "@sockwire/server";
import fc from "fast-check";
import { afterEach, describe, expect, test, vi } from "vitest";
import type { ClientStatus } from "../src/index.js";
import { type TestContract, testContract } from "./support/contract.js";
import { Harness, sleep, until } from "./support/harness.js";
import { fakeServer, responseFrame } from "./support/raw-peer.js";

const h = new Harness();
afterEach(async () => {
  vi.restoreAllMocks();
  await h.cleanup();
});

describe("case 19: out-of-order responses and close racing with sends", () => {
  test("every answer matches its request, nothing arrives after close, nothing stays pending (200 runs, ≤ 50 requests)", async () => {
    const { port } = await h.server(testContract, {}, (s) => {
      s.handle("sleep", async ({ ms, tag }, conn) => {
        void conn.emit("tick", { n: tag ?? 0 }).catch(() => {});
        await sleep(ms);
        return { tag };
      });
    });
    const deadline = Date.now() + 40_000;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 6 }), { minLength: 1, maxLength: 50 }),
        fc.option(fc.nat({ max: 49 }), { nil: undefined }),
        async (delays, closeAt) => {
          if (Date.now() > deadline) return; // wall-clock cap: stop testing, do not fail
          const client = h.client(testContract, { port, reconnect: false });
          let closed = false;
          let ticksAfterClose = 0;
          client.on("tick", () => {
            if (closed) ticksAfterClose++;
          });
          client.onStatus((s) => {
            if (s.state === "closed") closed = true;
          });
          await client.connect();
          let closing: Promise<void> | undefined;
          const outcomes = await Promise.all(
            delays.map((ms, tag) => {
              if (tag === closeAt) closing = client.close();
              return client.request("sleep", { ms, tag }).then(
                (value) => ({ tag, ok: true as const, value }),
                (error: SockwireError) => ({ tag, ok: false as const, code: error.code }),
              );
            }),
          );
          await (closing ?? client.close());
          for (const outcome of outcomes) {
            const sentBeforeClose = closeAt === undefined || outcome.tag < closeAt;
            if (sentBeforeClose) {
              // A graceful close lets requests already in flight finish.
              expect(outcome).toEqual({ tag: outcome.tag, ok: true, value: { tag: outcome.tag } });
            } else {
              expect(outcome).toEqual({
                tag: outcome.tag,
                ok: false,
                code: ErrorCode.CONNECTION_CLOSED,
              });
            }
          }
          expect(ticksAfterClose).toBe(0);
          expect(client.stats().inFlightRequests).toBe(0);
          expect(client.state).toBe("closed");
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("case 20: request deadline", () => {
  test("100 requests with a 100 ms deadline against a handler that never answers all time out; nothing stays pending", async () => {
    const { port } = await h.server(testContract, {}, (s) =>
      s.handle("hang", () => new Promise(() => {})),
    );
    const client = h.client(testContract, { port });
    await client.connect();
    const start = performance.now();
    const settled = await Promise.all(
      Array.from({ length: 100 }, () =>
        client.request("hang", {}, { timeoutMs: 100 }).then(
          () => ({ code: "resolved", at: performance.now() - start }),
          (e: SockwireError) => ({ code: e.code, at: performance.now() - start }),
        ),
      ),
    );
    expect(new Set(settled.map((s) => s.code))).toEqual(new Set([ErrorCode.REQUEST_TIMEOUT]));
    for (const { at } of settled) {
      expect(at).toBeGreaterThanOrEqual(99);
      expect(at).toBeLessThan(100 + 400); // generous: a loaded 2-core box delays timers
    }
    expect(client.stats().inFlightRequests).toBe(0);
  });

  test("answers that arrive after the deadline are dropped and counted, never delivered", async () => {
    const port = await h.raw((socket) =>
      fakeServer(socket, {
        onFrame: (envelope) => {
          if (envelope.kind !== Kind.REQUEST) return;
          // Answers late on purpose, ignoring the deadline and the cancel.
          setTimeout(
            () => socket.writable && socket.write(responseFrame(envelope.id, { text: "late" })),
            150,
          );
        },
      }),
    );
    const client = h.client(testContract, { port });
    await client.connect();
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () => client.request("echo", { text: "x" }, { timeoutMs: 100 })),
    );
    expect(
      results.every(
        (r) =>
          r.status === "rejected" && (r.reason as SockwireError).code === ErrorCode.REQUEST_TIMEOUT,
      ),
    ).toBe(true);
    await until(() => client.stats().lateResponses === 100, 3000, "late responses");
    expect(client.stats().inFlightRequests).toBe(0);
  });
});

describe("case 24: server restart mid-traffic", () => {
  test("sequence numbers: none lost, none duplicated, in order; one reconnect; the request in flight fails with ERR_CONNECTION_LOST", async () => {
    const received: number[] = [];
    const setup = (s: SockwireServer<TestContract>) => {
      s.on("seq", ({ n }: { n: number }) => void received.push(n));
      s.handle("hang", () => new Promise(() => {}));
    };
    const first = await h.server(testContract, {}, setup);
    const client = h.client(testContract, { port: first.port });
    await client.connect();

    const accepted = new Set<number>();
    const refused = new Map<number, string>();
    const sends: Promise<unknown>[] = [];
    let stop = false;
    let sent = 0;
    const producer = (async () => {
      const until = Date.now() + 8000;
      while (!stop && sent < 20_000 && Date.now() < until) {
        const n = ++sent;
        sends.push(
          client.emit("seq", { n }).then(
            () => accepted.add(n),
            (e: SockwireError) => refused.set(n, e.code),
          ),
        );
        await sleep(1);
      }
    })();

    await sleep(100);
    const inFlight = client.request("hang", {}, { timeoutMs: 10_000 }).catch((e: unknown) => e);
    await until(() => client.stats().inFlightRequests === 1);
    const closing = first.server.close({ timeoutMs: 100 }); // the hang forces the close timeout
    h.forget(first.server);
    await closing;
    await sleep(300);
    await h.server(testContract, {}, setup, first.port);
    await until(
      () => client.state === "open" && client.stats().reconnects === 1,
      5000,
      "reconnect",
    );
    await sleep(150);
    stop = true;
    await producer;
    await Promise.all(sends);
    await client.close();

    const lost = (await inFlight) as SockwireError;
    expect(lost.code).toBe(ErrorCode.CONNECTION_LOST);
    expect(refused.size).toBe(0); // the default 8 MiB queue holds a 300 ms outage easily
    expect(new Set(received).size).toBe(received.length); // no duplicates
    for (let i = 1; i < received.length; i++)
      expect(received[i]).toBeGreaterThan(received[i - 1] as number); // in order
    expect(received.length).toBe(accepted.size); // no gaps inside what was accepted
    for (const n of accepted) expect(received.includes(n)).toBe(true);
    expect(client.stats().reconnects).toBe(1);
    console.info(
      `case 24: ${accepted.size} events sent across the restart, ${received.length} received once each, in order`,
    );
  });

  test("small cap: a 32-byte offline queue lets exactly two 16-byte events through the outage", async () => {
    const received: number[] = [];
    const first = await h.server(testContract, {}, (s) => s.on("m", (n) => void received.push(n)));
    const client = h.client(testContract, { port: first.port, offlineQueue: { maxBytes: 32 } });
    await client.connect();
    const closing = first.server.close();
    h.forget(first.server);
    await closing;
    await until(() => client.state !== "open");
    // Event "m" with a 4-digit JSON number: 4 (length) + 7 (header) + 1 (name) + 4 (payload) = 16 bytes.
    const a = client.emit("m", 1001);
    const b = client.emit("m", 1002);
    expect(client.stats().queuedBytes).toBe(32);
    await expect(client.emit("m", 1003)).rejects.toMatchObject({
      code: ErrorCode.OUTBOUND_BUFFER_FULL,
    });
    await h.server(testContract, {}, (s) => s.on("m", (n) => void received.push(n)), first.port);
    await Promise.all([a, b]);
    await client.close();
    expect(received).toEqual([1001, 1002]);
  });
});

describe("case 25: reconnect storm", () => {
  test("200 clients, server down 2 s: attempts are spread by jitter and follow the backoff schedule", async () => {
    const first = await h.server(testContract, { maxConnections: 1000 });
    const port = first.port;
    const outage = { start: 0 };
    const attempts: number[] = [];
    const perClient: { reconnecting: number[]; connecting: number[]; delays: number[] }[] = [];
    const clients = Array.from({ length: 200 }, () => {
      // The documented defaults: 1 s x1.6 up to 30 s, ±20 %.
      const client = h.client(testContract, { port, reconnect: true });
      const log = {
        reconnecting: [] as number[],
        connecting: [] as number[],
        delays: [] as number[],
      };
      perClient.push(log);
      client.onStatus((s: ClientStatus) => {
        const at = performance.now() - outage.start;
        if (s.state === "reconnecting") {
          log.reconnecting.push(at);
          log.delays.push(s.delayMs);
        } else if (s.state === "connecting" && s.reconnect) {
          log.connecting.push(at);
          attempts.push(at);
        }
      });
      return client;
    });
    for (let i = 0; i < clients.length; i += 50)
      await Promise.all(clients.slice(i, i + 50).map((c) => c.connect()));
    outage.start = performance.now();
    const closing = first.server.close();
    h.forget(first.server);
    await closing;
    await sleep(Math.max(0, 2000 - (performance.now() - outage.start)));
    await h.server(testContract, { maxConnections: 1000 }, undefined, port);
    await until(() => clients.every((c) => c.state === "open"), 10_000, "every client back");

    // Each client's delays follow 1000 x 1.6^n with ±20 % jitter.
    for (const log of perClient) {
      log.delays.forEach((delay, n) => {
        const base = 1000 * 1.6 ** n;
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.2));
      });
    }
    // Spread: the largest share of all attempts that falls in any 100 ms window.
    const sorted = [...attempts].sort((x, y) => x - y);
    let peak = 0;
    for (let i = 0, j = 0; i < sorted.length; i++) {
      while ((sorted[i] as number) - (sorted[j] as number) >= 100) j++;
      peak = Math.max(peak, i - j + 1);
    }
    const share = peak / sorted.length;
    const first100 = sorted.filter((t) => t < (sorted[0] as number) + 100).length;
    console.info(
      `case 25: ${sorted.length} attempts by 200 clients; busiest 100 ms window holds ${peak} (${(share * 100).toFixed(1)} %); ` +
        `first attempts from ${sorted[0]?.toFixed(0)} ms to ${Math.max(...perClient.map((l) => l.connecting[0] ?? 0)).toFixed(0)} ms after the outage began; ` +
        `${first100} in the first 100 ms`,
    );
    // Without jitter all 200 first attempts would land in the same instant (50 % of ~400 attempts).
    // With ±20 % on 1 s they spread over ~400 ms: 12-17 % per window, the second wave much less.
    // The bound is generous so that timers bunched by a loaded machine do not make it flake.
    expect(share).toBeLessThanOrEqual(0.25);
    const firsts = perClient.map((l) => l.connecting[0] ?? 0);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThanOrEqual(250);
    expect(clients.every((c) => c.stats().reconnects === 1)).toBe(true);
  }, 30_000);
});

describe("case 26: Nagle and delayed ACK", () => {
  test("noDelay is set, every write carries whole frames, and 500 round trips stay far below Nagle's 40 ms stalls", async () => {
    const setNoDelay = vi.spyOn(Socket.prototype, "setNoDelay");
    const write = vi.spyOn(Socket.prototype, "write");
    const { port } = await h.server(testContract, {}, (s) => s.handle("echo", (x) => x));
    const client = h.client(testContract, { port });
    await client.connect();
    const mine = (socket: unknown) =>
      (socket as Socket).localPort === client.localPort && (socket as Socket).remotePort === port;
    expect(
      setNoDelay.mock.contexts.some(
        (ctx, i) => mine(ctx) && setNoDelay.mock.calls[i]?.[0] === true,
      ),
    ).toBe(true);

    write.mockClear();
    const rtts: number[] = [];
    for (let i = 0; i < 500; i++) {
      const start = performance.now();
      await client.request("echo", { text: "ping" });
      rtts.push(performance.now() - start);
    }
    const writes = write.mock.calls.filter((_call, i) => mine(write.mock.contexts[i]));
    expect(writes.length).toBe(500); // one write per request frame: header and payload together
    for (const [chunk] of writes) {
      const buffer = chunk as Buffer;
      let at = 0;
      while (at < buffer.length) at += 4 + buffer.readUInt32BE(at); // walks whole frames only
      expect(at).toBe(buffer.length);
    }
    rtts.sort((x, y) => x - y);
    const p50 = rtts[249] as number;
    const p99 = rtts[494] as number;
    console.info(
      `case 26: 500 request/response round trips over loopback: p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms`,
    );
    expect(p50).toBeLessThan(20); // a regression to Nagle + delayed ACK shows 40-200 ms here
  });
});
