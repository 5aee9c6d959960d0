import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ErrorCode } from "../../src/index.js";
import { PingWaiters } from "../../src/session/ping-waiters.js";

// Round trips in flight: a pong settles its own ping with the milliseconds it took; a timeout
// rejects; the end of the connection settles the rest with NaN; no timer outlives its ping.

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("PingWaiters", () => {
  test("each ping gets a fresh id; its pong resolves it with the elapsed ms", async () => {
    const waiters = new PingWaiters();
    const first = waiters.start(1000);
    const second = waiters.start(1000);
    expect([first.id, second.id]).toEqual([1, 2]);
    vi.advanceTimersByTime(12);
    waiters.pong(2);
    vi.advanceTimersByTime(30);
    waiters.pong(1);
    await expect(second.rtt).resolves.toBe(12);
    await expect(first.rtt).resolves.toBe(42);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a pong nobody waits for is ignored, and so is a second one", async () => {
    const waiters = new PingWaiters();
    waiters.pong(0);
    waiters.pong(7);
    const { id, rtt } = waiters.start(1000);
    waiters.pong(id);
    waiters.pong(id);
    await expect(rtt).resolves.toBe(0);
  });

  test("without a pong it rejects with ERR_REQUEST_TIMEOUT at its timeout; a late pong changes nothing", async () => {
    const waiters = new PingWaiters();
    const { id, rtt } = waiters.start(100);
    const settled = rtt.catch((error) => error);
    vi.advanceTimersByTime(99);
    waiters.pong(999);
    vi.advanceTimersByTime(1);
    expect(await settled).toMatchObject({ code: ErrorCode.REQUEST_TIMEOUT });
    waiters.pong(id);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("clear settles every ping with NaN and stops their timers", async () => {
    const waiters = new PingWaiters();
    const pings = [waiters.start(100), waiters.start(200)];
    waiters.clear();
    expect(vi.getTimerCount()).toBe(0);
    for (const { rtt } of pings) await expect(rtt).resolves.toBeNaN();
    const next = waiters.start(100);
    expect(next.id).toBe(3);
    waiters.pong(next.id);
    await expect(next.rtt).resolves.toBe(0);
  });
});
