import { describe, expect, test } from "vitest";
import { type ClusterResult, parseClusterOutput, summariseCluster } from "../src/cluster.js";
import { mergeResults } from "../src/merge.js";
import { clusterSection, renderMarkdown } from "../src/report/markdown.js";
import { parseCli } from "../src/run.js";
import type { BenchResults, ScenarioResult } from "../src/runner.js";
import type { ScenarioName } from "../src/scenarios/types.js";

const RATES = { single: [200, 100, 300], "local+redis": [100, 80, 150], cross: [100, 50, 240] };

function scenario(name: ScenarioName, value: number): ScenarioResult {
  return {
    name,
    title: name,
    params: { messages: 1 },
    metrics: [{ key: "m", label: "m", unit: "msg/s", better: "higher", headline: true }],
    repetitions: 1,
    runs: { sockwire: [{ m: value }] },
    failures: {},
    summary: {},
    ratios: {},
  };
}

function results(date: string, scenarios: ScenarioResult[], extra: Partial<BenchResults> = {}) {
  const out: BenchResults = {
    schema: 1,
    date,
    quick: false,
    scale: 1,
    runtime: "compiled",
    machine: { cpus: 2, cpuModel: "cpu", memGiB: 1, platform: "linux", node: "v20.0.0" },
    contenders: [{ name: "sockwire", label: "sockwire 0.1.0" }],
    scenarios,
    durationSeconds: 10,
    ...extra,
  };
  return out;
}

const measured: ClusterResult = {
  status: "measured",
  date: "2026-11-25T00:00:00.000Z",
  durationSeconds: 30,
  quick: false,
  clients: 100,
  messages: 2000,
  repetitions: 3,
  node: "v20.0.0",
  cpus: 2,
  runs: RATES,
  ...summariseCluster(RATES),
};

describe("cluster line", () => {
  test("reads the redis benchmark's JSON line and rejects anything else", () => {
    const line = JSON.stringify({
      clients: 2,
      messages: 3,
      reps: 3,
      node: "v",
      cpus: 2,
      rates: RATES,
    });
    expect(parseClusterOutput(`noise\n${line}\n`).rates.cross).toEqual([100, 50, 240]);
    expect(() => parseClusterOutput("| mode | table |\n")).toThrow();
    const short = JSON.stringify({ reps: 3, rates: { ...RATES, cross: [1, 2] } });
    expect(() => parseClusterOutput(short)).toThrow(/cross/);
  });

  test("ratios against single are paired repetition by repetition", () => {
    const { summary, ratios } = summariseCluster(RATES);
    expect(summary.cross).toEqual({ median: 100, min: 50, max: 240, n: 3 });
    // 100/200, 50/100, 240/300 = 0.5, 0.5, 0.8
    expect(ratios.cross).toEqual({ median: 0.5, min: 0.5, max: 0.8, n: 3 });
    expect(ratios.single.median).toBe(1);
  });

  test("the report shows the measured modes, or why the line was skipped", () => {
    const md = clusterSection(measured);
    expect(md).toContain("| cross-instance (A broadcasts");
    expect(md).toContain("| 100 [50.0–240] | 0.50× [0.50–0.80] |");
    const skipped = clusterSection({
      status: "skipped",
      reason: "no redis-server",
      date: "2026-11-25",
    });
    expect(skipped).toContain("Skipped in the run of 2026-11-25: no redis-server.");
    expect(renderMarkdown(results("2026-11-24", [], { cluster: measured }))).toContain(
      "## Cross-instance broadcast (Redis)",
    );
  });

  test("--scenario accepts cluster", () => {
    expect(parseCli(["--scenario", "fanout,cluster"]).scenarios).toEqual(["fanout", "cluster"]);
    expect(() => parseCli(["--scenario", "clusters"])).toThrow(/unknown scenario/);
  });
});

describe("merging a partial run into the results file", () => {
  const previous = results("2026-11-24", [scenario("oneway", 1), scenario("rtt", 2)]);

  test("a cluster-only run keeps every earlier table and its run's details", () => {
    const current = results("2026-11-25", [], { cluster: measured, durationSeconds: 0 });
    const merged = mergeResults(previous, current, { scenarios: [], cluster: true });
    expect(merged).toEqual({ ...previous, cluster: measured });
  });

  test("a partial contender run replaces its scenarios and dates the ones carried over", () => {
    const current = results("2026-11-25", [scenario("rtt", 20)]);
    const merged = mergeResults({ ...previous, cluster: measured }, current, {
      scenarios: ["rtt"],
      cluster: false,
    });
    expect(merged.scenarios.map((s) => [s.name, s.runs.sockwire?.[0]?.m])).toEqual([
      ["oneway", 1],
      ["rtt", 20],
    ]);
    expect(merged.date).toBe("2026-11-25");
    expect(merged.earlier).toEqual([{ scenario: "oneway", date: "2026-11-24" }]);
    expect(merged.cluster).toEqual(measured);
    expect(renderMarkdown(merged)).toContain(
      "Carried over from earlier runs: oneway (2026-11-24).",
    );
  });

  test("runs of another kind or an unreadable file are replaced, not mixed", () => {
    const current = results("2026-11-25", [scenario("rtt", 20)], { quick: true });
    expect(mergeResults(previous, current, { scenarios: ["rtt"], cluster: false })).toBe(current);
    expect(mergeResults({ nope: 1 }, current, { scenarios: ["rtt"], cluster: false })).toBe(
      current,
    );
  });
});
