import { ChaosProxy } from "../chaos/chaos-proxy.js";
import { FaultInjector, seededRandom } from "../chaos/faults.js";
import { handleCounts, settledHandles } from "../resources.js";
import { ServerProcess } from "../server/server-process.js";
import { eventually, sleep } from "../wait.js";
import { startClientTraffic } from "./client-traffic.js";
import { faultPlan, type SoakOptions, soakOptions } from "./options.js";
import { progressLine } from "./progress.js";
import type { SoakReport } from "./report.js";
import { SoakClient } from "./soak-client.js";
import { verify } from "./verify.js";

/** Where progress lines go (stderr in the CLI, nowhere in tests). */
export type Log = (line: string) => void;

/** Runs `fn` for each item, at most `width` at a time. */
async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += width)
    await Promise.all(items.slice(i, i + width).map(fn));
}

/**
 * The chaos soak: a server in its own process, `clients` real clients connected through a chaos
 * proxy with resumable sessions on (the defaults of both), numbered events and requests flowing
 * both ways while links are delayed, paused, black-holed and cut and the server restarts; then
 * calm, a graceful close of every client, and the invariants of `verify`. Every phase is bounded
 * in time; a wait that runs out (a client that never comes back, a session never reported)
 * becomes a failed invariant with its details, not an exception.
 *
 * @example
 * ```ts
 * const report = await runSoak({ durationMs: 10_000, clients: 30 });
 * if (!report.ok) console.log(formatReport(report));
 * ```
 */
export async function runSoak(
  partial: Partial<SoakOptions> = {},
  log: Log = () => {},
): Promise<SoakReport> {
  const options = soakOptions(partial);
  const random = seededRandom(options.seed);
  const started = performance.now();
  const driverUnhandled: string[] = [];
  const onUnhandled = (error: unknown) => void driverUnhandled.push(String(error));
  process.on("unhandledRejection", onUnhandled);

  const server = await ServerProcess.start({
    tickMs: options.tickMs,
    work:
      options.serverRequestsPerSecond > 0
        ? {
            perSecond: options.serverRequestsPerSecond,
            timeoutMs: options.requestTimeoutMs,
            seed: (options.seed ^ 0x5bd1e995) >>> 0,
          }
        : undefined,
    // Resumption stays at its defaults (window 2 minutes, replay 4 MiB): the soak tests them.
    options: {
      heartbeatIntervalMs: options.heartbeatMs,
      heartbeatTimeoutMs: options.heartbeatMs,
      closeTimeoutMs: 3000,
      handshakeTimeoutMs: 3000,
      maxConnections: Math.max(1000, options.clients * 4),
    },
  });
  let proxy: ChaosProxy | undefined;
  // Both are stopped in `finally` too, so a failed run leaves no interval behind.
  let faults: FaultInjector | undefined;
  let stopTraffic = () => {};
  const clients: SoakClient[] = [];
  try {
    const port = await server.listen(0);
    const serverHandlesBefore = await server.handles();
    const heapBaseline = (await server.memory()).heapUsed;
    const driverHandlesBefore = handleCounts();
    proxy = await ChaosProxy.start({ port });
    for (let i = 0; i < options.clients; i++)
      clients.push(
        new SoakClient(i, {
          port: proxy.port,
          heartbeatMs: options.heartbeatMs,
          requestTimeoutMs: options.requestTimeoutMs,
          closeTimeoutMs: 3000,
        }),
      );
    await inBatches(clients, 50, (c) => c.connect());
    log(`soak: ${clients.length} clients open through the chaos proxy; seed ${options.seed}`);

    // ── chaos phase ──
    faults = new FaultInjector(proxy, faultPlan(options), random);
    stopTraffic = startClientTraffic(clients, options, random);
    faults.start();
    let restarts = 0;
    let rssPeak = 0;
    const restartEvery = options.durationMs / (options.restarts + 1);
    let nextRestart = restartEvery;
    let nextProgress = options.progressMs;
    let nextSample = 0;
    let restarting: Promise<unknown> | undefined;
    const chaosStart = performance.now();
    while (performance.now() - chaosStart < options.durationMs) {
      await sleep(100);
      const elapsed = performance.now() - chaosStart;
      if (!restarting && restarts < options.restarts && elapsed >= nextRestart) {
        nextRestart += restartEvery;
        restarts++;
        restarting = server.restart(options.downMs, 1000).finally(() => {
          restarting = undefined;
        });
      }
      if (elapsed >= nextSample) {
        nextSample += 500;
        const usage = await server.usage().catch(() => undefined);
        rssPeak = Math.max(rssPeak, usage?.rss ?? 0);
        if (options.progressMs > 0 && elapsed >= nextProgress) {
          nextProgress += options.progressMs;
          const stats = await server.stats().catch(() => undefined);
          log(progressLine(elapsed, options, clients, faults.counts, restarts, stats, usage?.rss));
        }
      }
    }

    // ── calm: no more faults or restarts; every client must come back ──
    await restarting;
    faults.calm();
    await eventually(() => clients.every((c) => c.isOpen), 30_000, 20);
    const clientsNotBack = clients
      .filter((c) => !c.isOpen)
      .map((c) => `client ${c.id} still ${c.client.state} 30 s after the chaos`);
    await sleep(1000); // a last stretch of clean traffic on the final sessions
    stopTraffic();
    await eventually(
      () => clients.every((c) => c.ledger.requestsSettled === c.ledger.requestsIssued),
      options.requestTimeoutMs + 10_000,
      20,
    );
    const clientsInFlight = clients.reduce((sum, c) => sum + c.client.stats().inFlightRequests, 0);
    await inBatches(clients, 50, (c) => c.close());
    // Every session a client knew has ended by now (closed, or ended by a restart); the server
    // reports each one. What it still holds detached is ended next: none may be a known one.
    const known = clients.flatMap((c) => [...c.ledger.sessions.keys()]);
    await eventually(() => reported(server, known), 15_000, 20);
    const { ended: detachedAtEnd } = await server.endDetached();
    const final = await server.stats();
    const heapFinal = (await server.memory()).heapUsed;
    const serverHandlesAfter = await settledHandles(serverHandlesBefore, () => server.handles());
    await proxy.close();
    proxy = undefined;
    const driverHandlesAfter = await settledHandles(driverHandlesBefore, handleCounts);
    await server.stop();

    const reconnects = clients.reduce((sum, c) => sum + c.client.stats().reconnects, 0);
    const { checks, figures } = verify(
      clients.map((c) => c.ledger),
      server.reports,
      {
        serverCrashes: server.crashes,
        serverExitedUnexpectedly: server.crashed && server.crashes.length === 0,
        driverUnhandled,
        clientsNotBack,
        detachedAtEnd,
        serverInFlight: {
          inFlightRequests: final.inFlightRequests ?? 0,
          pendingRequests: final.pendingRequests ?? 0,
          connections: (final.connections ?? 0) + (final.handshaking ?? 0) + (final.closing ?? 0),
        },
        clientsInFlight,
        serverHeapDeltaBytes: heapFinal - heapBaseline,
        serverHandlesBefore,
        serverHandlesAfter,
        driverHandlesBefore,
        driverHandlesAfter,
      },
    );
    return {
      ok: checks.every((c) => c.ok),
      options,
      checks,
      figures,
      faults: { ...faults.counts },
      restarts,
      reconnects,
      elapsedMs: performance.now() - started,
      server: { heapBaseline, heapFinal, rssPeak },
    };
  } finally {
    stopTraffic();
    faults?.calm();
    process.off("unhandledRejection", onUnhandled);
    for (const c of clients) c.client.destroy();
    await proxy?.close();
    await server.stop();
  }
}

/** True once the server has reported every session in `ids`. */
function reported(server: ServerProcess, ids: readonly string[]): boolean {
  if (server.reports.length < ids.length) return false;
  const got = new Set(server.reports.map((r) => r.sessionId));
  return ids.every((id) => got.has(id));
}
