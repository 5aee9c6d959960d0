import { describe, expect, test } from "vitest";
import { type BackoffSettings, backoffDelay, baseDelay } from "../src/reconnect-policy.js";

const defaults: BackoffSettings = {
  initialDelayMs: 1000,
  factor: 1.6,
  maxDelayMs: 30_000,
  jitter: 0.2,
};

describe("backoffDelay", () => {
  test("the default schedule without jitter: 1 s x1.6 up to 30 s", () => {
    const mid = () => 0.5; // 2 * 0.5 - 1 = 0: no spread
    const schedule = Array.from({ length: 10 }, (_, n) => backoffDelay(n, defaults, mid));
    expect(schedule).toEqual([1000, 1600, 2560, 4096, 6554, 10486, 16777, 26844, 30000, 30000]);
  });

  test("jitter stays within ±20 % of the base, including after the cap", () => {
    for (let n = 0; n < 15; n++) {
      const base = baseDelay(n, defaults);
      expect(backoffDelay(n, defaults, () => 0)).toBe(Math.round(base * 0.8));
      expect(backoffDelay(n, defaults, () => 0.999999999)).toBeLessThanOrEqual(
        Math.round(base * 1.2),
      );
      expect(backoffDelay(n, defaults, () => 0.999999999)).toBeGreaterThan(Math.round(base * 1.19));
    }
  });

  test("random draws spread evenly over the jitter window", () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const samples = Array.from({ length: 4000 }, () => backoffDelay(0, defaults, random));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...samples)).toBeLessThanOrEqual(1200);
    const buckets = [0, 0, 0, 0];
    for (const s of samples) {
      const i = Math.min(3, Math.floor((s - 800) / 100));
      buckets[i] = (buckets[i] ?? 0) + 1;
    }
    for (const count of buckets) expect(count).toBeGreaterThan(800); // 1000 expected per bucket
  });

  test("huge attempt numbers cap instead of overflowing", () => {
    expect(baseDelay(10_000, defaults)).toBe(30_000);
    expect(backoffDelay(Number.MAX_SAFE_INTEGER, defaults, () => 0.5)).toBe(30_000);
  });

  test("out-of-range random values are clamped, never produce negative or NaN delays", () => {
    for (const r of [-1, Number.NaN, 2, 1]) {
      const d = backoffDelay(0, defaults, () => r);
      expect(d).toBeGreaterThanOrEqual(800);
      expect(d).toBeLessThanOrEqual(1200);
    }
  });

  test("no jitter and factor 1 give a constant delay", () => {
    const flat = { initialDelayMs: 250, factor: 1, maxDelayMs: 1000, jitter: 0 };
    for (let n = 0; n < 5; n++) expect(backoffDelay(n, flat)).toBe(250);
  });
});
