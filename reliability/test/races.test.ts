import { ErrorCode, isSockwireError } from "@sockwire/protocol";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { reliabilityContract } from "../src/contract.js";
import { until } from "../src/wait.js";
import { client, startServer } from "./support/fixtures.js";

describe("out-of-order responses and close racing with sends (case 19)", () => {
  test("fc.scheduler() releases handlers in random orders and places close() anywhere among them: every answer matches its request, nothing runs or arrives after the close, nothing stays pending (200 runs, ≤ 50 requests)", async () => {
    let scheduler: fc.Scheduler | undefined;
    let started = 0;
    const ran = new Set<number>();
    let finished: number[] = [];
    let reordered = 0;
    const run = await startServer(
      reliabilityContract,
      { authenticate: ({ client: id }) => ({ id }) },
      (s) =>
        s.handle("echo", async ({ n }, conn) => {
          started++;
          ran.add(n);
          void conn.emit("tick", { s: conn.sessionId, n }).catch(() => {});
          await scheduler?.schedule(Promise.resolve(), `answer ${n}`);
          finished.push(n);
          return { n };
        }),
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 50 }),
        fc.boolean(),
        async (s, count, withClose) => {
          runs++;
          scheduler = s;
          started = 0;
          ran.clear();
          finished = [];
          const c = client(reliabilityContract, {
            port: run.port,
            credentials: { client: 1 },
            reconnect: false,
          });
          let closed = false;
          let ticksAfterClose = 0;
          c.on("tick", () => {
            if (closed) ticksAfterClose++;
          });
          c.onStatus((status) => {
            if (status.state === "closed") closed = true;
          });
          await c.connect();
          const answers = Array.from({ length: count }, (_, i) =>
            c.request("echo", { n: i + 1, delayMs: 0 }).then(
              (value) => ({ ok: true as const, value }),
              (error: unknown) => ({ ok: false as const, error }),
            ),
          );
          let late: Promise<unknown> | undefined;
          let closing: Promise<void> | undefined;
          if (withClose) {
            // Released at a random point among the answers: close, then a send that must lose.
            void s.schedule(Promise.resolve(), "close").then(() => {
              closing = c.close();
              late = c.request("echo", { n: 1000, delayMs: 0 }).then(
                () => "delivered",
                (e: unknown) => (isSockwireError(e) ? e.code : "uncoded"),
              );
            });
          }
          await until(() => started === count, "every handler started", 5000);
          await s.waitAll();
          const outcomes = await Promise.all(answers);
          if (finished.some((n, i) => n !== i + 1)) reordered++;
          // A graceful close lets requests already in flight finish: every one is answered.
          expect(outcomes).toEqual(outcomes.map((_, i) => ({ ok: true, value: { n: i + 1 } })));
          await (closing ?? c.close());
          if (withClose) {
            expect([ErrorCode.NOT_CONNECTED, ErrorCode.CONNECTION_CLOSED]).toContain(await late);
            expect(ran.has(1000)).toBe(false);
          }
          expect(ticksAfterClose).toBe(0);
          expect(c.stats().inFlightRequests).toBe(0);
          expect(c.state).toBe("closed");
        },
      ),
      { numRuns: 200, interruptAfterTimeLimit: 40_000, markInterruptAsFailure: false },
    );
    await until(() => run.server.stats().connections === 0, "all connections closed", 5000);
    expect(run.server.stats().inFlightRequests).toBe(0);
    console.info(
      `case 19: ${runs} scheduled runs, ${reordered} with handlers finishing out of order`,
    );
    expect(runs).toBeGreaterThanOrEqual(50);
    expect(reordered).toBeGreaterThan(runs / 4); // the scheduler really did reorder
  }, 60_000);
});
