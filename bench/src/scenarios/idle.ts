import { connectRate, openConnectionsTask } from "./open-connections.js";
import { type Scenario, scaled, waitFor } from "./types.js";

/** Settling time after the last connection, so handshakes and first timers have run. */
const SETTLE_MS = 1000;
const gc = (globalThis as { gc?: () => void }).gc;

function collect(): void {
  gc?.();
  gc?.();
}

/**
 * Idle connections: the client opens N connections, at most 100 connecting at once, each
 * completing its library's handshake. The server process, fresh for each repetition, reports its
 * RSS growth per connection once all are open and settled (after a full GC, so garbage does not
 * count). The connect rate is timed here too, but in processes that have not run the handshake
 * before (no warm-up: it would leave memory behind); the connect scenario times it warm.
 */
export const scenario: Scenario = {
  name: "idle",
  title: "Idle connections",
  metrics: [
    {
      key: "rssPerConn",
      label: "server RSS per idle connection",
      unit: "KiB",
      better: "lower",
      headline: true,
    },
    {
      key: "heapPerConn",
      label: "server JS heap per idle connection",
      unit: "KiB",
      better: "lower",
    },
    {
      key: "externalPerConn",
      label: "server external memory per idle connection",
      unit: "KiB",
      better: "lower",
    },
    {
      key: "connectsPerSec",
      label: "connect rate, fresh processes",
      unit: "conn/s",
      better: "higher",
    },
  ],
  params: (scale) => ({ connections: scaled(5_000, scale, 20), concurrency: 100 }),
  repetitions: { full: 3, quick: 1 },
  freshProcesses: true,
  warmupSeconds: 0,
  async serverTask(server, params, armed) {
    const connections = params.connections as number;
    collect();
    const before = process.memoryUsage();
    armed();
    await waitFor(() => server.clientCount() >= connections, "idle clients", 120_000, 10);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    collect();
    const after = process.memoryUsage();
    return {
      rssPerConn: (after.rss - before.rss) / 1024 / connections,
      heapPerConn: (after.heapUsed - before.heapUsed) / 1024 / connections,
      externalPerConn: (after.external - before.external) / 1024 / connections,
      gcAvailable: gc ? 1 : 0,
    };
  },
  clientTask: openConnectionsTask,
  combine(server, client, params) {
    const connectsPerSec = connectRate(client, params);
    return {
      rssPerConn: server.rssPerConn as number,
      heapPerConn: server.heapPerConn as number,
      externalPerConn: server.externalPerConn as number,
      connectsPerSec,
    };
  },
};
