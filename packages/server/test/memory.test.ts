import { WireCode } from "@sockwire/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { testContract } from "./helpers/contract.js";
import { RawPeer } from "./helpers/raw-peer.js";
import { ServerProcess } from "./helpers/server-process.js";
import { TestClient } from "./helpers/session-client.js";

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(2)} MiB`;

let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe("memory bounds, measured in a separate server process", () => {
  test("slow consumer (case 17): 100 x 1 MiB to a peer that never reads closes it as SLOW_CONSUMER at the cap", async () => {
    server = await ServerProcess.start({ heartbeatIntervalMs: 0 });
    const neighbour = await TestClient.connect(server.port, testContract);
    const peer = await RawPeer.open(
      server.port,
      testContract,
      { maxFrameBytes: 2 * MiB },
      { keepFrames: false },
    );
    try {
      peer.pause();
      const before = await server.memory(true);
      const result = await server.blast(100, MiB);
      const after = await server.memory(true);
      const stats = await server.stats();
      console.info(
        `case 17: closed ${result.code} ${result.closeAfterCrossMs?.toFixed(1)} ms after crossing the cap ` +
          `(${result.closeAfterStartMs?.toFixed(0)} ms after the first send); ${result.sent} frames reached the socket, ` +
          `${result.refused} refused; max queued ${mib(result.maxQueued)}; arrayBuffers peak +${mib(result.peakArrayBuffers - before.arrayBuffers)}, ` +
          `after gc +${mib(after.arrayBuffers - before.arrayBuffers)}`,
      );
      expect(result.code).toBe(WireCode.SLOW_CONSUMER);
      expect(result.closeAfterCrossMs).toBeDefined();
      expect(result.closeAfterCrossMs).toBeLessThan(2000);
      expect(result.sent).toBeLessThan(100);
      expect(result.maxQueued).toBeLessThanOrEqual(8 * MiB);
      // Growth: the 8 MiB queue plus frames the kernel is still sending, never the 100 MiB asked for.
      expect(result.peakArrayBuffers - before.arrayBuffers).toBeLessThanOrEqual(16 * MiB);
      expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(2 * MiB);
      expect(stats.closesByReason.SLOW_CONSUMER).toBe(1);
      expect(stats.disconnects).toBe(1);
      await expect(neighbour.request("echo", { text: "unaffected" })).resolves.toEqual({
        text: "unaffected",
      });
    } finally {
      peer.destroy();
      neighbour.destroy();
    }
  });

  test("oversized prefix (case 2): 1000 attackers announcing 4 GiB frames allocate nothing and are all closed with FRAME_TOO_LARGE", async () => {
    server = await ServerProcess.start();
    const header = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    const before = await server.memory(true);
    await server.sample(true);
    const times: number[] = [];
    // Ten lanes of 100 sequential attackers each.
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 100; i++) {
          const peer = await RawPeer.connect(server?.port ?? 0);
          const start = performance.now();
          peer.write(header);
          await peer.waitClosed(5000);
          times.push(performance.now() - start);
          expect(peer.connectionError()?.code).toBe(WireCode.FRAME_TOO_LARGE);
        }
      }),
    );
    const peak = await server.sample(false);
    const after = await server.memory(true);
    const stats = await server.stats();
    times.sort((a, b) => a - b);
    const p99 = times[Math.floor(times.length * 0.99)] ?? Number.NaN;
    console.info(
      `case 2: 1000 attackers closed, time to close p50 ${times[500]?.toFixed(2)} ms p99 ${p99.toFixed(2)} ms max ${times.at(-1)?.toFixed(2)} ms; ` +
        `arrayBuffers peak +${mib(peak - before.arrayBuffers)}, after gc +${mib(after.arrayBuffers - before.arrayBuffers)}`,
    );
    expect(stats.closesByReason.FRAME_TOO_LARGE).toBe(1000);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(MiB);
    expect(peak - before.arrayBuffers).toBeLessThan(4 * MiB);
    expect(times.at(-1)).toBeLessThan(2000);
  });

  test("churn (case 27): 5000 connect → handshake → request → close cycles, 50 at a time, leave no sockets, timers or heap behind", async () => {
    server = await ServerProcess.start({ handshakeTimeoutMs: 2000 });
    const port = server.port;
    const batch = (round: number) =>
      Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const client = await TestClient.connect(port, testContract);
          await expect(client.request("echo", { text: `${round}:${i}` })).resolves.toEqual({
            text: `${round}:${i}`,
          });
          const info = await client.close();
          expect(info.graceful).toBe(true);
        }),
      );
    // Warm up first, so lazily built structures (JIT code, inline caches) do not count as leaks.
    for (let round = 0; round < 4; round++) await batch(round);
    await settled(server);
    const handlesBefore = await server.handles();
    const before = await server.memory(true);
    const start = performance.now();
    for (let round = 0; round < 100; round++) await batch(round);
    const elapsed = performance.now() - start;
    const stats = await settled(server);
    const after = await server.memory(true);
    // Sockets finish closing on a later turn of the server's loop: wait (bounded) for the counts.
    let handlesAfter = await server.handles();
    for (let waited = 0; waited < 3000; waited += 25) {
      const done = (handlesAfter.TCPSocketWrap ?? 0) === 0;
      if (done && (handlesAfter.Timeout ?? 0) <= (handlesBefore.Timeout ?? 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
      handlesAfter = await server.handles();
    }
    console.info(
      `case 27: 5000 cycles in ${elapsed.toFixed(0)} ms; heapUsed delta ${mib(after.heapUsed - before.heapUsed)}; ` +
        `handles before ${JSON.stringify(handlesBefore)} after ${JSON.stringify(handlesAfter)}`,
    );
    expect(stats).toMatchObject({ connections: 0, handshaking: 0, closing: 0, opened: 5200 });
    expect(stats.closesByReason.NORMAL).toBe(5200);
    expect(handlesAfter.TCPSocketWrap ?? 0).toBe(0);
    expect(handlesAfter.Timeout ?? 0).toBeLessThanOrEqual(handlesBefore.Timeout ?? 0);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(5 * MiB);
  });
});

/** Waits (bounded) until the server process has no socket left in any state. */
async function settled(process: ServerProcess) {
  let stats = await process.stats();
  for (let i = 0; i < 100 && stats.connections + stats.handshaking + stats.closing > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    stats = await process.stats();
  }
  return stats;
}
