import { ChaosProxy } from "../chaos/chaos-proxy.js";
import { FaultInjector, seededRandom } from "../chaos/faults.js";
import { handleCounts, settledHandles } from "../resources.js";
import { ServerProcess } from "../server/server-process.js";
import { sleep, until } from "../wait.js";
import { faultPlan, type SoakOptions, soakOptions } from "./options.js";
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
 * proxy, numbered events and requests flowing both ways while links are delayed, paused,
 * black-holed and cut and the server restarts; then calm, a graceful close of every client, and
 * the invariants of `verify`. Every phase is bounded in time.
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
    stopTraffic = startTraffic(clients, options, random);
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
          log(
            progressLine(
              elapsed,
              options,
              clients,
              faults.counts,
              restarts,
              stats?.connections,
              usage?.rss,
            ),
          );
        }
      }
    }

    // ── calm: no more faults or restarts; every client must come back ──
    await restarting;
    faults.calm();
    await until(
      () => clients.every((c) => c.isOpen),
      "every client open again after the chaos",
      30_000,
      20,
    );
    await sleep(1000); // a last stretch of clean traffic on the final connections
    stopTraffic();
    await until(
      () => clients.every((c) => c.ledger.requestsSettled === c.ledger.requestsIssued),
      "every request settled",
      options.requestTimeoutMs + 10_000,
      20,
    );
    const clientsInFlight = clients.reduce((sum, c) => sum + c.client.stats().inFlightRequests, 0);
    await inBatches(clients, 50, (c) => c.close());
    const sessions = clients.reduce((sum, c) => sum + c.ledger.sessions.length, 0);
    await until(() => server.reports.length >= sessions, "every connection reported", 15_000, 20);
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

/**
 * Drives the traffic: every 10 ms each client emits and requests with the probability that gives
 * its per-second rates, so 200 clients cost one timer. Returns the stop function.
 */
function startTraffic(
  clients: SoakClient[],
  options: SoakOptions,
  random: () => number,
): () => void {
  const stepMs = 10;
  const eventChance = (options.eventsPerSecond * stepMs) / 1000;
  const requestChance = (options.requestsPerSecond * stepMs) / 1000;
  const timer = setInterval(() => {
    for (const client of clients) {
      if (random() < eventChance) client.sendEvent();
      if (random() < requestChance) {
        // Mostly quick answers, some slow, a few past the request timeout (late answers).
        const r = random();
        client.sendRequest(
          r < 0.9 ? Math.floor(random() * 20) : r < 0.98 ? 100 + Math.floor(random() * 300) : 3000,
        );
      }
    }
  }, stepMs);
  return () => clearInterval(timer);
}

function progressLine(
  elapsed: number,
  options: SoakOptions,
  clients: SoakClient[],
  faults: Record<string, number>,
  restarts: number,
  serverConnections: number | undefined,
  serverRss: number | undefined,
): string {
  let open = 0;
  let accepted = 0;
  let requests = 0;
  let ok = 0;
  for (const c of clients) {
    if (c.isOpen) open++;
    accepted += c.ledger.accepted.size;
    requests += c.ledger.requestsSettled;
    ok += c.ledger.requestsOk;
  }
  const f = faults as Record<"delay" | "pause" | "blackhole" | "cut", number>;
  return (
    `[soak ${(elapsed / 1000).toFixed(0).padStart(4)}s/${(options.durationMs / 1000).toFixed(0)}s] ` +
    `open ${open}/${clients.length}, server ${serverConnections ?? "?"} conns | ` +
    `events accepted ${accepted.toLocaleString("en-US")} | requests ${requests.toLocaleString("en-US")} settled, ${requests ? ((100 * ok) / requests).toFixed(1) : "0"} % ok | ` +
    `faults delay ${f.delay} pause ${f.pause} blackhole ${f.blackhole} cut ${f.cut} | restarts ${restarts}/${options.restarts} | ` +
    `server rss ${serverRss === undefined ? "?" : (serverRss / 1048576).toFixed(0)} MiB`
  );
}
