import { describe, expect, test } from "vitest";
import { Latencies } from "../src/bench/latencies.js";
import { Pacer } from "../src/bench/pacer.js";

describe("Latencies", () => {
  test("nearest-rank percentiles, exact over every sample, in any order", () => {
    const latencies = new Latencies();
    const values = Array.from({ length: 2000 }, (_, i) => (i % 1000) + 1).reverse();
    for (const value of values) latencies.add(value / 10);
    expect(latencies.summary()).toEqual({
      count: 2000,
      min: 0.1,
      p50: 50,
      p90: 90,
      p99: 99,
      max: 100,
      mean: 50.05,
    });
  });

  test("nothing measured: no summary", () => {
    expect(new Latencies().summary()).toBeUndefined();
  });
});

describe("Pacer", () => {
  test("message n is due n / rate seconds after the start; late ones are due at once", () => {
    const pacer = new Pacer(100, 1000);
    expect(pacer.waitFor(0, 1000)).toBe(0);
    expect(pacer.waitFor(5, 1000)).toBe(50);
    expect(pacer.waitFor(5, 1030)).toBe(20);
    expect(pacer.waitFor(5, 1100)).toBe(0);
  });

  test("no rate: never waits", () => {
    expect(new Pacer(0, 0).waitFor(1e9, 0)).toBe(0);
  });
});
