import { z } from "zod";
import type { BigIntNode, DateNode, EnumNode, NumberNode } from "../canonical/node-types.js";
import { notExpressible } from "./not-expressible.js";

/**
 * Numbers, integers, dates, bigints and value sets back to zod (PROTOCOL.md 7.2, "Bounds", "Enums
 * and literals"). Bounds go on as zod's own `gt`/`gte`/`lt`/`lte` checks, so the canonical walk
 * reads them back as it reads any schema's. An `integer` is zod's `int()` (a safe integer) with
 * the node's bounds: zod has no integer wider than ±(2^53 - 1), so an integer node with wider
 * bounds, which canonicalSchema never writes, comes back with the safe range.
 */

interface Bounds<T> {
  minimum?: T | undefined;
  exclusiveMinimum?: T | undefined;
  maximum?: T | undefined;
  exclusiveMaximum?: T | undefined;
}

/** Adds the node's bounds to `schema`, each converted by `as` (a Date, a bigint). */
function withBounds<S extends z.ZodType, T>(
  schema: S,
  node: Bounds<T>,
  as: (value: T) => number | bigint | Date,
): S {
  const checks: z.core.$ZodCheck[] = [];
  const add = (bound: T | undefined, make: (value: number) => unknown) => {
    if (bound !== undefined) checks.push(make(as(bound) as number) as z.core.$ZodCheck);
  };
  add(node.minimum, (v) => z.gte(v));
  add(node.exclusiveMinimum, (v) => z.gt(v));
  add(node.maximum, (v) => z.lte(v));
  add(node.exclusiveMaximum, (v) => z.lt(v));
  return (checks.length === 0 ? schema : schema.check(...(checks as never[]))) as S;
}

/** The zod schema of a `number` or `integer` node. */
export function numberFromForm(node: NumberNode): z.ZodType {
  let schema: z.ZodNumber = node.coerce ? z.coerce.number() : z.number();
  if (node.type === "integer") schema = schema.int();
  schema = withBounds(schema, node, (v) => v);
  for (const divisor of node.multipleOf ?? []) schema = schema.multipleOf(divisor);
  return schema;
}

/** The zod schema of a `date` node; bounds are milliseconds since 1970-01-01T00:00:00Z. */
export function dateFromForm(node: DateNode): z.ZodType {
  const schema: z.ZodDate = node.coerce ? z.coerce.date() : z.date();
  return withBounds(schema, node, (ms) => new Date(ms));
}

/** The zod schema of a `bigint` node: bounds and divisors, or a set of bigint literals. */
export function bigintFromForm(node: BigIntNode, path: string): z.ZodType {
  const big = (text: string): bigint => {
    try {
      return BigInt(text);
    } catch (error) {
      throw notExpressible(path, `${JSON.stringify(text)} is not a bigint`, error);
    }
  };
  if (node.values !== undefined) {
    const others = Object.keys(node).filter((key) => key !== "type" && key !== "values");
    if (others.length > 0 || node.values.length === 0) {
      throw notExpressible(path, "a bigint value set with bounds or no values has no zod form");
    }
    return z.literal(node.values.map(big) as [bigint, ...bigint[]]);
  }
  let schema: z.ZodBigInt = node.coerce ? z.coerce.bigint() : z.bigint();
  schema = withBounds(schema, node, big);
  for (const divisor of node.multipleOf ?? []) schema = schema.multipleOf(big(divisor));
  return schema;
}

/** The zod schema of an `enum` node: a literal of every value it holds. */
export function enumFromForm(node: EnumNode, path: string): z.ZodType {
  if (node.values.length === 0) {
    throw notExpressible(path, "an enum with no values has no zod form (zod writes never)");
  }
  return z.literal(node.values as [string, ...string[]]);
}
