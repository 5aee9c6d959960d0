import { ErrorCode, type SockwireError, WireCode } from "@sockwire/protocol";
import { afterEach, describe, expect, test } from "vitest";
import type { ClientStatus } from "../src/index.js";
import { testContract } from "./support/contract.js";
import { Harness, sleep, until } from "./support/harness.js";
import { fakeServer } from "./support/raw-peer.js";

const h = new Harness();
afterEach(() => h.cleanup());

const HEARTBEAT = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 100 };
/** Detection must come within interval + timeout; the slack absorbs tick granularity and a loaded box. */
const DETECT_MS = 200;
const SLACK_MS = 250;

function timeline(client: { onStatus(listener: (s: ClientStatus) => void): () => void }) {
  const events: { at: number; status: ClientStatus }[] = [];
  client.onStatus((status) => events.push({ at: performance.now(), status }));
  return events;
}

describe("heartbeat", () => {
  test("an idle connection with answering peers stays up across many intervals", async () => {
    const { port } = await h.server(testContract, HEARTBEAT);
    const client = h.client(testContract, { port, ...HEARTBEAT });
    await client.connect();
    const before = client.stats().messagesIn;
    await sleep(700);
    expect(client.state).toBe("open");
    expect(client.stats().reconnects).toBe(0);
    expect(client.stats().messagesIn).toBeGreaterThan(before); // pings and pongs kept it alive
  });

  test("case 13: a server that completes the handshake and then goes silent is declared dead within interval + timeout; the client reconnects", async () => {
    let accepted = 0;
    const port = await h.raw((socket) => {
      accepted++;
      // Welcomes with a 100/100 heartbeat, then never answers pings (the kernel still ACKs).
      fakeServer(socket, { welcome: { heartbeat: { intervalMs: 100, timeoutMs: 100 } } });
    });
    const client = h.client(testContract, { port, ...HEARTBEAT });
    const events = timeline(client);
    await client.connect();
    const openedAt = events.find((e) => e.status.state === "open")?.at ?? 0;
    await until(
      () => events.some((e) => e.status.state === "reconnecting"),
      3000,
      "heartbeat detection",
    );
    const lost = events.find((e) => e.status.state === "reconnecting");
    const detectedAfter = (lost?.at ?? 0) - openedAt;
    expect(detectedAfter).toBeGreaterThanOrEqual(DETECT_MS - 10);
    expect(detectedAfter).toBeLessThanOrEqual(DETECT_MS + SLACK_MS);
    expect(lost?.status).toMatchObject({
      error: {
        code: ErrorCode.CONNECTION_LOST,
        details: { closeCode: WireCode.HEARTBEAT_TIMEOUT },
      },
    });
    await until(() => client.state === "open" && accepted === 2, 3000, "reconnect");
    console.info(
      `case 13: silent server detected ${detectedAfter.toFixed(0)} ms after open (interval + timeout = ${DETECT_MS} ms)`,
    );
  });

  test("case 15: a blackholed link (no FIN, no RST) is detected by heartbeat; without resumption, in-flight requests reject with ERR_CONNECTION_LOST; the client reconnects", async () => {
    const { port } = await h.server(testContract, HEARTBEAT, (s) =>
      s.handle("hang", () => new Promise(() => {})),
    );
    const proxy = await h.proxy(port);
    const client = h.client(testContract, { port: proxy.port, ...HEARTBEAT, resume: false });
    const events = timeline(client);
    await client.connect();
    const inFlight = client.request("hang", {}, { timeoutMs: 10_000 });
    await until(() => client.stats().inFlightRequests === 1);
    await sleep(20);
    const cutAt = performance.now();
    proxy.blackhole();
    const error = (await inFlight.catch((e: unknown) => e)) as SockwireError;
    const detectedAfter = performance.now() - cutAt;
    expect(error.code).toBe(ErrorCode.CONNECTION_LOST);
    expect(error.cause).toMatchObject({ code: ErrorCode.CONNECTION_LOST });
    // Death is declared interval + timeout after the last frame received; up to one interval of
    // silence (plus a tick) may already have passed when the link went dark.
    expect(detectedAfter).toBeLessThanOrEqual(DETECT_MS + SLACK_MS);
    expect(detectedAfter).toBeGreaterThanOrEqual(DETECT_MS - 150);
    const lost = events.find((e) => e.status.state === "reconnecting");
    expect(lost?.status).toMatchObject({
      error: { details: { closeCode: WireCode.HEARTBEAT_TIMEOUT } },
    });
    proxy.resume();
    await until(
      () => client.state === "open" && client.stats().reconnects === 1,
      3000,
      "reconnect",
    );
    console.info(
      `case 15: blackhole detected ${detectedAfter.toFixed(0)} ms after the link went dark (interval + timeout = ${DETECT_MS} ms)`,
    );
  });

  test("a short pause (below interval + timeout) is ridden out: nothing is lost, no reconnect", async () => {
    const got: number[] = [];
    const { port } = await h.server(testContract, HEARTBEAT, (s) =>
      s.on("seq", ({ n }) => void got.push(n)),
    );
    const proxy = await h.proxy(port);
    const client = h.client(testContract, { port: proxy.port, ...HEARTBEAT });
    await client.connect();
    proxy.pause();
    for (let n = 0; n < 20; n++) await client.emit("seq", { n });
    await sleep(120);
    proxy.resume();
    await until(() => got.length === 20);
    expect(got).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(client.state).toBe("open");
    expect(client.stats().reconnects).toBe(0);
  });
});

describe("heartbeat while the server is not reading (backpressure)", () => {
  test("a server whose handlers are slower than the heartbeat timeout keeps its pinging client, and answers every request", async () => {
    const disconnects: string[] = [];
    const { server, port } = await h.server(testContract, { ...HEARTBEAT, maxInFlight: 1 }, (s) =>
      s.handle("sleep", async ({ ms, tag }) => {
        await sleep(ms);
        return { tag };
      }),
    );
    server.onDisconnect((_conn, info) => disconnects.push(info.code));
    const client = h.client(testContract, { port, ...HEARTBEAT });
    await client.connect();
    // Four 350 ms requests, one at a time on the server: reading stays paused for over a second,
    // five times interval + timeout.
    const answers = await Promise.all(
      [1, 2, 3, 4].map((tag) => client.request("sleep", { ms: 350, tag }, { timeoutMs: 5000 })),
    );
    expect(answers).toEqual([{ tag: 1 }, { tag: 2 }, { tag: 3 }, { tag: 4 }]);
    expect(disconnects).toEqual([]);
    expect(client.stats().reconnects).toBe(0);
    expect(client.state).toBe("open");
  });
});
