import { ErrorCode, isSockwireError } from "@sockwire/protocol";
import { PendingRequests } from "@sockwire/protocol/internal";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

/**
 * The request table's shared deadline timer (a performance change made for the benchmarks):
 * every request must still time out at its own deadline, exactly once, and no timer may outlive
 * the pending requests.
 */
describe("PendingRequests deadlines", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const outcome = (promise: Promise<unknown>) => {
    const seen: { value?: unknown; error?: unknown; settled: boolean } = { settled: false };
    promise.then(
      (value) => Object.assign(seen, { value, settled: true }),
      (error: unknown) => Object.assign(seen, { error, settled: true }),
    );
    return seen;
  };

  test("each request times out at its own deadline, shorter ones added later first", async () => {
    const table = new PendingRequests();
    const gaveUp: number[] = [];
    const onGiveUp = (id: number) => gaveUp.push(id);
    const slow = outcome(table.add(1, "slow", { timeoutMs: 300, onGiveUp }));
    const fast = outcome(table.add(2, "fast", { timeoutMs: 100, onGiveUp }));
    const mid = outcome(table.add(3, "mid", { timeoutMs: 200, onGiveUp }));
    await vi.advanceTimersByTimeAsync(99);
    expect([slow.settled, fast.settled, mid.settled]).toEqual([false, false, false]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fast.settled).toBe(true);
    expect(isSockwireError(fast.error) && fast.error.code).toBe(ErrorCode.REQUEST_TIMEOUT);
    expect(gaveUp).toEqual([2]);
    await vi.advanceTimersByTimeAsync(100);
    expect(mid.settled).toBe(true);
    expect(slow.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(isSockwireError(slow.error) && slow.error.code).toBe(ErrorCode.REQUEST_TIMEOUT);
    expect(gaveUp).toEqual([2, 3, 1]);
    expect(table.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("an answered request never times out, and no timer is left once nothing is pending", async () => {
    const table = new PendingRequests();
    const onGiveUp = vi.fn();
    const first = outcome(table.add(1, "echo", { timeoutMs: 100, onGiveUp }));
    const second = outcome(table.add(2, "echo", { timeoutMs: 100, onGiveUp }));
    expect(vi.getTimerCount()).toBe(1);
    expect(table.resolve(1, "one")).toBe(true);
    await vi.advanceTimersByTimeAsync(50);
    expect(table.resolve(2, "two")).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(first.value).toBe("one");
    expect(second.value).toBe("two");
    expect(onGiveUp).not.toHaveBeenCalled();
    // A late answer is counted, not delivered.
    expect(table.resolve(2, "again")).toBe(false);
    expect(table.lateResponses).toBe(1);
  });

  test("the timer armed for an answered request re-arms for the next deadline", async () => {
    const table = new PendingRequests();
    const early = outcome(table.add(1, "a", { timeoutMs: 100 }));
    await vi.advanceTimersByTimeAsync(60);
    const late = outcome(table.add(2, "b", { timeoutMs: 100 })); // deadline at 160
    table.resolve(1, "ok");
    await vi.advanceTimersByTimeAsync(40); // the timer for 100 fires and finds nothing expired
    expect(late.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(59);
    expect(late.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(isSockwireError(late.error) && late.error.code).toBe(ErrorCode.REQUEST_TIMEOUT);
    expect(early.value).toBe("ok");
    expect(vi.getTimerCount()).toBe(0);
  });

  test("no timeout (0) arms nothing; rejectAll settles everything", async () => {
    const table = new PendingRequests();
    const open = outcome(table.add(1, "forever", { timeoutMs: 0 }));
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(open.settled).toBe(false);
    table.rejectAll(() => new Error("gone"));
    await vi.advanceTimersByTimeAsync(0);
    expect(open.error).toBeInstanceOf(Error);
    expect(table.size).toBe(0);
  });
});
