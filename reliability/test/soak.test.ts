import { describe, expect, test } from "vitest";
import { formatReport } from "../src/soak/report.js";
import { runSoak } from "../src/soak/run-soak.js";

// The CI-sized chaos soak: the same run as `pnpm soak`, shorter and with fewer clients. The long
// one (2 minutes, 200 clients by default) is `pnpm soak`; its figures are in docs/RELIABILITY.md.

describe("chaos soak (CI size)", () => {
  test("30 clients with resumable sessions, 8 s of delays, pauses, black holes, cuts and a server restart: every invariant holds", async () => {
    const report = await runSoak({
      durationMs: 8000,
      clients: 30,
      restarts: 1,
      faultsPerSecond: 4,
      progressMs: 0,
    });
    const text = formatReport(report);
    console.info(`chaos soak (CI size)\n${text}`);
    for (const check of report.checks) expect(check, text).toMatchObject({ ok: true });
    // The run did what it claims: faults of every kind, a restart, sessions resumed after lost
    // links and sessions not resumed after the restart, traffic and requests both ways.
    const f = report.figures;
    expect(report.restarts).toBe(1);
    expect(report.faults.delay + report.faults.pause).toBeGreaterThan(0);
    expect(report.reconnects).toBeGreaterThanOrEqual(30);
    expect(f.resumes).toBeGreaterThan(0);
    expect(f.intactResumed).toBeGreaterThan(0);
    expect(f.failuresByReason.ended ?? 0).toBeGreaterThan(0);
    expect(f.eventsReceived).toBeGreaterThan(1000);
    expect(f.ticksReceived).toBeGreaterThan(500);
    expect(f.requestsOk).toBeGreaterThan(100);
    expect(f.workOk).toBeGreaterThan(50);
    expect(f.eventsLostIntact + f.ticksLostIntact + f.handlersRunTwice).toBe(0);
  }, 90_000);
});
