import { describe, expect, test } from "vitest";
import { renderMarkdown } from "../src/report/markdown.js";
import { renderSvg } from "../src/report/svg.js";
import { meets, TARGETS } from "../src/report/targets.js";
import { type BenchResults, type ScenarioResult, summarise } from "../src/runner.js";
import { SCENARIOS } from "../src/scenarios/index.js";

function oneway(runs: ScenarioResult["runs"]): ScenarioResult {
  const s = SCENARIOS.oneway;
  return {
    name: s.name,
    title: s.title,
    params: { messages: 10 },
    metrics: s.metrics,
    repetitions: 3,
    runs,
    failures: {},
    summary: {},
    ratios: {},
  };
}

function results(scenario: ScenarioResult): BenchResults {
  return {
    schema: 1,
    date: "2026-11-24T12:00:00.000Z",
    quick: false,
    scale: 1,
    runtime: "compiled",
    machine: { cpus: 2, cpuModel: "Test CPU <x>", memGiB: 24, platform: "linux", node: "v20.0.0" },
    contenders: [
      { name: "sockwire", label: "sockwire 0.1.0" },
      { name: "ws", label: "ws 8" },
    ],
    scenarios: [scenario],
    durationSeconds: 1,
  };
}

describe("summarise", () => {
  test("summaries per contender and ratios paired repetition by repetition", () => {
    const result = oneway({
      sockwire: [{ msgsPerSec: 100 }, { msgsPerSec: 300 }, { msgsPerSec: 200 }],
      ws: [{ msgsPerSec: 10 }, { msgsPerSec: 100 }, { msgsPerSec: 50 }],
    });
    summarise(result);
    expect(result.summary.sockwire?.msgsPerSec).toEqual({ median: 200, min: 100, max: 300, n: 3 });
    // Paired: 100/10, 300/100, 200/50 = 10, 3, 4 -> median 4 (not 200/50 of the medians by chance).
    expect(result.ratios.ws?.msgsPerSec).toEqual({ median: 4, min: 3, max: 10, n: 3 });
    expect(result.ratios.sockwire).toBeUndefined();
  });

  test("a metric a run did not report is skipped, not summarised as NaN", () => {
    const result = oneway({
      sockwire: [{ msgsPerSec: 100, receiverMsgsPerSec: 110 }, { msgsPerSec: 200 }],
      ws: [
        { msgsPerSec: 10, receiverMsgsPerSec: 11 },
        { msgsPerSec: 20, receiverMsgsPerSec: 21 },
      ],
    });
    summarise(result);
    expect(result.summary.sockwire?.receiverMsgsPerSec?.n).toBe(1);
    expect(result.ratios.ws?.receiverMsgsPerSec).toEqual({ median: 10, min: 10, max: 10, n: 1 });
    expect(result.ratios.ws?.msgsPerSec?.n).toBe(2);
  });

  test("a failed repetition drops only that pair", () => {
    const result = oneway({
      sockwire: [{ msgsPerSec: 100 }, null, { msgsPerSec: 200 }],
      ws: [{ msgsPerSec: 10 }, { msgsPerSec: 100 }, null],
    });
    summarise(result);
    expect(result.summary.sockwire?.msgsPerSec?.n).toBe(2);
    expect(result.ratios.ws?.msgsPerSec).toEqual({ median: 10, min: 10, max: 10, n: 1 });
  });
});

describe("report", () => {
  const result = oneway({
    sockwire: [{ msgsPerSec: 1_000_000 }, { msgsPerSec: 1_200_000 }, { msgsPerSec: 900_000 }],
    ws: [{ msgsPerSec: 100_000 }, { msgsPerSec: 100_000 }, { msgsPerSec: 100_000 }],
  });
  summarise(result);

  test("markdown names the machine, every contender, and checks the targets it can", () => {
    const md = renderMarkdown(results(result));
    expect(md).toContain("v20.0.0");
    expect(md).toContain("2 × Test CPU <x>");
    expect(md).toContain("| ws 8 | 100,000 [100,000–100,000] | — | 10.00× [9.00–12.00] |");
    expect(md).toContain("| one-way throughput ≥ 10× ws (>= 10) | 10.00× [9.00–12.00] | yes |");
    expect(md).not.toContain("pipelined round trips ≥ 2×");
  });

  test("the SVG is well-formed, escapes text and draws one bar per peer", () => {
    const svg = renderSvg(results(result));
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("Test CPU &lt;x&gt;");
    expect(svg).toContain(">vs ws<");
    expect(svg).toContain("10.0×");
    expect(svg.match(/<rect /g)).toHaveLength(2); // background + one bar
  });
});

describe("targets", () => {
  test("each comparison direction", () => {
    const byOp = (op: string) => {
      const target = TARGETS.find((t) => t.op === op);
      if (!target) throw new Error(`no target with ${op}`);
      return target;
    };
    expect(meets(byOp(">="), 10)).toBe(true);
    expect(meets(byOp(">="), 9.99)).toBe(false);
    const p50 = byOp("<=");
    expect(meets(p50, 1.15)).toBe(true);
    expect(meets(p50, 1.16)).toBe(false);
    expect(meets(byOp("<"), 1)).toBe(false);
    expect(meets(byOp("<"), 0.99)).toBe(true);
  });
});
