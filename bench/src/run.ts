/**
 * `pnpm bench [--quick] [--only a,b] [--scenario x,y] [--reps N] [--scale F] [--out FILE] [--docs]`
 *
 * Runs every contender through every scenario, server and client in separate processes, and
 * writes the results: bench/results/latest.json plus docs/benchmarks.md and docs/benchmarks.svg
 * for a full run; bench/results/quick.json (not committed) for --quick, which leaves the docs
 * alone unless --docs is given. Progress goes to stderr, the summary table to stdout.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { killAllChildren } from "./child-process.js";
import { killClusterChildren, runCluster } from "./cluster.js";
import { contenderAvailable } from "./contenders/index.js";
import { CONTENDER_NAMES, type ContenderName } from "./contenders/types.js";
import { mergeResults } from "./merge.js";
import { Progress } from "./progress.js";
import { renderMarkdown } from "./report/markdown.js";
import { renderSvg } from "./report/svg.js";
import { type BenchResults, runBenchmarks } from "./runner.js";
import { SCENARIO_NAMES, type ScenarioName } from "./scenarios/types.js";

const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REPO_DIR = resolve(BENCH_DIR, "..");

/** Everything `--scenario` accepts: the contender scenarios plus the cross-instance line. */
export const SUITE_NAMES = [...SCENARIO_NAMES, "cluster"] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

/** Everything the command line can set. */
export interface BenchOptions {
  quick?: boolean;
  only?: ContenderName[];
  /** Contender scenarios and/or `cluster` (cross-instance broadcast through Redis). */
  scenarios?: SuiteName[];
  repetitions?: number;
  /** Size factor; defaults to 1 (full) or 0.1 (--quick), divided by $BENCH_SCALE_DIVISOR. */
  scale?: number;
  warmup?: boolean;
  /** Where the JSON goes; defaults to results/latest.json or results/quick.json. */
  out?: string;
  /** Write docs/benchmarks.{md,svg} (default: only for a full run). */
  docs?: boolean;
  /** Show progress on stderr (default true). */
  progress?: boolean;
  taskTimeoutMs?: number;
  /** Re-render docs/benchmarks.{md,svg} from this results file instead of running. */
  render?: string | undefined;
}

function pickList<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  what: string,
): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!allowed.includes(item as T))
      throw new Error(`unknown ${what} "${item}"; expected one of ${allowed.join(", ")}`);
  }
  return items as T[];
}

/** Parses the command line (pnpm passes a literal `--` through; it is skipped). */
export function parseCli(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      quick: { type: "boolean" },
      only: { type: "string" },
      scenario: { type: "string" },
      reps: { type: "string" },
      scale: { type: "string" },
      out: { type: "string" },
      docs: { type: "boolean" },
      "no-warmup": { type: "boolean" },
      render: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(
      "usage: pnpm bench [--quick] [--only sockwire,sockwire-noresume,net-raw,net-zod,ws,socketio,zeromq]\n" +
        "                  [--scenario oneway,rtt,pipelined,fanout,connect,idle,cluster] [--reps N] [--scale F]\n" +
        "                  [--out FILE] [--docs] [--no-warmup] [--render RESULTS.json]\n",
    );
    process.exit(0);
  }
  const number = (text: string | undefined, what: string): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!(value > 0)) throw new Error(`${what} must be a positive number`);
    return value;
  };
  return {
    quick: values.quick ?? false,
    only: pickList(values.only, CONTENDER_NAMES, "contender"),
    scenarios: pickList(values.scenario, SUITE_NAMES, "scenario"),
    repetitions: number(values.reps, "--reps"),
    scale: number(values.scale, "--scale"),
    out: values.out,
    docs: values.docs,
    warmup: values["no-warmup"] ? false : undefined,
    render: values.render,
  };
}

/** The results file's current content, or undefined when it is missing or unreadable. */
function readPrevious(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

function writeDocs(results: BenchResults): void {
  mkdirSync(resolve(REPO_DIR, "docs"), { recursive: true });
  writeFileSync(resolve(REPO_DIR, "docs", "benchmarks.md"), renderMarkdown(results));
  writeFileSync(resolve(REPO_DIR, "docs", "benchmarks.svg"), renderSvg(results));
}

/** Runs the benchmark with `options` and writes its outputs; returns the results. */
export async function bench(options: BenchOptions = {}): Promise<BenchResults> {
  const quick = options.quick ?? false;
  const divisor = Number(process.env.BENCH_SCALE_DIVISOR ?? "1") || 1;
  const scale = (options.scale ?? (quick ? 0.1 : 1)) / divisor;
  const progress = new Progress(process.stderr, options.progress ?? true);
  // --quick leaves the cluster line out unless it is named: it starts redis-server and five more
  // processes per repetition, and the quick run has to stay under a minute.
  const selected = options.scenarios ?? (quick ? [...SCENARIO_NAMES] : [...SUITE_NAMES]);
  const scenarios = selected.filter((name): name is ScenarioName => name !== "cluster");
  const wanted = scenarios.length > 0 ? (options.only ?? [...CONTENDER_NAMES]) : [];
  const taskTimeoutMs = options.taskTimeoutMs ?? (quick ? 30_000 : 180_000);
  const contenders: ContenderName[] = [];
  for (const name of wanted) {
    if (await contenderAvailable(name)) contenders.push(name);
    else progress.note(`${name} is not installed here; skipped`);
  }
  const results = await runBenchmarks({
    contenders,
    scenarios,
    scale,
    quick,
    repetitions: options.repetitions,
    warmup: options.warmup ?? true,
    taskTimeoutMs,
    progress,
  });
  if (selected.includes("cluster")) {
    progress.step("cluster: cross-instance broadcast through Redis");
    // The redis benchmark runs every mode and repetition in one child: give it one limit per run.
    const reps = options.repetitions ?? (quick ? 2 : 5);
    results.cluster = await runCluster({
      quick,
      repetitions: options.repetitions,
      timeoutMs: taskTimeoutMs * (reps * 3 + 1),
      progress,
    });
    progress.finish();
  }
  const out = resolve(
    options.out ?? resolve(BENCH_DIR, "results", quick ? "quick.json" : "latest.json"),
  );
  mkdirSync(dirname(out), { recursive: true });
  const previous = readPrevious(out);
  const merged = mergeResults(previous, results, {
    scenarios,
    cluster: selected.includes("cluster"),
  });
  writeFileSync(out, `${JSON.stringify(merged, null, 2)}\n`);
  if (options.docs ?? !quick) writeDocs(merged);
  return results;
}

async function main(): Promise<void> {
  const stop = (signal: string): void => {
    killAllChildren();
    killClusterChildren();
    process.stderr.write(`\ninterrupted (${signal})\n`);
    process.exit(130);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("exit", () => {
    killAllChildren();
    killClusterChildren();
  });
  const options = parseCli(process.argv.slice(2));
  if (options.render) {
    writeDocs(JSON.parse(readFileSync(resolve(options.render), "utf8")) as BenchResults);
    return;
  }
  const results = await bench(options);
  process.stdout.write(renderMarkdown(results));
  const failures = results.scenarios.flatMap((s) =>
    Object.keys(s.failures).map((name) => `${s.name}/${name}`),
  );
  if (results.cluster?.status === "failed") failures.push("cluster");
  if (failures.length > 0) {
    process.stderr.write(`failed: ${failures.join(", ")}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    killAllChildren();
    killClusterChildren();
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
