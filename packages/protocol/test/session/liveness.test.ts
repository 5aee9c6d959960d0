import { describe, expect, test } from "vitest";
import { agreeHeartbeat, Liveness } from "../../src/session/liveness.js";

// Liveness is pure: every verdict is a function of the times it was told about, so these tests
// pass times by hand instead of running a clock.

const heartbeat = { intervalMs: 100, timeoutMs: 100 };
const off = { intervalMs: 0, timeoutMs: 0 };

/** The verdicts of `check` at each time, in order. */
const verdicts = (liveness: Liveness, times: number[]) => times.map((t) => liveness.check(t));

describe("check(now)", () => {
  test("with the heartbeat off nothing is ever due", () => {
    const liveness = new Liveness(off, 0, 2, 0);
    expect(verdicts(liveness, [0, 1000, 3_600_000])).toEqual(["ok", "ok", "ok"]);
  });

  test("after an interval of silence one ping; after interval + timeout the peer is dead", () => {
    const liveness = new Liveness(heartbeat, 0, 2, 0);
    expect(verdicts(liveness, [99, 100, 150, 199, 200])).toEqual([
      "ok",
      "ping",
      "ok", // one ping per silence
      "ok",
      "dead",
    ]);
  });

  test("anything received restarts both clocks and allows the next ping", () => {
    const liveness = new Liveness(heartbeat, 0, 2, 0);
    expect(liveness.check(100)).toBe("ping");
    liveness.received(150);
    expect(verdicts(liveness, [249, 250, 349, 350])).toEqual(["ok", "ping", "ok", "dead"]);
  });

  test("timeout 0 turns off the dead verdict only", () => {
    const liveness = new Liveness({ intervalMs: 100, timeoutMs: 0 }, 0, 2, 0);
    expect(verdicts(liveness, [100, 200, 100_000])).toEqual(["ping", "ok", "ok"]);
    liveness.received(100_000);
    expect(liveness.check(100_100)).toBe("ping");
  });

  test("setHeartbeat applies from the next check", () => {
    const liveness = new Liveness(off, 0, 2, 0);
    expect(liveness.check(500)).toBe("ok");
    liveness.setHeartbeat(heartbeat);
    expect(liveness.check(500)).toBe("dead");
  });

  test("a partial frame held past the frame deadline is frame-stalled, before any heartbeat verdict", () => {
    const liveness = new Liveness(heartbeat, 50, 2, 0);
    liveness.partialSince = 10;
    expect(verdicts(liveness, [60, 61])).toEqual(["ok", "frame-stalled"]);
    expect(liveness.check(1000)).toBe("frame-stalled");
    liveness.partialSince = -1;
    expect(liveness.check(1000)).toBe("dead");
    const noDeadline = new Liveness(off, 0, 2, 0);
    noDeadline.partialSince = 0;
    expect(noDeadline.check(1_000_000)).toBe("ok");
  });
});

describe("pause() and resume()", () => {
  test("while paused the peer is never dead and gets a ping every interval", () => {
    const liveness = new Liveness(heartbeat, 50, 2, 0);
    liveness.partialSince = 0;
    liveness.pause();
    expect(liveness.partialSince).toBe(-1);
    expect(verdicts(liveness, [99, 100, 150, 199, 200, 5000, 5099, 5100])).toEqual([
      "ok",
      "ping",
      "ok",
      "ok",
      "ping",
      "ping",
      "ok",
      "ping",
    ]);
  });

  test("paused with the heartbeat off: nothing is due", () => {
    const liveness = new Liveness(off, 50, 2, 0);
    liveness.pause();
    expect(liveness.check(1_000_000)).toBe("ok");
  });

  test("resume starts the clocks afresh", () => {
    const liveness = new Liveness(heartbeat, 0, 2, 0);
    liveness.pause();
    liveness.resume(5000);
    expect(liveness.lastReceivedAt).toBe(5000);
    expect(verdicts(liveness, [5099, 5100, 5199, 5200])).toEqual(["ok", "ping", "ok", "dead"]);
  });
});

describe("ping strikes", () => {
  test("pings closer than the minimum gap are strikes; past maxPingStrikes the peer is refused", () => {
    const liveness = new Liveness(off, 0, 2, 0); // heartbeat off: the gap is 1 s
    expect([0, 500, 600, 700].map((t) => liveness.pingReceived(t))).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  test("a well-spaced ping clears the strikes", () => {
    const liveness = new Liveness(off, 0, 2, 0);
    expect([0, 10, 20, 1020, 1030, 1040].map((t) => liveness.pingReceived(t))).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(liveness.pingReceived(1050)).toBe(false);
  });

  test("the gap is half the interval, at most 1 s", () => {
    const short = new Liveness(heartbeat, 0, 0, 0);
    expect([0, 50, 99].map((t) => short.pingReceived(t))).toEqual([true, true, false]);
    const long = new Liveness({ intervalMs: 60_000, timeoutMs: 0 }, 0, 0, 0);
    expect([0, 1000, 1999].map((t) => long.pingReceived(t))).toEqual([true, true, false]);
  });

  test("with maxPingStrikes 0 the first strike refuses", () => {
    const liveness = new Liveness(off, 0, 0, 0);
    expect([0, 1].map((t) => liveness.pingReceived(t))).toEqual([true, false]);
  });
});

describe("agreeHeartbeat", () => {
  test.each([
    [off, off, off],
    [{ intervalMs: 25_000, timeoutMs: 20_000 }, off, { intervalMs: 25_000, timeoutMs: 20_000 }],
    [off, { intervalMs: 5, timeoutMs: 7 }, { intervalMs: 5, timeoutMs: 7 }],
    [
      { intervalMs: 10, timeoutMs: 20 },
      { intervalMs: 30, timeoutMs: 5 },
      { intervalMs: 10, timeoutMs: 5 },
    ],
    [
      { intervalMs: 0, timeoutMs: 5 },
      { intervalMs: 7, timeoutMs: 0 },
      { intervalMs: 7, timeoutMs: 5 },
    ],
    [
      { intervalMs: -1, timeoutMs: 0 },
      { intervalMs: -5, timeoutMs: 3 },
      { intervalMs: 0, timeoutMs: 3 },
    ],
  ])("%o and %o agree on %o, whichever proposes", (a, b, agreed) => {
    expect(agreeHeartbeat(a, b)).toEqual(agreed);
    expect(agreeHeartbeat(b, a)).toEqual(agreed);
  });
});
