import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { IntRanges } from "../src/ranges.js";

test("in-order appends collapse into one range; gaps start new ones", () => {
  const set = new IntRanges();
  for (let n = 1; n <= 1000; n++) set.add(n);
  set.add(1002);
  expect(set.toJSON()).toEqual([1, 1000, 1002, 1002]);
  expect(set.size).toBe(1001);
  expect(set.add(500)).toBe(false);
  expect(set.has(1001)).toBe(false);
});

test.prop([fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 400 })], { numRuns: 300 })(
  "behaves like a Set of numbers, whatever the insertion order",
  (numbers) => {
    const set = new IntRanges();
    const reference = new Set<number>();
    for (const n of numbers) {
      const fresh = !reference.has(n);
      reference.add(n);
      expect(set.add(n)).toBe(fresh);
    }
    expect([...set.values()]).toEqual([...reference].sort((a, b) => a - b));
    expect(set.size).toBe(reference.size);
    const copy = new IntRanges(set.toJSON());
    expect([...copy.values()]).toEqual([...set.values()]);
    const other = new IntRanges();
    for (const n of numbers.slice(0, numbers.length >> 1)) other.add(n);
    const missing = [...reference].filter((n) => !other.has(n)).length;
    expect(set.missingFrom(other)).toBe(missing);
  },
);
