import { createClient } from "@sockwire/client";
import { expect, test } from "vitest";
import { reliabilityContract } from "../src/contract.js";
import { handleCounts, memoryAfterGc, settledHandles } from "../src/resources.js";
import { until } from "../src/wait.js";
import { serverProcess } from "./support/fixtures.js";

const MiB = 1024 * 1024;
/** Cycles after warm-up: the case's full 5,000 (a few seconds on loopback). */
const CYCLES = 5000;

test(`churn (case 27): ${CYCLES} real-client cycles of connect, handshake, request and close, 50 at a time, leave no socket, timer or heap behind on either side`, async () => {
  const server = await serverProcess({ handshakeTimeoutMs: 2000 }, { keepReports: false });
  const batch = (round: number) =>
    Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const c = createClient(reliabilityContract, {
          port: server.port,
          credentials: { client: round * 50 + i },
          reconnect: false,
        });
        let graceful: boolean | undefined;
        c.onStatus((s) => {
          if (s.state === "closed") graceful = s.graceful;
        });
        await c.connect();
        expect(await c.request("echo", { n: i + 1, delayMs: 0 })).toEqual({ n: i + 1 });
        await c.close();
        expect(graceful).toBe(true);
      }),
    );
  // Warm up first, so lazily built structures (JIT code, caches) are not counted as leaks.
  for (let round = 0; round < 4; round++) await batch(round);
  await until(() => server.reportsReceived === 200, "warm-up connections reported", 10_000);
  const serverHandlesBefore = await server.handles();
  const serverBefore = await server.memory();
  const clientHandlesBefore = handleCounts();
  const clientBefore = memoryAfterGc();
  const start = performance.now();
  for (let round = 0; round < CYCLES / 50; round++) await batch(round + 4);
  const elapsed = performance.now() - start;
  await until(() => server.reportsReceived === 200 + CYCLES, "every connection reported", 10_000);
  // Sockets finish closing on a later turn of the loop: wait (bounded) for the counts to settle.
  const serverHandlesAfter = await settledHandles(serverHandlesBefore, () => server.handles());
  const clientHandlesAfter = await settledHandles(clientHandlesBefore, handleCounts);
  const stats = await server.stats();
  const serverAfter = await server.memory();
  const clientAfter = memoryAfterGc();
  console.info(
    `case 27 (real client): ${CYCLES} cycles in ${elapsed.toFixed(0)} ms; server heapUsed ${((serverAfter.heapUsed - serverBefore.heapUsed) / MiB).toFixed(2)} MiB, ` +
      `client process heapUsed ${((clientAfter.heapUsed - clientBefore.heapUsed) / MiB).toFixed(2)} MiB; ` +
      `server handles ${JSON.stringify(serverHandlesAfter)}`,
  );
  expect(stats).toMatchObject({ connections: 0, handshaking: 0, closing: 0, opened: 200 + CYCLES });
  expect(stats.closesByReason).toEqual({ NORMAL: 200 + CYCLES });
  for (const kind of ["TCPSocketWrap", "Timeout"]) {
    expect(serverHandlesAfter[kind] ?? 0, kind).toBeLessThanOrEqual(serverHandlesBefore[kind] ?? 0);
    expect(clientHandlesAfter[kind] ?? 0, kind).toBeLessThanOrEqual(clientHandlesBefore[kind] ?? 0);
  }
  expect(serverAfter.heapUsed - serverBefore.heapUsed).toBeLessThan(5 * MiB);
  expect(clientAfter.heapUsed - clientBefore.heapUsed).toBeLessThan(5 * MiB);
}, 120_000);
