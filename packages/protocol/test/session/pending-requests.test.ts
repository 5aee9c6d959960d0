import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ErrorCode, MAX_REQUEST_ID, type SockwireError } from "../../src/index.js";
import { PendingRequests } from "../../src/session/pending-requests.js";

// The table of requests a session sent (both sides use it): every request settles exactly once
// and leaves no timer or listener behind. Timers are fake.
describe("PendingRequests", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const outcome = (promise: Promise<unknown>) =>
    promise.then(
      (value) => ({ ok: true as const, value }),
      (error: SockwireError) => ({ ok: false as const, code: error.code, error }),
    );

  test("an answer settles once; a second answer for the same id is counted as late", async () => {
    const table = new PendingRequests();
    const id = table.allocateId();
    const result = outcome(table.add(id, "echo", { timeoutMs: 1000 }));
    expect(table.size).toBe(1);
    expect(table.resolve(id, "first")).toBe(true);
    expect(table.reject(id, new Error("second"))).toBe(false);
    expect(table.resolve(id, "third")).toBe(false);
    expect(await result).toEqual({ ok: true, value: "first" });
    expect(table.lateResponses).toBe(2);
    expect(table.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a timeout rejects at exactly its deadline, tells the owner (cancel frame) and leaves no timer", async () => {
    const table = new PendingRequests();
    const gaveUp: number[] = [];
    const id = table.allocateId();
    const result = outcome(
      table.add(id, "slow", { timeoutMs: 100, onGiveUp: (i) => gaveUp.push(i) }),
    );
    vi.advanceTimersByTime(99);
    expect(table.size).toBe(1);
    vi.advanceTimersByTime(1);
    expect(await result).toMatchObject({ ok: false, code: ErrorCode.REQUEST_TIMEOUT });
    expect(gaveUp).toEqual([id]);
    expect(table.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(table.resolve(id, "late")).toBe(false);
    expect(table.lateResponses).toBe(1);
  });

  test("different deadlines expire in deadline order, each at its own time", async () => {
    const table = new PendingRequests();
    const settled: string[] = [];
    for (const [name, ms] of [
      ["c", 300],
      ["a", 100],
      ["b", 200],
    ] as const) {
      table
        .add(table.allocateId(), name, { timeoutMs: ms })
        .catch(() => settled.push(`${name}@${Date.now() - start}`));
    }
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(100);
    expect(settled).toEqual(["a@100", "b@200", "c@300"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("abort rejects with ERR_REQUEST_CANCELLED (reason as cause), tells the owner and removes its listener", async () => {
    const table = new PendingRequests();
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, "removeEventListener");
    const gaveUp: number[] = [];
    const id = table.allocateId();
    const result = outcome(
      table.add(id, "x", {
        timeoutMs: 1000,
        signal: controller.signal,
        onGiveUp: (i) => gaveUp.push(i),
      }),
    );
    controller.abort(new Error("stop"));
    const settled = await result;
    expect(settled).toMatchObject({ ok: false, code: ErrorCode.REQUEST_CANCELLED });
    expect((settled as { error: SockwireError }).error.cause).toMatchObject({ message: "stop" });
    expect(gaveUp).toEqual([id]);
    expect(remove).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("an answered request removes its abort listener too", async () => {
    const table = new PendingRequests();
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, "removeEventListener");
    const id = table.allocateId();
    const result = table.add(id, "x", { timeoutMs: 0, signal: controller.signal });
    table.resolve(id, 1);
    await result;
    expect(remove).toHaveBeenCalledTimes(1);
  });

  test("rejectAll settles every pending request once with the error it builds", async () => {
    const table = new PendingRequests();
    const results = ["a", "b", "c"].map((name) =>
      outcome(table.add(table.allocateId(), name, { timeoutMs: 500 })),
    );
    table.rejectAll((name) => Object.assign(new Error(name), { code: ErrorCode.CONNECTION_LOST }));
    expect(
      (await Promise.all(results)).map((r) => (r.ok ? "ok" : `${r.code}:${r.error.message}`)),
    ).toEqual(["ERR_CONNECTION_LOST:a", "ERR_CONNECTION_LOST:b", "ERR_CONNECTION_LOST:c"]);
    expect(table.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000); // nothing left to fire
  });

  test("timeout 0 means none: the request waits until answered", async () => {
    const table = new PendingRequests();
    const id = table.allocateId();
    const result = table.add(id, "x", { timeoutMs: 0 });
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(3_600_000);
    table.resolve(id, "done");
    expect(await result).toBe("done");
  });

  test("ids are never 0, skip ids in use, and wrap after 2^32 - 1", () => {
    const table = new PendingRequests();
    const first = table.allocateId();
    void table.add(first, "x", { timeoutMs: 0 });
    expect(first).toBe(1);
    (table as unknown as { nextId: number }).nextId = MAX_REQUEST_ID;
    expect(table.allocateId()).toBe(MAX_REQUEST_ID);
    expect(table.allocateId()).toBe(2); // 1 is still pending
  });
});
