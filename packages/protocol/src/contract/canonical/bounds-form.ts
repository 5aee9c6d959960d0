import { countBounds, sortedUnique, unrepresentable } from "./check-form.js";
import type { CheckDef } from "./zod-def.js";

/**
 * Numeric bounds of numbers, integers, bigints and dates (PROTOCOL.md 7.3): the tightest bound on
 * each side wins, an exclusive one beating an inclusive one of the same value; integers get
 * inclusive integer bounds; number formats are bounds too (`z.int()` is an integer between
 * -(2^53 - 1) and 2^53 - 1). The ranges are written out here rather than read from zod, so that
 * the spec and this code state the same numbers.
 */

interface Bound<T> {
  value: T;
  exclusive: boolean;
}

const NUMBER_FORMATS: Readonly<Record<string, { range: [number, number]; integer: boolean }>> = {
  safeint: { range: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], integer: true },
  int32: { range: [-2147483648, 2147483647], integer: true },
  uint32: { range: [0, 4294967295], integer: true },
  float32: { range: [-3.4028234663852886e38, 3.4028234663852886e38], integer: false },
  float64: { range: [-Number.MAX_VALUE, Number.MAX_VALUE], integer: false },
};

const BIGINT_FORMATS: Readonly<Record<string, [bigint, bigint]>> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/** Keeps the tighter of two lower (`side` 1) or upper (`side` -1) bounds. */
function tighter<T extends number | bigint>(
  current: Bound<T> | undefined,
  next: Bound<T>,
  side: 1 | -1,
): Bound<T> {
  if (current === undefined) return next;
  if (next.value === current.value) return next.exclusive ? next : current;
  return (side === 1 ? next.value > current.value : next.value < current.value) ? next : current;
}

/** Members of a number node, and whether it is an integer. */
export function numberMembers(checks: readonly CheckDef[]): {
  integer: boolean;
  members: Record<string, unknown>;
} {
  let lower: Bound<number> | undefined;
  let upper: Bound<number> | undefined;
  let integer = false;
  const divisors: number[] = [];
  for (const check of checks) {
    if (check.check === "greater_than" || check.check === "less_than") {
      const bound = { value: check.value as number, exclusive: check.inclusive !== true };
      if (Number.isNaN(bound.value)) throw unrepresentable("a number bound is NaN");
      if (check.check === "greater_than") lower = tighter(lower, bound, 1);
      else upper = tighter(upper, bound, -1);
    } else if (check.check === "multiple_of") {
      const divisor = check.value as number;
      if (!Number.isFinite(divisor) || divisor === 0) {
        throw unrepresentable(`multipleOf ${divisor} has no JSON form`);
      }
      divisors.push(divisor);
    } else if (check.check === "number_format") {
      const format = NUMBER_FORMATS[check.format as string];
      if (format === undefined) throw unrepresentable(`unknown number format ${check.format}`);
      integer ||= format.integer;
      lower = tighter(lower, { value: format.range[0], exclusive: false }, 1);
      upper = tighter(upper, { value: format.range[1], exclusive: false }, -1);
    }
  }
  if (integer) {
    lower = lower && { value: integerLower(lower), exclusive: false };
    upper = upper && { value: integerUpper(upper), exclusive: false };
  }
  const members = boundMembers(finite(lower, 1), finite(upper, -1));
  if (divisors.length > 0) members.multipleOf = sortedUnique(divisors).sort((a, b) => a - b);
  return { integer, members };
}

/** The least integer the bound admits. */
function integerLower(bound: Bound<number>): number {
  return bound.exclusive ? Math.floor(bound.value) + 1 : Math.ceil(bound.value);
}

/** The greatest integer the bound admits. */
function integerUpper(bound: Bound<number>): number {
  return bound.exclusive ? Math.ceil(bound.value) - 1 : Math.floor(bound.value);
}

/**
 * An infinite bound on the open side (`gt(-Infinity)`, `lt(Infinity)`) excludes nothing finite,
 * so it is no bound; one on the other side excludes everything, which a bound cannot say in JSON.
 */
function finite(bound: Bound<number> | undefined, side: 1 | -1): Bound<number> | undefined {
  if (bound === undefined || Number.isFinite(bound.value)) return bound;
  if (bound.value === -side * Infinity) return undefined;
  throw unrepresentable(`the bound ${bound.value} excludes every number`);
}

function boundMembers<T>(
  lower: Bound<T> | undefined,
  upper: Bound<T> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (lower) out[lower.exclusive ? "exclusiveMinimum" : "minimum"] = lower.value;
  if (upper) out[upper.exclusive ? "exclusiveMaximum" : "maximum"] = upper.value;
  return out;
}

/** Members of a bigint node: bounds and divisors as decimal strings. */
export function bigintMembers(checks: readonly CheckDef[]): Record<string, unknown> {
  let lower: Bound<bigint> | undefined;
  let upper: Bound<bigint> | undefined;
  const divisors: bigint[] = [];
  for (const check of checks) {
    if (check.check === "greater_than" || check.check === "less_than") {
      const bound = { value: check.value as bigint, exclusive: check.inclusive !== true };
      if (check.check === "greater_than") lower = tighter(lower, bound, 1);
      else upper = tighter(upper, bound, -1);
    } else if (check.check === "multiple_of") {
      divisors.push(check.value as bigint);
    } else if (check.check === "bigint_format") {
      const range = BIGINT_FORMATS[check.format as string];
      if (range === undefined) throw unrepresentable(`unknown bigint format ${check.format}`);
      lower = tighter(lower, { value: range[0], exclusive: false }, 1);
      upper = tighter(upper, { value: range[1], exclusive: false }, -1);
    }
  }
  const asText = (b: Bound<bigint> | undefined): Bound<string> | undefined =>
    b && { value: b.value.toString(), exclusive: b.exclusive };
  const out = boundMembers(asText(lower), asText(upper));
  if (divisors.length > 0) {
    const sorted = [...new Set(divisors)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    out.multipleOf = sorted.map((d) => d.toString());
  }
  return out;
}

/** Members of a date node: bounds as milliseconds since 1970-01-01T00:00:00Z. */
export function dateMembers(checks: readonly CheckDef[]): Record<string, unknown> {
  let lower: Bound<number> | undefined;
  let upper: Bound<number> | undefined;
  for (const check of checks) {
    const time = (check.value as Date).getTime();
    if (Number.isNaN(time)) throw unrepresentable("a date bound is an invalid date");
    const bound = { value: time, exclusive: check.inclusive !== true };
    if (check.check === "greater_than") lower = tighter(lower, bound, 1);
    else upper = tighter(upper, bound, -1);
  }
  return boundMembers(lower, upper);
}

/** `minSize`/`maxSize` (sets, maps, files) or `minItems`/`maxItems` (arrays). */
export function countMembers(
  checks: readonly CheckDef[],
  kind: "length" | "size",
  names: readonly [string, string],
): Record<string, unknown> {
  const { min, max } = countBounds(checks, kind);
  const out: Record<string, unknown> = {};
  if (min > 0) out[names[0]] = min;
  if (max !== undefined) out[names[1]] = max;
  return out;
}
