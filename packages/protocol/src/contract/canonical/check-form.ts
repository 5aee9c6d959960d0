import { z } from "zod";
import { ErrorCode } from "../../errors/codes.js";
import { SockwireError } from "../../errors/sockwire-error.js";
import { canonicalText, compareUtf16 } from "./canonical-json.js";
import type { FormatForm, PatternForm } from "./node-types.js";
import type { CheckDef } from "./zod-def.js";

/**
 * Folds a schema's checks into the canonical members of its node (PROTOCOL.md 7.3): every bound
 * becomes the tightest one, lists are sorted and de-duplicated, so the order checks were written
 * in never matters. Checks whose behaviour cannot be read (refinements) and checks that change
 * the value (overwrites) are only counted.
 */

/** The checks of a node, split into what the node's members describe and what is only counted. */
export interface CheckTally {
  readonly known: readonly CheckDef[];
  readonly refinements: number;
  readonly overwrites: number;
}

/** Splits `checks` into those `known` to the node kind, refinements and overwrites. */
export function tallyChecks(checks: readonly CheckDef[], known: ReadonlySet<string>): CheckTally {
  const kept: CheckDef[] = [];
  let refinements = 0;
  let overwrites = 0;
  for (const check of checks) {
    if (known.has(check.check)) kept.push(check);
    else if (check.check === "overwrite") overwrites++;
    // `custom` (refine, superRefine, check(fn)) and any check kind this version does not know:
    // both are predicates whose behaviour the form cannot state, so both count as refinements.
    else refinements++;
  }
  return { known: kept, refinements, overwrites };
}

export const STRING_CHECKS: ReadonlySet<string> = new Set([
  "min_length",
  "max_length",
  "length_equals",
  "string_format",
]);
export const NUMBER_CHECKS: ReadonlySet<string> = new Set([
  "greater_than",
  "less_than",
  "multiple_of",
  "number_format",
]);
export const BIGINT_CHECKS: ReadonlySet<string> = new Set([
  "greater_than",
  "less_than",
  "multiple_of",
  "bigint_format",
]);
export const LENGTH_CHECKS: ReadonlySet<string> = new Set([
  "min_length",
  "max_length",
  "length_equals",
]);
export const SIZE_CHECKS: ReadonlySet<string> = new Set(["min_size", "max_size", "size_equals"]);
export const FILE_CHECKS: ReadonlySet<string> = new Set([...SIZE_CHECKS, "mime_type"]);
export const DATE_CHECKS: ReadonlySet<string> = new Set(["greater_than", "less_than"]);

/** Lower and upper count bounds (lengths, sizes); `min` 0 means none. */
export function countBounds(
  checks: readonly CheckDef[],
  kind: "length" | "size",
): { min: number; max: number | undefined } {
  let min = 0;
  let max: number | undefined;
  for (const check of checks) {
    if (check.check === `min_${kind}`) min = Math.max(min, check.minimum as number);
    else if (check.check === `max_${kind}`)
      max = Math.min(max ?? Infinity, check.maximum as number);
    else if (check.check === `${kind}_equals`) {
      const exact = check[kind] as number;
      min = Math.max(min, exact);
      max = Math.min(max ?? Infinity, exact);
    }
  }
  return { min, max };
}

/** String members: length bounds, formats and patterns. */
export function stringMembers(checks: readonly CheckDef[]): Record<string, unknown> {
  const { min, max } = countBounds(checks, "length");
  const formats: FormatForm[] = [];
  const patterns: PatternForm[] = [];
  for (const check of checks) {
    if (check.check !== "string_format") continue;
    if (check.format === "regex") patterns.push(patternForm(check.pattern as RegExp));
    else formats.push(formatForm(check));
  }
  const out: Record<string, unknown> = {};
  if (min > 0) out.minLength = min;
  if (max !== undefined) out.maxLength = max;
  if (formats.length > 0) out.formats = sortedUnique(formats);
  if (patterns.length > 0) out.patterns = sortedUnique(patterns);
  return out;
}

/** A regular expression as source and flags. */
export function patternForm(pattern: RegExp): PatternForm {
  return { source: pattern.source, flags: pattern.flags };
}

/**
 * A format by name, with the options that change what it accepts. The regular expression zod
 * uses to implement a named format is not part of it (that is zod's business and changes with
 * zod's version); a pattern the schema's author chose instead (`z.email({ pattern })`) is.
 */
function formatForm(check: CheckDef): FormatForm {
  const format = check.format as string;
  const out: Record<string, unknown> = { name: format };
  const copy = (member: string, as = member): void => {
    const value = check[member];
    if (value === undefined) return;
    out[as] = value instanceof RegExp ? patternForm(value) : value;
  };
  switch (format) {
    case "datetime":
      out.offset = check.offset === true;
      out.local = check.local === true;
      out.precision = (check.precision as number | null | undefined) ?? null;
      break;
    case "time":
      out.precision = (check.precision as number | null | undefined) ?? null;
      break;
    case "url":
      copy("protocol");
      copy("hostname");
      if (check.normalize === true) out.normalize = true;
      break;
    case "email":
      if (check.pattern !== z.regexes.email) copy("pattern");
      break;
    case "starts_with":
      copy("prefix", "value");
      break;
    case "ends_with":
      copy("suffix", "value");
      break;
    case "includes":
      copy("includes", "value");
      copy("position");
      break;
    default:
      copy("version");
      copy("alg");
      copy("delimiter");
  }
  return out as FormatForm;
}

/** Sorts by canonical text and drops repeats: the list's written order means nothing. */
export function sortedUnique<T>(items: readonly T[]): T[] {
  const byText = new Map<string, T>();
  for (const item of items) byText.set(canonicalText(item), item);
  return [...byText.keys()].sort(compareUtf16).map((text) => byText.get(text) as T);
}

/** A bad value inside a schema: the form cannot state it. */
export function unrepresentable(what: string): SockwireError {
  return new SockwireError(ErrorCode.INVALID_ARGUMENT, `canonical form: ${what}`);
}
