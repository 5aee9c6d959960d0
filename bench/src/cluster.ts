/**
 * The `cluster` line: cross-instance broadcast (through Redis) against single-instance broadcast,
 * in the same run. The measurement itself is @sockwire/redis's own benchmark
 * (packages/redis/bench/cross-instance.ts), run as a child with `--json`; this module only starts
 * it, bounds it in time, and summarises what it reports the same way as the other scenarios
 * (median [min–max], ratios taken repetition by repetition).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Progress } from "./progress.js";
import { pairedRatios, type Summary, summarize } from "./stats.js";

export const CLUSTER_MODES = ["single", "local+redis", "cross"] as const;
export type ClusterMode = (typeof CLUSTER_MODES)[number];

/** What the cluster line recorded: either skipped with a reason, or measured. */
export type ClusterResult =
  | { status: "skipped"; reason: string; date: string }
  | {
      status: "measured";
      date: string;
      durationSeconds: number;
      quick: boolean;
      clients: number;
      messages: number;
      repetitions: number;
      node: string;
      cpus: number;
      /** Deliveries per second, one entry per repetition, index-aligned across modes. */
      runs: Record<ClusterMode, number[]>;
      /** Median [min, max] deliveries per second per mode. */
      summary: Record<ClusterMode, Summary>;
      /** Mode ÷ single, computed repetition by repetition, per mode. */
      ratios: Record<ClusterMode, Summary>;
    }
  | { status: "failed"; reason: string; date: string };

export interface ClusterOptions {
  quick: boolean;
  repetitions?: number | undefined;
  timeoutMs: number;
  progress: Progress;
}

const REDIS_DIR = fileURLToPath(new URL("../../packages/redis/", import.meta.url));
const SCRIPT = fileURLToPath(
  new URL("../../packages/redis/bench/cross-instance.ts", import.meta.url),
);
/** The redis bench is TypeScript run through tsx; sources only when the suite itself runs them. */
const SOURCE_RUN = !import.meta.url.endsWith(".js");

/** Every cluster child alive, so an interrupted run can kill it. */
const live = new Set<ChildProcess>();

/** Kills a cluster benchmark still running (used on exit and on signals). */
export function killClusterChildren(): void {
  for (const child of live) child.kill("SIGKILL");
  live.clear();
}

function redisServerOnPath(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

/** The JSON line the redis benchmark prints with `--json`. */
interface RedisBenchOutput {
  clients: number;
  messages: number;
  reps: number;
  node: string;
  cpus: number;
  rates: Record<ClusterMode, number[]>;
}

/** Checks the shape of the redis benchmark's JSON line; throws when it is not what we expect. */
export function parseClusterOutput(stdout: string): RedisBenchOutput {
  const line = stdout
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  if (!line) throw new Error("the redis benchmark printed no JSON result");
  const parsed = JSON.parse(line) as Partial<RedisBenchOutput>;
  const reps = parsed.reps;
  if (typeof reps !== "number" || !parsed.rates)
    throw new Error("malformed redis benchmark result");
  for (const mode of CLUSTER_MODES) {
    const rates = parsed.rates[mode];
    if (!Array.isArray(rates) || rates.length !== reps || !rates.every(Number.isFinite))
      throw new Error(`redis benchmark result has no ${reps} rates for ${mode}`);
  }
  return parsed as RedisBenchOutput;
}

/** Summaries and per-repetition ratios against `single` from the raw rates. */
export function summariseCluster(
  rates: Record<ClusterMode, number[]>,
): Pick<Extract<ClusterResult, { status: "measured" }>, "summary" | "ratios"> {
  const summary = {} as Record<ClusterMode, Summary>;
  const ratios = {} as Record<ClusterMode, Summary>;
  for (const mode of CLUSTER_MODES) {
    summary[mode] = summarize(rates[mode]);
    ratios[mode] = summarize(pairedRatios(rates[mode], rates.single));
  }
  return { summary, ratios };
}

function runScript(args: string[], options: ClusterOptions): Promise<string> {
  const nodeArgs = ["--import", "tsx", ...(SOURCE_RUN ? ["--conditions=@sockwire/source"] : [])];
  const child = spawn(process.execPath, [...nodeArgs, SCRIPT, ...args], {
    cwd: REDIS_DIR,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let stdout = "";
  let stderrTail = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderrTail = (stderrTail + text).slice(-2000);
    // The redis bench reports one line per repetition and mode: show it as progress.
    for (const line of text.split("\n")) if (line.trim()) options.progress.step(`cluster: ${line}`);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out after ${options.timeoutMs / 1000} s`));
    }, options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      if (code === 0) resolve(stdout);
      else {
        const last = stderrTail.trim().split("\n").at(-1) ?? "";
        reject(new Error(`redis benchmark exited with ${code ?? signal}: ${last}`));
      }
    });
  });
}

/** Runs the cross-instance benchmark, or records why it was skipped or failed. */
export async function runCluster(options: ClusterOptions): Promise<ClusterResult> {
  const date = new Date().toISOString();
  if (!redisServerOnPath()) {
    const reason = "redis-server is not on PATH (it needs a local Redis to publish through)";
    options.progress.note(`cluster: skipped, ${reason}`);
    return { status: "skipped", reason, date };
  }
  const started = performance.now();
  const args = ["--json"];
  if (options.quick) args.push("--quick");
  if (options.repetitions !== undefined) args.push("--reps", String(options.repetitions));
  try {
    const output = parseClusterOutput(await runScript(args, options));
    return {
      status: "measured",
      date,
      durationSeconds: Math.round((performance.now() - started) / 100) / 10,
      quick: options.quick,
      clients: output.clients,
      messages: output.messages,
      repetitions: output.reps,
      node: output.node,
      cpus: output.cpus,
      runs: output.rates,
      ...summariseCluster(output.rates),
    };
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
    options.progress.note(`cluster: failed: ${reason}`);
    return { status: "failed", reason, date };
  }
}
