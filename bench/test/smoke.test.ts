import { existsSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { bench } from "../src/run.js";
import type { BenchResults } from "../src/runner.js";

/**
 * CI smoke test of the real harness: separate server and client processes, real sockets, the
 * cheapest scenario at a tiny size. It checks that the run completes with every message delivered
 * (a lost or reordered message fails the run) and that the output has the documented shape. It
 * asserts no timing: this is a 2-core shared machine.
 */
const OUT = fileURLToPath(new URL("../results/test-smoke.json", import.meta.url));
const CONTENDERS = ["sockwire", "net-raw"] as const;

afterAll(() => rmSync(OUT, { force: true }));

describe("pnpm bench --quick (smoke)", () => {
  test("one-way at a tiny size completes for every contender, with results in the expected shape", async () => {
    const results = await bench({
      quick: true,
      only: [...CONTENDERS],
      scenarios: ["oneway"],
      scale: 0.005, // 1,000 messages
      repetitions: 1,
      warmup: false,
      out: OUT,
      docs: false,
      progress: false,
      taskTimeoutMs: 15_000,
    });
    expect(existsSync(OUT)).toBe(true);
    const written = JSON.parse(readFileSync(OUT, "utf8")) as BenchResults;
    for (const r of [results, written]) {
      expect(r.schema).toBe(1);
      expect(r.quick).toBe(true);
      expect(r.machine.node).toBe(process.version);
      expect(r.contenders.map((c) => c.name)).toEqual([...CONTENDERS]);
      expect(r.scenarios).toHaveLength(1);
      const [oneway] = r.scenarios;
      expect(oneway?.name).toBe("oneway");
      expect(oneway?.params).toEqual({ messages: 1000 });
      expect(oneway?.failures).toEqual({});
      for (const name of CONTENDERS) {
        const runs = oneway?.runs[name];
        expect(runs).toHaveLength(1);
        expect(Number.isFinite(runs?.[0]?.msgsPerSec)).toBe(true);
        expect(oneway?.summary[name]?.msgsPerSec?.n).toBe(1);
      }
    }
  }, 30_000);
});

describe("pnpm bench --scenario connect (smoke)", () => {
  test("the warm connect scenario runs repetition after repetition on one pair of processes", async () => {
    const results = await bench({
      quick: true,
      only: [...CONTENDERS],
      scenarios: ["connect"],
      scale: 0.004, // 20 connections
      repetitions: 2,
      warmup: true,
      out: OUT,
      docs: false,
      progress: false,
      taskTimeoutMs: 15_000,
    });
    const [connect] = results.scenarios;
    expect(connect?.name).toBe("connect");
    expect(connect?.params).toEqual({ connections: 20, concurrency: 100 });
    expect(connect?.failures).toEqual({});
    for (const name of CONTENDERS) {
      const runs = connect?.runs[name];
      expect(runs).toHaveLength(2);
      for (const run of runs ?? []) expect(run?.connectsPerSec).toBeGreaterThan(0);
    }
    expect(connect?.ratios["net-raw"]?.connectsPerSec?.n).toBe(2);
  }, 30_000);
});

describe("pnpm bench --scenario stream (smoke)", () => {
  test("sockwire's stream and events and gRPC's server stream deliver every item; other contenders sit it out", async () => {
    const results = await bench({
      quick: true,
      only: ["sockwire", "net-raw", "grpc"],
      scenarios: ["stream"],
      scale: 0.01, // 2,000 items
      repetitions: 1,
      warmup: false,
      out: OUT,
      docs: false,
      progress: false,
      taskTimeoutMs: 15_000,
    });
    const [stream] = results.scenarios;
    expect(stream?.name).toBe("stream");
    expect(stream?.params).toEqual({ items: 2000 });
    expect(stream?.failures).toEqual({});
    // net-raw has no streams: it does not take part (no runs, no failure).
    expect(Object.keys(stream?.runs ?? {}).sort()).toEqual(["grpc", "sockwire"]);
    const ours = stream?.runs.sockwire?.[0];
    expect(ours?.itemsPerSec).toBeGreaterThan(0);
    expect(ours?.pushedPerSec).toBeGreaterThan(0);
    expect(stream?.runs.grpc?.[0]?.itemsPerSec).toBeGreaterThan(0);
    expect(stream?.ratios.grpc?.itemsPerSec?.n).toBe(1);
  }, 60_000);
});
