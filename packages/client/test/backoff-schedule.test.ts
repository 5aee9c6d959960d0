import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, test, vi } from "vitest";
import { type ClientStatus, createClient, type SockwireClient } from "../src/index.js";
import { type TestContract, testContract } from "./support/contract.js";
import { fakeServer } from "./support/raw-peer.js";

/** A scripted server that can go down and come back on the same port. */
class FlakyServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async up(): Promise<void> {
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      this.sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => this.sockets.delete(socket));
      fakeServer(socket);
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", () => resolve()));
    const address = server.address();
    if (address && typeof address !== "string") this.port = address.port;
    this.server = server;
  }

  async down(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Waits for real I/O (refused connects) without touching the faked timers; bounded by count and wall clock. */
async function ioUntil(predicate: () => boolean, what: string): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < 100_000 && !predicate(); i++) {
    if (performance.now() - start > 5000) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!predicate()) throw new Error(`never saw ${what}`);
}

const flaky = new FlakyServer();
let client: SockwireClient<TestContract> | undefined;

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  client?.destroy();
  await flaky.down();
});

describe("case 25, part 1: the exact reconnect schedule (fake timers)", () => {
  test("delays follow 1 s x1.6 up to 30 s with ±20 % jitter, each attempt starts exactly when its delay ends, and a success resets the schedule", async () => {
    await flaky.up();
    client = createClient(testContract, { port: flaky.port, heartbeatIntervalMs: 0 });
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    await client.connect();

    // A fixed sequence of random draws, covering both ends of the jitter window.
    const draws = [0, 0.999_999, 0.5, 0.25, 0.75, 0, 0.999_999, 0.5, 0, 0.999_999, 0.5];
    let next = 0;
    vi.spyOn(Math, "random").mockImplementation(() => draws[next++ % draws.length] as number);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    await flaky.down();

    const expected = draws.map((r, n) =>
      Math.round(Math.min(30_000, 1000 * 1.6 ** n) * (1 + 0.2 * (2 * r - 1))),
    );
    expect(expected).toEqual([
      800, 1920, 2560, 3686, 7209, 8389, 20133, 26844, 24000, 36000, 30000,
    ]);
    for (let n = 0; n < expected.length; n++) {
      await ioUntil(
        () => statuses.filter((s) => s.state === "reconnecting").length === n + 1,
        `reconnecting #${n + 1}`,
      );
      const status = statuses.at(-1);
      expect(status).toMatchObject({ state: "reconnecting", attempt: n + 1, delayMs: expected[n] });
      const attemptsBefore = statuses.filter((s) => s.state === "connecting").length;
      vi.advanceTimersByTime((expected[n] as number) - 1);
      expect(statuses.filter((s) => s.state === "connecting").length).toBe(attemptsBefore); // not a millisecond early
      vi.advanceTimersByTime(1);
      expect(statuses.at(-1)).toMatchObject({
        state: "connecting",
        attempt: n + 1,
        reconnect: true,
      });
    }

    // The server comes back: the next attempt succeeds, and the schedule starts over.
    await ioUntil(() => statuses.at(-1)?.state === "reconnecting", "the last reconnecting");
    await flaky.up();
    vi.advanceTimersByTime((statuses.at(-1) as { delayMs: number }).delayMs);
    await ioUntil(() => client?.state === "open", "the reconnect");
    expect(client.stats().reconnects).toBe(1);
    next = 0;
    await flaky.down();
    await ioUntil(() => client?.state === "reconnecting", "the second outage");
    expect(statuses.at(-1)).toMatchObject({ state: "reconnecting", attempt: 1, delayMs: 800 });
  });
});
