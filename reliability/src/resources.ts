import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Active libuv resources of this process by type (`TCPSocketWrap`, `Timeout`, ...). */
export function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** Handle kinds whose count must come back to its baseline once a run has closed everything. */
const LEAK_KINDS = ["TCPSocketWrap", "TCPServerWrap", "Timeout"] as const;

/** The leak-relevant handle kinds counted higher in `after` than in `before`. */
export function handlesAbove(
  before: Record<string, number>,
  after: Record<string, number>,
): string[] {
  return LEAK_KINDS.filter((k) => (after[k] ?? 0) > (before[k] ?? 0));
}

/**
 * Polls `read` until no leak-relevant kind is above `before`, or `timeoutMs` passes; returns the
 * last counts. Closing a socket finishes on a later turn of the event loop (later still on a
 * loaded machine), so a single look right after closing can see one that is merely on its way
 * out; one that is still there after the wait is a leak.
 */
export async function settledHandles(
  before: Record<string, number>,
  read: () => Record<string, number> | Promise<Record<string, number>>,
  timeoutMs = 5000,
): Promise<Record<string, number>> {
  const deadline = performance.now() + timeoutMs;
  let after = await read();
  while (handlesAbove(before, after).length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    after = await read();
  }
  return after;
}

let gcFunction: (() => void) | undefined;

/**
 * Runs a full garbage collection a few times. Uses `global.gc` when the process was started with
 * `--expose-gc`, otherwise turns the flag on at run time (V8 allows that) and takes `gc` from a
 * fresh context, so measurements never silently skip collection.
 */
export function collectGarbage(): void {
  if (!gcFunction) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gcFunction = exposed;
    else {
      setFlagsFromString("--expose-gc");
      gcFunction = runInNewContext("gc") as () => void;
    }
  }
  for (let i = 0; i < 4; i++) gcFunction();
}

/** `process.memoryUsage()` after a full collection. */
export function memoryAfterGc(): NodeJS.MemoryUsage {
  collectGarbage();
  return process.memoryUsage();
}

/** Mebibytes with two decimals, for reports. */
export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}

/** The p-th percentile (0-100) of ascending `sorted`, or NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number;
}
