import type { CanonicalNode, RefNode } from "../canonical/node-types.js";
import { type Defs, resolve, type SendMode, type Slot } from "./slots.js";

/**
 * Questions the checker asks about one node: may its value be missing, what it looks like when
 * present, whether a schema sends its input side, whether two nodes are the same.
 */

/** Node types whose presence anywhere makes a sender write its input side (PROTOCOL.md 6). */
const TRANSFORMING = new Set(["transform", "codec", "success", "promise", "function"]);

/**
 * True when a schema with this form sends its input side: it has a transform, codec, `success`,
 * promise or function node, or an overwrite check, anywhere (its `$defs` included). The same rule
 * as the send path's, read from the form.
 */
export function sendsInputSide(root: CanonicalNode): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== "object" || item === null) continue;
    const node = item as Record<string, unknown>;
    if (typeof node.type === "string" && TRANSFORMING.has(node.type)) return true;
    if (typeof node.overwrites === "number" && node.overwrites > 0) return true;
    for (const member of Object.values(node)) stack.push(member);
  }
  return false;
}

/**
 * True when a sender writing its parse output may leave this value out: an optional value, or one
 * that may be `undefined` (which JSON drops). A default or a catch always yields a value.
 */
export function absentOnOutput(slot: Slot, seen = new Set<CanonicalNode>()): boolean {
  const { node } = resolve(slot);
  if (seen.has(node)) return false;
  seen.add(node);
  const next = (child: CanonicalNode): boolean =>
    absentOnOutput({ node: child, defs: slot.defs }, seen);
  switch (node.type) {
    case "optional":
    case "undefined":
    case "any":
    case "unknown":
      return true;
    case "nullable":
      return next(node.of);
    case "union":
      return node.anyOf.some(next);
    case "pipe":
    case "codec":
      return next(node.out);
    default:
      return false;
  }
}

/** True when the node accepts the value `undefined` (the empty payload, a key with no value). */
export function acceptsUndefined(slot: Slot, seen = new Set<CanonicalNode>()): boolean {
  const { node } = resolve(slot);
  if (seen.has(node)) return false;
  seen.add(node);
  const next = (child: CanonicalNode): boolean =>
    acceptsUndefined({ node: child, defs: slot.defs }, seen);
  switch (node.type) {
    case "optional":
    case "undefined":
    case "any":
    case "unknown":
    case "default":
    case "prefault":
    case "catch":
    case "transform":
      return true;
    case "nullable":
      return next(node.of);
    case "union":
      return node.anyOf.some(next);
    case "pipe":
      return next(node.in);
    default:
      return false;
  }
}

/**
 * The node of a value that is present: the optional wrapper removed, and in `input` mode the
 * default too (whose absence the key's presence already covers).
 */
export function presentView(slot: Slot, mode: SendMode): Slot {
  let current = resolve(slot);
  for (;;) {
    const { node } = current;
    const unwrap =
      node.type === "optional" ||
      (mode === "input" && (node.type === "default" || node.type === "prefault"));
    if (!unwrap) return current;
    current = resolve({ ...current, node: node.of });
  }
}

/**
 * True when two nodes are the same: equal as canonical values, with `$ref` resolved on both sides
 * (coinductively: a pair met again while being compared is taken as equal). Names of definitions
 * do not matter, only what they stand for.
 */
export function sameNode(
  a: Slot,
  b: Slot,
  active = new Map<CanonicalNode, Set<CanonicalNode>>(),
): boolean {
  const x = resolve(a).node;
  const y = resolve(b).node;
  if (x === y && a.defs === b.defs) return true;
  const seen = active.get(x);
  if (seen?.has(y)) return true;
  if (seen === undefined) active.set(x, new Set([y]));
  else seen.add(y);
  return sameValue(x, a.defs, y, b.defs, active, true);
}

function sameValue(
  x: unknown,
  xDefs: Defs,
  y: unknown,
  yDefs: Defs,
  active: Map<CanonicalNode, Set<CanonicalNode>>,
  isNode: boolean,
): boolean {
  if (typeof x !== "object" || x === null || typeof y !== "object" || y === null) return x === y;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  if (isNode && (isRef(x) || isRef(y))) {
    return sameNode(
      { node: x as CanonicalNode, defs: xDefs },
      { node: y as CanonicalNode, defs: yDefs },
      active,
    );
  }
  const xr = x as Record<string, unknown>;
  const yr = y as Record<string, unknown>;
  const keys = Object.keys(xr).filter((k) => k !== "$defs" && xr[k] !== undefined);
  const yKeys = Object.keys(yr).filter((k) => k !== "$defs" && yr[k] !== undefined);
  if (keys.length !== yKeys.length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(yr, key)) return false;
    let same: boolean;
    if (Array.isArray(x)) same = sameValue(xr[key], xDefs, yr[key], yDefs, active, isNode);
    // Members of `properties` are nodes whatever their names (a field may be called "$ref").
    else if (isNode && key === "properties") same = sameMap(xr[key], xDefs, yr[key], yDefs, active);
    else same = sameValue(xr[key], xDefs, yr[key], yDefs, active, isNode && isNodeMember(key));
    if (!same) return false;
  }
  return true;
}

function sameMap(
  x: unknown,
  xDefs: Defs,
  y: unknown,
  yDefs: Defs,
  active: Map<CanonicalNode, Set<CanonicalNode>>,
): boolean {
  const xr = x as Record<string, CanonicalNode>;
  const yr = y as Record<string, CanonicalNode>;
  const keys = Object.keys(xr);
  if (keys.length !== Object.keys(yr).length) return false;
  return keys.every(
    (key) =>
      Object.hasOwn(yr, key) &&
      sameNode(
        { node: xr[key] as CanonicalNode, defs: xDefs },
        { node: yr[key] as CanonicalNode, defs: yDefs },
        active,
      ),
  );
}

/** Members whose values are nodes or lists of nodes (template parts may be strings, compared as values). */
function isNodeMember(key: string): boolean {
  return [
    "of",
    "in",
    "out",
    "items",
    "rest",
    "key",
    "value",
    "catchall",
    "anyOf",
    "allOf",
    "parts",
  ].includes(key);
}

function isRef(value: object): boolean {
  return (
    typeof (value as Partial<RefNode>).$ref === "string" &&
    (value as { type?: unknown }).type === undefined
  );
}

/** Short human description of a node for messages: `string`, `integer`, `enum ["a","b"]`. */
export function describeNode(node: CanonicalNode): string {
  switch (node.type) {
    case undefined:
      return "recursive schema";
    case "enum":
      return node.values.length === 1
        ? `literal ${JSON.stringify(node.values[0])}`
        : `enum ${JSON.stringify(node.values)}`;
    case "undefined":
      return "no value";
    case "union":
      return node.discriminator === undefined ? "union" : `union on "${node.discriminator}"`;
    default:
      return node.type;
  }
}
