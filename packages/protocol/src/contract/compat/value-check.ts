import type { CanonicalNode, NumberNode, Scalar, StringNode } from "../canonical/node-types.js";
import { isMarked, resolve, type Slot } from "./slots.js";

/**
 * Whether a node accepts one JSON scalar (a literal or enum member the sender may send, a record
 * key): `true`, `false`, or `undefined` when the form cannot tell (a named format, a refinement,
 * a transform). Callers treat `undefined` as "not proven", so the checker stays on the safe side.
 */
export function acceptsValue(
  slot: Slot,
  value: Scalar | undefined,
  depth = 0,
): boolean | undefined {
  if (depth > 64) return undefined;
  const { node } = resolve(slot);
  if (isMarked(node)) return undefined;
  const next = (child: CanonicalNode): boolean | undefined =>
    acceptsValue({ node: child, defs: slot.defs }, value, depth + 1);
  switch (node.type) {
    case "any":
    case "unknown":
    case "catch":
      return true;
    case "undefined":
      return value === undefined;
    case "null":
      return value === null;
    case "boolean":
      return typeof value === "boolean";
    case "enum":
      return value !== undefined && node.values.some((member) => member === value);
    case "string":
      return typeof value === "string" ? stringAccepts(node, value) : false;
    case "number":
    case "integer":
      return typeof value === "number" ? numberAccepts(node, value) : false;
    case "optional":
    case "default":
    case "prefault":
      return value === undefined ? true : next(node.of);
    case "nullable":
      return value === null ? true : next(node.of);
    case "nonoptional":
      return value === undefined ? false : next(node.of);
    case "union":
      return anyOf(node.exclusive ? [] : node.anyOf.map(next), node.exclusive === true);
    case "intersection":
      return allOf(node.allOf.map(next));
    case "pipe":
      // A scalar passes through a schema without transforms unchanged, so both sides see it.
      return allOf([next(node.in), next(node.out)]);
    case "template_literal":
    case "codec":
    case "transform":
    case "success":
      return undefined;
    default:
      return false;
  }
}

function anyOf(results: (boolean | undefined)[], unknown: boolean): boolean | undefined {
  if (unknown) return undefined;
  if (results.includes(true)) return true;
  return results.includes(undefined) ? undefined : false;
}

function allOf(results: (boolean | undefined)[]): boolean | undefined {
  if (results.includes(false)) return false;
  return results.includes(undefined) ? undefined : true;
}

/** Lengths count UTF-16 code units, as zod's do. */
function stringAccepts(node: StringNode, value: string): boolean | undefined {
  if (node.minLength !== undefined && value.length < node.minLength) return false;
  if (node.maxLength !== undefined && value.length > node.maxLength) return false;
  for (const pattern of node.patterns ?? []) {
    let regex: RegExp;
    try {
      regex = new RegExp(pattern.source, pattern.flags);
    } catch {
      return undefined;
    }
    if (!regex.test(value)) return false;
  }
  return node.formats === undefined || node.formats.length === 0 ? true : undefined;
}

function numberAccepts(node: NumberNode, value: number): boolean | undefined {
  if (!Number.isFinite(value)) return false;
  if (node.type === "integer" && !Number.isInteger(value)) return false;
  if (node.minimum !== undefined && value < node.minimum) return false;
  if (node.exclusiveMinimum !== undefined && value <= node.exclusiveMinimum) return false;
  if (node.maximum !== undefined && value > node.maximum) return false;
  if (node.exclusiveMaximum !== undefined && value >= node.exclusiveMaximum) return false;
  for (const divisor of node.multipleOf ?? []) {
    // An exact quotient is proof; zod's decimal-aware remainder may accept more (0.3 of 0.1).
    if (!Number.isInteger(value / divisor)) return undefined;
  }
  return true;
}
