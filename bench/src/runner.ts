import { Child, RUNTIME } from "./child-process.js";
import type { ClusterResult } from "./cluster.js";
import { type ContenderName, type ServerAddress, STREAMING_ONLY } from "./contenders/types.js";
import { type MachineInfo, machineInfo } from "./machine.js";
import type { Progress } from "./progress.js";
import { SCENARIOS } from "./scenarios/index.js";
import type { Measures, MetricSpec, Params, Scenario, ScenarioName } from "./scenarios/types.js";
import { pairedRatios, type Summary, summarize } from "./stats.js";

/** What to run. */
export interface RunOptions {
  contenders: ContenderName[];
  scenarios: ScenarioName[];
  /** Size factor: 1 for the full run, 0.1 for --quick. */
  scale: number;
  quick: boolean;
  /** Overrides the scenario's repetition count. */
  repetitions?: number | undefined;
  /** Skips the untimed warm-up run (smoke tests). */
  warmup?: boolean;
  /** Limit for one task (server or client side of one run), in ms. */
  taskTimeoutMs: number;
  progress: Progress;
}

/** One scenario's results: every repetition, summaries and sockwire's paired ratios. */
export interface ScenarioResult {
  name: ScenarioName;
  title: string;
  params: Params;
  metrics: MetricSpec[];
  repetitions: number;
  /** Per contender, one entry per repetition (index-aligned across contenders); null = failed. */
  runs: Partial<Record<ContenderName, (Measures | null)[]>>;
  /** Why a contender produced no (or not every) result. */
  failures: Partial<Record<ContenderName, string>>;
  /** Median [min, max] per contender and metric. */
  summary: Partial<Record<ContenderName, Record<string, Summary>>>;
  /** sockwire / peer, computed repetition by repetition, per peer and metric. */
  ratios: Partial<Record<ContenderName, Record<string, Summary>>>;
}

/** A whole run, as written to results/latest.json. */
export interface BenchResults {
  schema: 1;
  date: string;
  quick: boolean;
  scale: number;
  /** "compiled": tsc output on plain node (pnpm bench); "tsx": sources through tsx (tests). */
  runtime: "compiled" | "tsx";
  machine: MachineInfo;
  contenders: { name: ContenderName; label: string }[];
  scenarios: ScenarioResult[];
  durationSeconds: number;
  /** Cross-instance broadcast through Redis (`--scenario cluster`); absent when not run. */
  cluster?: ClusterResult;
  /** Scenarios carried over from earlier runs by a partial run, with the date of their run. */
  earlier?: { scenario: ScenarioName; date: string }[];
}

/** The two processes of one contender for one scenario. */
class Pair {
  private constructor(
    readonly name: ContenderName,
    readonly label: string,
    private readonly server: Child,
    private readonly client: Child,
    private readonly address: ServerAddress,
  ) {}

  static async start(name: ContenderName, timeoutMs: number): Promise<Pair> {
    const server = new Child(`${name} server`);
    const client = new Child(`${name} client`);
    try {
      const seq = server.send({ op: "start-server", contender: name });
      const listening = await server.expect(seq, "listening", timeoutMs);
      return new Pair(name, listening.label, server, client, listening.address);
    } catch (error) {
      await Promise.all([server.stop(), client.stop()]);
      throw error;
    }
  }

  /** One run: arm the server, start the client, collect both sides, let the client clean up. */
  async run(scenario: Scenario, params: Params, timeoutMs: number): Promise<Measures> {
    const serverSeq = this.server.send({ op: "server-task", scenario: scenario.name, params });
    await this.server.expect(serverSeq, "armed", timeoutMs);
    const clientSeq = this.client.send({
      op: "client-task",
      contender: this.name,
      scenario: scenario.name,
      params,
      address: this.address,
    });
    const [server, client] = await Promise.all([
      this.server.expect(serverSeq, "result", timeoutMs),
      this.client.expect(clientSeq, "result", timeoutMs),
    ]);
    const cleanupSeq = this.client.send({ op: "cleanup" });
    await this.client.expect(cleanupSeq, "done", timeoutMs);
    return scenario.combine(server.measures, client.measures, params);
  }

  stop(): Promise<void> {
    return Promise.all([this.client.stop(), this.server.stop()]).then(() => {});
  }
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

function formatMeasures(measures: Measures, metrics: MetricSpec[]): string {
  return metrics.map((m) => `${m.key} ${formatNumber(measures[m.key] ?? Number.NaN)}`).join(", ");
}

/** Compact number for progress lines and tables: 3 significant digits, thousands separated. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString("en-US");
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Repetition order: rotated each time so no contender always runs first (or right after another). */
function rotation<T>(items: T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

async function runScenario(
  scenario: Scenario,
  options: RunOptions,
  labels: Map<ContenderName, string>,
): Promise<ScenarioResult> {
  const { progress, taskTimeoutMs } = options;
  const params = scenario.params(options.scale);
  const contenders = options.contenders.filter((name) =>
    scenario.contenders ? scenario.contenders.includes(name) : !STREAMING_ONLY.includes(name),
  );
  const repetitions =
    options.repetitions ?? (options.quick ? scenario.repetitions.quick : scenario.repetitions.full);
  const result: ScenarioResult = {
    name: scenario.name,
    title: scenario.title,
    params,
    metrics: scenario.metrics,
    repetitions,
    runs: {},
    failures: {},
    summary: {},
    ratios: {},
  };
  for (const name of contenders) result.runs[name] = [];
  const pairs = new Map<ContenderName, Pair>();
  const fail = (name: ContenderName, error: unknown): void => {
    result.failures[name] ??= errorText(error);
    progress.note(`${scenario.name}: ${name} failed: ${errorText(error)}`);
  };
  const startPair = async (name: ContenderName): Promise<Pair | undefined> => {
    try {
      const pair = await Pair.start(name, taskTimeoutMs);
      labels.set(name, pair.label);
      return pair;
    } catch (error) {
      fail(name, error);
      return undefined;
    }
  };
  try {
    if (!scenario.freshProcesses) {
      for (const name of contenders) {
        progress.step(`${scenario.name}: starting ${name}`);
        const pair = await startPair(name);
        if (!pair) continue;
        pairs.set(name, pair);
        if (options.warmup === false) continue;
        progress.step(`${scenario.name}: warm-up ${name}`);
        try {
          // Repeated for the scenario's warm-up time: after one quarter-size run, sockwire's
          // repetitions still got faster one after the other in every throughput scenario (one-way
          // 2.4 to 2.9 million messages/s across five), its hot paths not yet at their steady
          // state; after 3 s they were flat. Every contender gets the same time.
          const until = performance.now() + scenario.warmupSeconds * 1000 * options.scale;
          do await pair.run(scenario, scenario.params(options.scale / 4), taskTimeoutMs);
          while (performance.now() < until);
        } catch (error) {
          fail(name, error);
          pairs.delete(name);
          await pair.stop();
        }
      }
    }
    for (let rep = 0; rep < repetitions; rep++) {
      for (const name of rotation(contenders, rep)) {
        const runs = result.runs[name] as (Measures | null)[];
        if (!scenario.freshProcesses && !pairs.has(name)) {
          runs.push(null);
          continue;
        }
        progress.step(`${scenario.name}: repetition ${rep + 1}/${repetitions} ${name}`);
        const pair = scenario.freshProcesses ? await startPair(name) : pairs.get(name);
        if (!pair) {
          runs.push(null);
          continue;
        }
        try {
          const measures = await pair.run(scenario, params, taskTimeoutMs);
          runs.push(measures);
          progress.step(
            `${scenario.name}: repetition ${rep + 1}/${repetitions} ${name}: ${formatMeasures(measures, scenario.metrics)}`,
          );
        } catch (error) {
          runs.push(null);
          fail(name, error);
          // A pair that failed mid-run is in an unknown state: retire it.
          pairs.delete(name);
          if (!scenario.freshProcesses) await pair.stop();
        }
        if (scenario.freshProcesses) await pair.stop();
      }
    }
  } finally {
    await Promise.all([...pairs.values()].map((pair) => pair.stop()));
  }
  summarise(result);
  return result;
}

function isMeasured(value: number | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Fills `summary` and `ratios` from the recorded repetitions (failed runs and missing metrics skipped). */
export function summarise(result: ScenarioResult): void {
  const metricKeys = result.metrics.map((m) => m.key);
  for (const [name, runs] of Object.entries(result.runs) as [
    ContenderName,
    (Measures | null)[],
  ][]) {
    const perMetric: Record<string, Summary> = {};
    for (const key of metricKeys) {
      const values = runs.map((run) => run?.[key]).filter(isMeasured);
      if (values.length > 0) perMetric[key] = summarize(values);
    }
    if (Object.keys(perMetric).length > 0) result.summary[name] = perMetric;
  }
  const ours = result.runs.sockwire;
  if (!ours) return;
  for (const [name, runs] of Object.entries(result.runs) as [
    ContenderName,
    (Measures | null)[],
  ][]) {
    if (name === "sockwire") continue;
    const perMetric: Record<string, Summary> = {};
    for (const key of metricKeys) {
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < Math.min(ours.length, runs.length); i++) {
        const x = ours[i];
        const y = runs[i];
        // Only repetitions where both sides measured this metric form a pair.
        const ourValue = x?.[key];
        const theirValue = y?.[key];
        if (isMeasured(ourValue) && isMeasured(theirValue)) {
          a.push(ourValue);
          b.push(theirValue);
        }
      }
      if (a.length > 0) perMetric[key] = summarize(pairedRatios(a, b));
    }
    if (Object.keys(perMetric).length > 0) result.ratios[name] = perMetric;
  }
}

/** Runs the selected scenarios for the selected contenders and returns everything measured. */
export async function runBenchmarks(options: RunOptions): Promise<BenchResults> {
  const started = performance.now();
  const labels = new Map<ContenderName, string>();
  const scenarios: ScenarioResult[] = [];
  for (const [index, name] of options.scenarios.entries()) {
    options.progress.step(`scenario ${index + 1}/${options.scenarios.length}: ${name}`);
    const result = await runScenario(SCENARIOS[name], options, labels);
    scenarios.push(result);
    options.progress.note(`${name} done`);
  }
  options.progress.finish();
  return {
    schema: 1,
    date: new Date().toISOString(),
    quick: options.quick,
    scale: options.scale,
    runtime: RUNTIME,
    machine: machineInfo(),
    contenders: options.contenders.map((name) => ({ name, label: labels.get(name) ?? name })),
    scenarios,
    durationSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
