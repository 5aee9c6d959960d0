import { describe, expect, test } from "vitest";
import { latencySummary, median, pairedRatios, percentile, summarize } from "../src/stats.js";

describe("median", () => {
  test("odd count: the middle value, whatever the input order", () => {
    expect(median([9, 1, 5])).toBe(5);
  });
  test("even count: the mean of the two middle values", () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  test("a single sample is its own median", () => {
    expect(median([7])).toBe(7);
  });
  test("does not reorder the caller's array", () => {
    const samples = [3, 1, 2];
    median(samples);
    expect(samples).toEqual([3, 1, 2]);
  });
  test("sorts numerically, not as strings", () => {
    expect(median([10, 9, 100])).toBe(10);
  });
  test("rejects an empty set and NaN", () => {
    expect(() => median([])).toThrow(RangeError);
    expect(() => median([1, Number.NaN])).toThrow(RangeError);
  });
});

describe("percentile", () => {
  const hundred = Array.from({ length: 101 }, (_, i) => i); // 0..100

  test("on 0..100 the p-th percentile is p", () => {
    expect(percentile(hundred, 0)).toBe(0);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
  });
  test("interpolates linearly between ranks", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20], 25)).toBe(12.5);
    expect(percentile(hundred, 99.9)).toBeCloseTo(99.9, 10);
  });
  test("rejects percentiles outside 0..100", () => {
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
  test("accepts typed arrays", () => {
    expect(percentile(Float64Array.from([5, 1, 3]), 50)).toBe(3);
  });
});

describe("summarize", () => {
  test("median with min, max and count", () => {
    expect(summarize([3, 1, 2, 10])).toEqual({ median: 2.5, min: 1, max: 10, n: 4 });
  });
});

describe("latencySummary", () => {
  test("p50, p99, p99.9, max and mean of a recording", () => {
    const samples = Array.from({ length: 1000 }, (_, i) => i + 1); // 1..1000
    const s = latencySummary(samples);
    expect(s.p50).toBeCloseTo(500.5, 10);
    expect(s.p99).toBeCloseTo(990.01, 10);
    expect(s.p999).toBeCloseTo(999.001, 10);
    expect(s.max).toBe(1000);
    expect(s.mean).toBe(500.5);
    expect(s.count).toBe(1000);
  });
  test("a single outlier moves p99.9 and max but not p50", () => {
    const samples = [...Array.from({ length: 999 }, () => 10), 5000];
    const s = latencySummary(samples);
    expect(s.p50).toBe(10);
    expect(s.max).toBe(5000);
    expect(s.p999).toBeGreaterThan(10);
  });
});

describe("pairedRatios", () => {
  test("divides element by element", () => {
    expect(pairedRatios([10, 12, 9], [5, 4, 3])).toEqual([2, 3, 3]);
  });
  test("rejects sets of different sizes", () => {
    expect(() => pairedRatios([1, 2], [1])).toThrow(RangeError);
  });
});
