import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { SockwireClient } from "@sockwire/client";
import { type AnyContract, ErrorCode, isSockwireError } from "@sockwire/protocol";
import { Latencies } from "./latencies.js";
import { Pacer } from "./pacer.js";

/** What to run: how many, for how long, how fast, how many requests at once. */
export interface BenchPlan {
  /** Messages to send (`Infinity` with a duration only). */
  readonly count: number;
  /** Stop after this long, if given. */
  readonly durationMs: number | undefined;
  /** Messages per second; 0 = as fast as the connection takes them. */
  readonly rate: number;
  /** Requests in flight at once (requests only). */
  readonly concurrency: number;
  /** Each request's timeout. */
  readonly timeoutMs: number;
  /** Ctrl+C. */
  readonly signal: AbortSignal | undefined;
}

/** Why a run stopped. */
export type Stop = "done" | "duration" | "interrupted" | "lost";

/** What a run did; counters are live while it runs (the progress line reads them). */
export class BenchRun {
  sent = 0;
  ok = 0;
  readonly errors = new Map<string, number>();
  readonly latencies = new Latencies();
  startedAt = performance.now();
  endedAt = 0;
  stop: Stop | undefined;
  /** The error that ended the run when the connection went away. */
  lostBy: unknown;

  failed(error: unknown): void {
    const key = isSockwireError(error)
      ? `${error.code}${error.remoteCode ? ` (${error.remoteCode})` : ""}`
      : String(error);
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  get failures(): number {
    let total = 0;
    for (const n of this.errors.values()) total += n;
    return total;
  }
}

/** Errors after which the connection is gone and the run cannot go on. */
const LOST = new Set<string>([
  ErrorCode.CONNECTION_LOST,
  ErrorCode.CONNECTION_CLOSED,
  ErrorCode.NOT_CONNECTED,
  ErrorCode.OUTBOUND_BUFFER_FULL,
]);

function isLost(error: unknown): boolean {
  return isSockwireError(error) && LOST.has(error.code);
}

/** Checks the stop conditions; sets `run.stop` and returns true once one holds. */
function shouldStop(run: BenchRun, plan: BenchPlan, issued: number): boolean {
  if (run.stop !== undefined) return true;
  if (plan.signal?.aborted) run.stop = "interrupted";
  else if (plan.durationMs !== undefined && performance.now() - run.startedAt >= plan.durationMs) {
    run.stop = "duration";
  } else if (issued >= plan.count) run.stop = "done";
  return run.stop !== undefined;
}

/**
 * Emits `name` as fast as the connection takes it (or at `plan.rate`): events are one way, so
 * the run counts what was handed to the socket, yielding to the event loop every few hundred
 * events so that batches are written and the outbound queue stays under its soft mark.
 */
export async function benchEvents(
  client: SockwireClient<AnyContract>,
  name: string,
  value: unknown,
  plan: BenchPlan,
  run: BenchRun,
): Promise<void> {
  const pacer = new Pacer(plan.rate, run.startedAt);
  let last: Promise<void> | undefined;
  while (!shouldStop(run, plan, run.sent)) {
    const wait = pacer.waitFor(run.sent, performance.now());
    if (wait > 0) {
      await sleep(Math.min(wait, 100));
      continue;
    }
    const sent = client.emit(name as never, value as never);
    if (sent !== last) {
      // Events of one batch share one promise: one handler per batch.
      last = sent;
      sent.then(
        () => {},
        (error: unknown) => lose(run, error),
      );
    }
    run.sent++;
    if (run.sent % 256 === 0) {
      await client.waitForRoom().catch((error: unknown) => lose(run, error));
      await yieldToLoop();
    }
  }
  await last?.catch(() => {});
  run.ok = run.sent; // handed to the socket: all an event promises
  run.endedAt = performance.now();
}

/**
 * Sends `name` from `plan.concurrency` loops, each waiting for its answer before the next, and
 * records every round trip. Errors are counted by code; a lost connection ends the run.
 */
export async function benchRequests(
  client: SockwireClient<AnyContract>,
  name: string,
  input: unknown,
  plan: BenchPlan,
  run: BenchRun,
): Promise<void> {
  const pacer = new Pacer(plan.rate, run.startedAt);
  const loop = async (): Promise<void> => {
    while (!shouldStop(run, plan, run.sent)) {
      const wait = pacer.waitFor(run.sent, performance.now());
      if (wait > 0) {
        await sleep(Math.min(wait, 100));
        continue;
      }
      run.sent++;
      const started = performance.now();
      try {
        await client.request(name as never, input as never, {
          timeoutMs: plan.timeoutMs,
          signal: plan.signal,
        });
        run.latencies.add(performance.now() - started);
        run.ok++;
      } catch (error) {
        if (isLost(error)) lose(run, error);
        else if (!plan.signal?.aborted) run.failed(error); // Ctrl+C cancels what is in flight
      }
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, loop));
  run.endedAt = performance.now();
}

function lose(run: BenchRun, error: unknown): void {
  if (run.stop === "lost") return;
  run.stop = "lost";
  run.lostBy = error;
  run.failed(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
