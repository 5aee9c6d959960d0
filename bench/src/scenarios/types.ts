import type { BenchServer, Contender, ContenderName, ServerAddress } from "../contenders/types.js";

export const SCENARIO_NAMES = [
  "oneway",
  "rtt",
  "pipelined",
  "fanout",
  "stream",
  "connect",
  "idle",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Sizes of one scenario run; plain numbers so they cross the IPC channel as they are. */
export type Params = Record<string, number>;
/** Numbers a task reports. */
export type Measures = Record<string, number>;

/** One number the report shows for a scenario. */
export interface MetricSpec {
  key: string;
  label: string;
  unit: string;
  /** Whether sockwire wins by being higher (throughput) or lower (latency, memory). */
  better: "higher" | "lower";
  /** The metric the chart plots for this scenario. */
  headline?: boolean;
}

/** What a client task leaves open until the orchestrator says the server has measured. */
export interface ClientOutcome {
  measures: Measures;
  cleanup(): Promise<void>;
}

/**
 * A benchmark scenario. Both child processes load the same module: the server process runs
 * `serverTask` against its contender's server, the client process runs `clientTask`, and the
 * orchestrator merges what both report with `combine`. `armed()` tells the orchestrator the
 * server is ready for the client to start.
 */
export interface Scenario {
  name: ScenarioName;
  title: string;
  metrics: MetricSpec[];
  /** Sizes at `scale` (1 for the full run, 0.1 for --quick). */
  params(scale: number): Params;
  /** Repetitions at full and quick scale. */
  repetitions: { full: number; quick: number };
  /** Memory measurements need a process that has done nothing else: one pair per repetition. */
  freshProcesses: boolean;
  /**
   * Least time, in seconds at full size (scaled with the size factor), that the untimed warm-up
   * takes: its quarter-size run is repeated until then. 0 for a single run. Ignored with fresh
   * processes, which get no warm-up.
   */
  warmupSeconds: number;
  /**
   * The contenders that take part; absent: every contender but those that only stream
   * (`STREAMING_ONLY`).
   */
  contenders?: readonly ContenderName[];
  serverTask(server: BenchServer, params: Params, armed: () => void): Promise<Measures>;
  clientTask(contender: Contender, address: ServerAddress, params: Params): Promise<ClientOutcome>;
  /** Fails the run (throws) when a message was lost or out of order; returns the metrics. */
  combine(server: Measures, client: Measures, params: Params): Measures;
}

/**
 * A timestamp in milliseconds that both child processes read from the same clock (the wall clock
 * at process start plus the monotonic clock since), so a span can start in one process and end
 * in the other: from the producer's first send to the receiver's last message.
 */
export function sharedClock(): number {
  return performance.timeOrigin + performance.now();
}

/** Sizes never drop below these, whatever the scale, so a tiny run still measures something. */
export function scaled(value: number, scale: number, min = 1): number {
  return Math.max(min, Math.round(value * scale));
}

/** Resolves when `condition()` holds, polling every `everyMs`; rejects after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 60_000,
  everyMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Resolves once the server counts no clients. A run's clients close asynchronously after it;
 * counted with the next run's, they would let that run start before its own clients are all there.
 */
export function previousClientsGone(server: { clientCount(): number }): Promise<void> {
  return waitFor(() => server.clientCount() === 0, "previous clients to close", 60_000, 10);
}

/** Closes clients in batches, so a run of thousands does not stampede the server. */
export async function closeAll(clients: { close(): Promise<void> }[], batch = 200): Promise<void> {
  for (let i = 0; i < clients.length; i += batch) {
    await Promise.allSettled(clients.slice(i, i + batch).map((client) => client.close()));
  }
}
