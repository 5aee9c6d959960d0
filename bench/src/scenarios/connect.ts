import { connectRate, openConnectionsTask } from "./open-connections.js";
import { previousClientsGone, type Scenario, scaled, waitFor } from "./types.js";

/**
 * Connect rate of warm processes: the client opens N connections, at most 100 handshakes at once,
 * then closes them all; the same pair of processes runs the untimed warm-up and every repetition,
 * as a long-running server and a client that reconnects would. The idle scenario reports the same
 * loop in fresh processes, where compiling the handshake path is part of the time.
 */
export const scenario: Scenario = {
  name: "connect",
  title: "Connect rate",
  metrics: [
    {
      key: "connectsPerSec",
      label: "connect rate",
      unit: "conn/s",
      better: "higher",
      headline: true,
    },
  ],
  params: (scale) => ({ connections: scaled(5_000, scale, 20), concurrency: 100 }),
  repetitions: { full: 5, quick: 1 },
  freshProcesses: false,
  // One run: repeating it for seconds would leave tens of thousands more sockets in TIME_WAIT.
  warmupSeconds: 0,
  async serverTask(server, params, armed) {
    // Also keeps the last run's teardown out of this run's timing.
    await previousClientsGone(server);
    armed();
    await waitFor(
      () => server.clientCount() >= (params.connections as number),
      "clients",
      120_000,
      5,
    );
    return {};
  },
  clientTask: openConnectionsTask,
  combine(_server, client, params) {
    return { connectsPerSec: connectRate(client, params) };
  },
};
