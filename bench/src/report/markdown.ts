import { CLUSTER_MODES, type ClusterResult } from "../cluster.js";
import type { ContenderName } from "../contenders/types.js";
import { type BenchResults, formatNumber, type ScenarioResult } from "../runner.js";
import { type Summary, summarize } from "../stats.js";
import { meets, TARGETS } from "./targets.js";

const cell = (s: Summary | undefined): string =>
  s ? `${formatNumber(s.median)} [${formatNumber(s.min)}–${formatNumber(s.max)}]` : "—";

const ratioCell = (s: Summary | undefined): string =>
  s ? `${s.median.toFixed(2)}× [${s.min.toFixed(2)}–${s.max.toFixed(2)}]` : "—";

function paramsText(result: ScenarioResult): string {
  return Object.entries(result.params)
    .map(([key, value]) => `${key} ${value.toLocaleString("en-US")}`)
    .join(", ");
}

function scenarioTable(result: ScenarioResult, labels: Map<ContenderName, string>): string {
  const head = ["contender", ...result.metrics.map((m) => `${m.label} (${m.unit})`)];
  const ratioMetrics = result.metrics.filter((m) => m.headline);
  head.push(...ratioMetrics.map((m) => `sockwire ÷ peer, ${m.label}`));
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const name of Object.keys(result.runs) as ContenderName[]) {
    const summary = result.summary[name];
    const row = [labels.get(name) ?? name, ...result.metrics.map((m) => cell(summary?.[m.key]))];
    row.push(
      ...ratioMetrics.map((m) =>
        name === "sockwire" ? "1×" : ratioCell(result.ratios[name]?.[m.key]),
      ),
    );
    if (result.failures[name])
      row[0] = `${row[0]} (failed: ${result.failures[name]?.replaceAll("|", "/")})`;
    lines.push(`| ${row.join(" | ")} |`);
  }
  return lines.join("\n");
}

function targetsTable(results: BenchResults): string {
  const lines = ["| target | sockwire ÷ peer, median [min–max] | met |", "|---|---|---|"];
  for (const target of TARGETS) {
    const scenario = results.scenarios.find((s) => s.name === target.scenario);
    const ratio = scenario?.ratios[target.peer]?.[target.metric];
    if (!scenario) continue;
    const met = ratio ? (meets(target, ratio.median) ? "yes" : "**no**") : "not measured";
    lines.push(`| ${target.text} (${target.op} ${target.value}) | ${ratioCell(ratio)} | ${met} |`);
  }
  return lines.join("\n");
}

/** A sentence naming the scenarios a partial run carried over from earlier runs (none: no line). */
function earlierText(results: BenchResults): string[] {
  if (!results.earlier?.length) return [];
  const parts = results.earlier.map((e) => `${e.scenario} (${e.date.slice(0, 10)})`);
  return ["", `Carried over from earlier runs: ${parts.join(", ")}.`];
}

const CLUSTER_MODE_TEXT = {
  single: "single instance (one server, no adapter)",
  "local+redis": "single instance with the Redis adapter (every broadcast also published)",
  cross: "cross-instance (A broadcasts, every client is on B: A → Redis → B → client)",
} as const;

/** The cross-instance section: measured table, or why there are no numbers. */
export function clusterSection(cluster: ClusterResult): string {
  const out = ["## Cross-instance broadcast (Redis)", ""];
  if (cluster.status !== "measured") {
    const what = cluster.status === "skipped" ? "Skipped" : "Failed";
    out.push(
      `${what} in the run of ${cluster.date.slice(0, 10)}: ${cluster.reason}. Run \`pnpm bench --scenario cluster\` where \`redis-server\` is installed.`,
      "",
    );
    return out.join("\n");
  }
  out.push(
    `Run of ${cluster.date.slice(0, 10)} (${cluster.quick ? "quick" : "full"}, ${cluster.durationSeconds} s, Node ${cluster.node}, ${cluster.cpus} CPUs): ` +
      `the broadcasting server sends ${cluster.messages.toLocaleString("en-US")} messages to ${cluster.clients} clients ` +
      `(one client process, each server in its own, one \`redis-server\` on loopback); ${cluster.repetitions} repetitions, ` +
      "modes interleaved in a rotating order. Deliveries/s are timed from the first broadcast to the last delivery; " +
      "ratios are mode ÷ single, repetition by repetition. Measured by @sockwire/redis's benchmark " +
      "(`pnpm --filter @sockwire/redis bench`).",
    "",
    "| mode | deliveries/s | ÷ single instance |",
    "|---|---|---|",
  );
  for (const mode of CLUSTER_MODES) {
    const ratio = mode === "single" ? "1×" : ratioCell(cluster.ratios[mode]);
    out.push(`| ${CLUSTER_MODE_TEXT[mode]} | ${cell(cluster.summary[mode])} | ${ratio} |`);
  }
  out.push("");
  return out.join("\n");
}

/**
 * What a stream costs over plain events, for each sockwire variant: its streamed rate ÷ its
 * events' rate, repetition by repetition, summarised.
 */
function streamCostText(result: ScenarioResult): string[] {
  const lines: string[] = [];
  for (const name of ["sockwire", "sockwire-noresume"] as const) {
    const ratios = (result.runs[name] ?? [])
      .map((run) => (run ? (run.itemsPerSec as number) / (run.pushedPerSec as number) : Number.NaN))
      .filter((r) => Number.isFinite(r));
    if (ratios.length === 0) continue;
    const s = summarize(ratios);
    const pct = (x: number) => `${Math.round(x * 100)} %`;
    lines.push(
      `${name === "sockwire" ? "sockwire" : "sockwire (resumption off)"} streams at ${pct(s.median)} [${pct(s.min)}–${pct(s.max)}] of the rate of the same messages sent as server events.`,
      "",
    );
  }
  return lines;
}

/** The report: machine, one table per scenario, the targets and how the numbers were taken. */
export function renderMarkdown(results: BenchResults): string {
  const labels = new Map(results.contenders.map((c) => [c.name, c.label]));
  const m = results.machine;
  const out: string[] = [
    "# Benchmarks",
    "",
    `Run of ${results.date.slice(0, 10)} (${results.quick ? `quick smoke run, sizes × ${results.scale}` : "full run"}, ` +
      `${results.durationSeconds} s, ${results.runtime === "compiled" ? "tsc-compiled JavaScript" : "TypeScript sources through tsx"}): Node ${m.node} on ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB RAM, ${m.platform}.`,
    "",
    "Every cell is the median of the repetitions with [min–max]. Ratios are sockwire ÷ peer, taken repetition by " +
      "repetition (each repetition runs every contender back to back, in a rotating order) and then summarised, so " +
      "drift on a shared, noisy machine cancels out. For throughput a ratio above 1 is better for sockwire; for " +
      "latency and memory, below 1.",
    ...earlierText(results),
    "",
    "![sockwire against each peer](benchmarks.svg)",
    "",
    "## Targets",
    "",
    targetsTable(results),
    "",
  ];
  for (const scenario of results.scenarios) {
    out.push(
      `## ${scenario.title}`,
      "",
      `${paramsText(scenario)}; ${scenario.repetitions} repetitions.`,
      "",
    );
    out.push(scenarioTable(scenario, labels), "");
    if (scenario.name === "stream") out.push(...streamCostText(scenario));
  }
  if (results.cluster) out.push(clusterSection(results.cluster));
  out.push(
    "## Method",
    "",
    '- Same message everywhere: `{type: "chat", payload: {text: "Client send Message on 2017/4/19 23:15:24", seq}}` ' +
      "(sockwire and socket.io carry `chat` as the event name and `{text, seq}` as the payload).",
    "- Server and client run in separate processes, on 127.0.0.1, connected fresh for every repetition. An untimed " +
      "warm-up precedes the repetitions: a quarter-size run, repeated for at least 3 s at full size (the connect " +
      "scenario: one run; idle: none, its processes are fresh for every repetition), the same for every contender.",
    "- sockwire runs with its defaults: every message validated against its zod schema on both ends (outbound and " +
      "inbound; by zod, or by sockwire's compiled check that accepts only what zod accepts), limits, heartbeats, " +
      "resumable sessions (acknowledgements and replay buffers); `sockwire (resumption off)` is the same with " +
      "resumption off on both ends, and its ratio is what resumption costs. " +
      "net-zod validates with zod on both ends too; net-raw only checks the `type` field.",
    "- One-way: producers honour their library's backpressure (sockwire `hasRoom`/`waitForRoom`, socket " +
      "`writableLength` + `drain`, ws `bufferedAmount`, socket.io's engine queue), 1 MiB mark for all; timed at the " +
      "receiver from first to last message, every sequence number checked.",
    "- Round trips: the server echoes the payload; sockwire uses a contract request, socket.io an acknowledgement, " +
      "the others an id in the body.",
    "- Fan-out: the server uses each library's broadcast (encode once where the library allows) and waits while any " +
      "client's queue is over 1 MiB; deliveries are timed in the client process from first to last.",
    "- Streaming: one stream of N messages from server to client, read in order with `for await` (sockwire: an async " +
      "generator on the server, credit flow control; gRPC: `@grpc/grpc-js` server streaming over HTTP/2, the same JSON " +
      "validated with the same zod schema on both ends); timed in the client from the call to the last item. sockwire " +
      "also receives the same N as plain server events, for the cost of a stream over events.",
    "- Idle: a fresh server process per repetition; RSS and heap are read after two full GCs before and after all " +
      "connections are open and have settled for a second. ws runs the heartbeat its README recommends, socket.io " +
      "and sockwire their built-in ones.",
    "",
  );
  return out.join("\n");
}
