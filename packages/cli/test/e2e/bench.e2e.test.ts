import { beforeAll, describe, expect, test } from "vitest";
import { ExitCode } from "../../src/index.js";
import { ensureBuilt } from "../support/build.js";
import { startShop, TOKEN } from "../support/shop-server.js";
import { Sockwire, sockwire } from "../support/sockwire.js";

// `sockwire bench` through the built bin: requests with latency percentiles, events at full
// speed, a paced run with its progress line, failures counted by code, and Ctrl+C.

const env = { SHOP_CREDENTIALS: JSON.stringify({ token: TOKEN }) };
const auth = ["--credentials-env", "SHOP_CREDENTIALS"];
const order = JSON.stringify({ item: "tea", address: { city: "Lyon", zip: "69001" } });

beforeAll(ensureBuilt, 120_000);

interface Summary {
  kind: string;
  sent: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
  stopped: string;
  msgsPerSec: number;
  payloadBytes: number;
  latencyMs: {
    count: number;
    min: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
  } | null;
}

describe("sockwire bench", () => {
  test("requests: every round trip counted, percentiles in order (JSON summary)", async () => {
    const shop = await startShop({ reflection: true });
    const run = await sockwire(
      "bench",
      shop.address,
      "order",
      order,
      "--count",
      "300",
      "--concurrency",
      "4",
      "--json",
      ...auth,
      { env },
    );
    expect(run.code).toBe(ExitCode.OK);
    const summary = JSON.parse(run.stdout) as Summary;
    expect(summary).toMatchObject({
      kind: "request",
      sent: 300,
      ok: 300,
      failed: 0,
      stopped: "done",
    });
    expect(summary.payloadBytes).toBe(order.length);
    expect(shop.orders).toHaveLength(300);
    const l = summary.latencyMs;
    expect(l?.count).toBe(300);
    expect(l && l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max).toBe(true);
    expect(summary.msgsPerSec).toBeGreaterThan(0);
  });

  test("events at full speed: all of them reach the server; text summary", async () => {
    const shop = await startShop({ reflection: true });
    const run = await sockwire(
      "bench",
      shop.address,
      "note",
      '{"text":"x"}',
      "--count",
      "5000",
      ...auth,
      { env },
    );
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stdout).toMatch(
      /^bench note \(event\) at 127\.0\.0\.1:\d+: 5000 sent, 5000 ok, 0 failed in [\d.]+ s\n {2}\d+ msgs\/s, [\d.]+ MB\/s of payload \(12 bytes each\)\n$/,
    );
    await expect.poll(() => shop.notes.length, { timeout: 5000 }).toBe(5000);
  });

  test("--rate and --duration: paced, with a progress line on stderr once a second", async () => {
    const shop = await startShop({ reflection: true });
    const run = await sockwire(
      "bench",
      shop.address,
      "whoami",
      "--rate",
      "40",
      "--duration",
      "1500ms",
      "--json",
      ...auth,
      { env },
    );
    expect(run.code).toBe(ExitCode.OK);
    const summary = JSON.parse(run.stdout) as Summary;
    expect(summary.stopped).toBe("duration");
    // 40 per second for 1.5 s is 60, give or take the last tick.
    expect(summary.sent).toBeGreaterThanOrEqual(55);
    expect(summary.sent).toBeLessThanOrEqual(62);
    expect(run.stderr).toMatch(/^bench whoami: \d+ sent, \d+ ok, 0 failed, \d+ msgs\/s$/m);
  });

  test("remote errors are counted by code, and exit 6", async () => {
    const shop = await startShop({ reflection: true });
    const run = await sockwire(
      "bench",
      shop.address,
      "fail",
      '{"code":"NOPE"}',
      "--count",
      "20",
      ...auth,
      { env },
    );
    expect(run.code).toBe(ExitCode.REMOTE);
    expect(run.stdout).toContain("20 sent, 0 ok, 20 failed");
    expect(run.stdout).toContain("failed: ERR_REMOTE (NOPE) 20");
  });

  test("Ctrl+C stops early, prints the summary so far, exit 130", async () => {
    const shop = await startShop({ reflection: true });
    const run = new Sockwire(
      ["bench", shop.address, "whoami", "--rate", "100", "--duration", "30s", "--json", ...auth],
      { env, stdin: "" },
    );
    await run.until(({ stderr }) => stderr.includes("bench whoami:"), "a progress line");
    run.signal("SIGINT");
    const done = await run.done;
    expect(done.code).toBe(ExitCode.INTERRUPTED);
    expect((JSON.parse(done.stdout) as Summary).stopped).toBe("interrupted");
  });

  test("a value the contract does not allow: exit 7 before anything is sent", async () => {
    const shop = await startShop({ reflection: true });
    const run = await sockwire("bench", shop.address, "order", "{}", ...auth, { env });
    expect(run.code).toBe(ExitCode.INVALID);
    expect(shop.orders).toEqual([]);
  });
});
