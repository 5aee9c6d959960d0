import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { type Resumable, Resumption, type ResumptionLimits } from "../src/resumption.js";

// The server's registry of resumable sessions (PROTOCOL.md 8.6), with stand-in sessions: tokens
// (a presented token lasts until confirm), detached windows, eviction by count and by bytes,
// forget. Timers are fake. Over real sockets: resume.test.ts.

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
});

interface Stub extends Resumable {
  name: string;
  replayBytes: number;
  expire: ReturnType<typeof vi.fn<(reason: "expired" | "evicted") => void>>;
}

const stub = (name: string, replayBytes = 0): Stub => ({ name, replayBytes, expire: vi.fn() });

const roomy: ResumptionLimits = {
  resumeWindowMs: 1000,
  maxDetachedSessions: 100,
  maxDetachedBytes: 1 << 30,
};

const registry = (limits: Partial<ResumptionLimits> = {}) =>
  new Resumption<Stub>({ ...roomy, ...limits });

describe("tokens", () => {
  test("issue gives 128 random bits in base64url (22 characters), a new one each time", () => {
    const r = registry();
    const a = stub("a");
    const tokens = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const token = r.issue(a);
      expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(token, "base64url")).toHaveLength(16);
      tokens.add(token);
    }
    expect(tokens.size).toBe(50);
  });

  test("a token finds its session; a new token replaces the old one; unknown tokens find nothing", () => {
    const r = registry();
    const a = stub("a");
    const b = stub("b");
    const first = r.issue(a);
    const other = r.issue(b);
    expect(r.find(first)).toBe(a);
    expect(r.find(other)).toBe(b);
    const second = r.issue(a);
    expect(r.find(first)).toBeUndefined();
    expect(r.find(second)).toBe(a);
    expect(r.find(other)).toBe(b);
    expect(r.find("AAAAAAAAAAAAAAAAAAAAAA")).toBeUndefined();
  });

  test("the presented token stays valid until confirm, then finds nothing (a replay is refused)", () => {
    const r = registry();
    const a = stub("a");
    const presented = r.issue(a);
    const next = r.issue(a, presented);
    expect(r.find(presented)).toBe(a);
    expect(r.find(next)).toBe(a);
    r.confirm(a);
    expect(r.find(presented)).toBeUndefined();
    expect(r.find(next)).toBe(a);
    r.confirm(a); // twice is harmless
    expect(r.find(next)).toBe(a);
  });

  test("an unconfirmed resume resumed again with the same token: that token stays valid, the unconfirmed one is dropped", () => {
    const r = registry();
    const a = stub("a");
    const presented = r.issue(a);
    const unseen = r.issue(a, presented); // the welcome carrying `unseen` was lost
    const again = r.issue(a, presented);
    expect(r.find(presented)).toBe(a);
    expect(r.find(unseen)).toBeUndefined();
    expect(r.find(again)).toBe(a);
    r.confirm(a);
    expect(r.find(presented)).toBeUndefined();
    expect(r.find(again)).toBe(a);
  });

  test("revoke and forget drop every token of the session, the presented one included", () => {
    const r = registry();
    const a = stub("a");
    const b = stub("b");
    const presented = r.issue(a);
    const next = r.issue(a, presented);
    const bToken = r.issue(b);
    r.revoke(a);
    expect([r.find(presented), r.find(next)]).toEqual([undefined, undefined]);
    const aToken = r.issue(a);
    r.forget(a);
    expect(r.find(aToken)).toBeUndefined();
    expect(r.find(bToken)).toBe(b);
  });
});

describe("detached sessions", () => {
  test("the window passing expires the session once, with 'expired', and revokes its token", () => {
    const r = registry({ resumeWindowMs: 1000 });
    const a = stub("a");
    const token = r.issue(a);
    r.detached(a);
    expect(r.detachedCount).toBe(1);
    vi.advanceTimersByTime(999);
    expect(a.expire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(a.expire).toHaveBeenCalledTimes(1);
    expect(a.expire).toHaveBeenCalledWith("expired");
    expect(r.detachedCount).toBe(0);
    expect(r.find(token)).toBeUndefined();
    vi.advanceTimersByTime(10_000);
    expect(a.expire).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("reattached stops the window; a later detach starts a full window again", () => {
    const r = registry({ resumeWindowMs: 1000 });
    const a = stub("a");
    const token = r.issue(a);
    r.detached(a);
    vi.advanceTimersByTime(900);
    r.reattached(a);
    expect(r.detachedCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(a.expire).not.toHaveBeenCalled();
    expect(r.find(token)).toBe(a);
    r.detached(a);
    vi.advanceTimersByTime(999);
    expect(a.expire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(a.expire).toHaveBeenCalledWith("expired");
  });

  test("detached twice keeps one window, from the second", () => {
    const r = registry({ resumeWindowMs: 1000 });
    const a = stub("a");
    r.issue(a);
    r.detached(a);
    vi.advanceTimersByTime(500);
    r.detached(a);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(999);
    expect(a.expire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(a.expire).toHaveBeenCalledTimes(1);
  });

  test("forget stops the window without expiring, and frees the session's place", () => {
    const r = registry({ maxDetachedSessions: 1 });
    const a = stub("a");
    const b = stub("b");
    r.issue(a);
    r.detached(a);
    r.forget(a);
    expect(r.detachedCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    r.issue(b);
    r.detached(b);
    vi.advanceTimersByTime(500);
    expect(a.expire).not.toHaveBeenCalled();
    expect(b.expire).not.toHaveBeenCalled();
  });
});

describe("eviction", () => {
  test("past maxDetachedSessions the session detached longest ago is evicted", () => {
    const r = registry({ maxDetachedSessions: 2 });
    const [a, b, c] = [stub("a"), stub("b"), stub("c")];
    const tokens = [a, b, c].map((s) => r.issue(s));
    r.detached(a);
    r.detached(b);
    expect(a.expire).not.toHaveBeenCalled();
    r.detached(c);
    expect(a.expire).toHaveBeenCalledTimes(1);
    expect(a.expire).toHaveBeenCalledWith("evicted");
    expect(b.expire).not.toHaveBeenCalled();
    expect(c.expire).not.toHaveBeenCalled();
    expect(r.detachedCount).toBe(2);
    expect(tokens.map((t) => r.find(t)?.name)).toEqual([undefined, "b", "c"]);
    // The evicted session's window timer is gone: it does not expire a second time.
    vi.advanceTimersByTime(10_000);
    expect(a.expire).toHaveBeenCalledTimes(1);
    expect(b.expire).toHaveBeenCalledWith("expired");
  });

  test("the order is that of the last detach: a session detached again moves to the back", () => {
    const r = registry({ maxDetachedSessions: 2 });
    const [a, b, c] = [stub("a"), stub("b"), stub("c")];
    for (const s of [a, b, c]) r.issue(s);
    r.detached(a);
    r.detached(b);
    r.reattached(a);
    r.detached(a);
    r.detached(c);
    expect(b.expire).toHaveBeenCalledWith("evicted");
    expect(a.expire).not.toHaveBeenCalled();
  });

  test("past maxDetachedBytes the oldest are evicted until the rest fit", () => {
    const r = registry({ maxDetachedBytes: 100 });
    const [a, b, c] = [stub("a", 40), stub("b", 40), stub("c", 50)];
    for (const s of [a, b, c]) r.issue(s);
    r.detached(a);
    r.detached(b);
    expect(a.expire).not.toHaveBeenCalled();
    r.detached(c); // 130 bytes: a goes, 90 remain
    expect(a.expire).toHaveBeenCalledWith("evicted");
    expect(b.expire).not.toHaveBeenCalled();
    expect(r.detachedCount).toBe(2);
  });

  test("exactly at the limits nothing is evicted", () => {
    const r = registry({ maxDetachedSessions: 2, maxDetachedBytes: 80 });
    const [a, b] = [stub("a", 40), stub("b", 40)];
    for (const s of [a, b]) r.issue(s);
    r.detached(a);
    r.detached(b);
    expect(a.expire).not.toHaveBeenCalled();
    expect(b.expire).not.toHaveBeenCalled();
  });

  test("one session holding more than maxDetachedBytes is evicted itself", () => {
    const r = registry({ maxDetachedBytes: 100 });
    const big = stub("big", 101);
    r.issue(big);
    r.detached(big);
    expect(big.expire).toHaveBeenCalledWith("evicted");
    expect(r.detachedCount).toBe(0);
  });

  test("with maxDetachedSessions 0 every detached session is evicted at once", () => {
    const r = registry({ maxDetachedSessions: 0 });
    const a = stub("a");
    const token = r.issue(a);
    r.detached(a);
    expect(a.expire).toHaveBeenCalledWith("evicted");
    expect(r.find(token)).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  test("sessions that are not detached are neither counted nor evicted", () => {
    const r = registry({ maxDetachedSessions: 1 });
    const [a, b] = [stub("a"), stub("b")];
    r.issue(a);
    r.issue(b);
    r.detached(b);
    expect(a.expire).not.toHaveBeenCalled();
    expect(b.expire).not.toHaveBeenCalled();
  });
});
