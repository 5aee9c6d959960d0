import type { ArrayNode, CanonicalNode, ObjectNode, TupleNode } from "../canonical/node-types.js";
import { absentOnOutput, acceptsUndefined, presentView } from "./node-views.js";
import { type Incompatibility, keyPath, type SenderSlot, type Slot } from "./slots.js";

/**
 * Objects, records, arrays and tuples (PROTOCOL.md 7.6): key by key and item by item, the
 * receiver must accept what the sender may write, and must not require what the sender may leave
 * out. `check` is the checker itself, for the values inside.
 */

export type CheckFn = (receiver: Slot, sender: SenderSlot, path: string) => Incompatibility[];

/**
 * A JavaScript receiver (zod) reads a missing key named like a member of Object.prototype
 * (`constructor`, `toString`...) as that inherited member, never as absent: for such a receiver
 * the key is required in effect, whatever its schema says.
 */
const INHERITED =
  "the receiver cannot see this key as absent (a missing key named like an Object.prototype member reads as that member in JavaScript), and the sender may leave it out";

const UNKNOWN: CanonicalNode = Object.freeze({ type: "unknown" });

/** True when the sender may leave key `key` out of the object it writes. */
export function senderMayOmit(object: ObjectNode, key: string, sender: SenderSlot): boolean {
  const field = { node: object.properties[key] as CanonicalNode, defs: sender.defs };
  if (sender.mode === "output") return absentOnOutput(field);
  return !object.required.includes(key) || acceptsUndefined(field);
}

export function fieldOf(object: ObjectNode, key: string, slot: SenderSlot): SenderSlot {
  const present = presentView(
    { node: object.properties[key] as CanonicalNode, defs: slot.defs },
    slot.mode,
  );
  return { ...present, mode: slot.mode };
}

/** The node of undeclared keys' values a sender keeps, or undefined when it keeps none. */
export function extraOf(object: ObjectNode): CanonicalNode | undefined {
  if (object.unknownKeys === "loose") return UNKNOWN;
  return object.unknownKeys === "catchall" ? object.catchall : undefined;
}

export function objectRules(
  r: Slot,
  s: SenderSlot,
  path: string,
  check: CheckFn,
): Incompatibility[] {
  const R = r.node as ObjectNode;
  const S = s.node as ObjectNode;
  const out: Incompatibility[] = [];
  const sExtra = extraOf(S);
  for (const key of Object.keys(R.properties)) {
    const at = keyPath(path, key);
    const rField = { node: R.properties[key] as CanonicalNode, defs: r.defs };
    const inherited = !R.required.includes(key) && Object.hasOwn(Object.prototype, key);
    const required = R.required.includes(key) || inherited;
    if (Object.hasOwn(S.properties, key)) {
      if (required && senderMayOmit(S, key, s)) {
        const message = inherited
          ? INHERITED
          : "required by the receiver, but the sender may leave it out";
        out.push({ path: at, message });
      }
      out.push(...check(rField, fieldOf(S, key, s), at));
      continue;
    }
    if (required) {
      const message = inherited ? INHERITED : "required by the receiver, but unknown to the sender";
      out.push({ path: at, message });
    }
    // A sender that keeps undeclared keys may send this one, with any value its catchall allows.
    if (sExtra !== undefined)
      out.push(...check(rField, { node: sExtra, defs: s.defs, mode: s.mode }, at));
  }
  for (const key of Object.keys(S.properties)) {
    if (Object.hasOwn(R.properties, key)) continue;
    const at = keyPath(path, key);
    if (R.unknownKeys === "strict") {
      out.push({
        path: at,
        message: "unknown to the receiver, whose object is strict (refuses unknown keys)",
      });
    } else if (R.unknownKeys === "catchall") {
      out.push(
        ...check({ node: R.catchall as CanonicalNode, defs: r.defs }, fieldOf(S, key, s), at),
      );
    }
  }
  if (sExtra !== undefined) {
    if (R.unknownKeys === "strict") {
      out.push({
        path,
        message: "the sender keeps undeclared keys, which the receiver's strict object refuses",
      });
    } else if (R.unknownKeys === "catchall") {
      const extra = { node: sExtra, defs: s.defs, mode: s.mode };
      out.push(
        ...check({ node: R.catchall as CanonicalNode, defs: r.defs }, extra, keyPath(path, "*")),
      );
    }
  }
  return out;
}

function lengthRules(
  rMin: number,
  rMax: number,
  sMin: number,
  sMax: number,
  path: string,
): Incompatibility[] {
  const out: Incompatibility[] = [];
  if (rMin > sMin) out.push({ path, message: `minimum item count raised from ${sMin} to ${rMin}` });
  if (rMax < sMax) {
    const from = sMax === Infinity ? "unbounded" : String(sMax);
    out.push({ path, message: `maximum item count lowered from ${from} to ${rMax}` });
  }
  return out;
}

/** The shortest tuple a sender writes: in output mode trailing items left out only if absent. */
function tupleMin(tuple: TupleNode, s: SenderSlot): number {
  if (s.mode === "input") return tuple.minItems;
  let min = tuple.items.length;
  while (min > 0 && absentOnOutput({ node: tuple.items[min - 1] as CanonicalNode, defs: s.defs }))
    min--;
  return min;
}

/** Tuples and arrays in any pairing, position by position. */
export function sequenceRules(
  r: Slot,
  s: SenderSlot,
  path: string,
  check: CheckFn,
): Incompatibility[] {
  const R = r.node as TupleNode | ArrayNode;
  const S = s.node as TupleNode | ArrayNode;
  const rItems = R.type === "tuple" ? R.items : [];
  const sItems = S.type === "tuple" ? S.items : [];
  const rRest = R.type === "tuple" ? R.rest : R.items;
  const sRest = S.type === "tuple" ? S.rest : S.items;
  const out: Incompatibility[] = [];
  const rMin = R.minItems ?? 0;
  const rMax = R.type === "tuple" ? (R.rest ? Infinity : R.items.length) : (R.maxItems ?? Infinity);
  const sMin = S.type === "tuple" ? tupleMin(S, s) : (S.minItems ?? 0);
  const sMax = S.type === "tuple" ? (S.rest ? Infinity : S.items.length) : (S.maxItems ?? Infinity);
  out.push(...lengthRules(rMin, rMax, sMin, sMax, path));
  const positions = Math.max(rItems.length, sItems.length);
  for (let i = 0; i < positions; i++) {
    const sItem = sItems[i] ?? sRest;
    const rItem = rItems[i] ?? rRest;
    if (sItem === undefined || rItem === undefined) continue;
    const sender = { ...presentView({ node: sItem, defs: s.defs }, s.mode), mode: s.mode };
    out.push(...check({ node: rItem, defs: r.defs }, sender, `${path}[${i}]`));
  }
  if (sRest !== undefined && rRest !== undefined) {
    const at = positions === 0 ? `${path}[]` : `${path}[${positions}…]`;
    out.push(
      ...check({ node: rRest, defs: r.defs }, { node: sRest, defs: s.defs, mode: s.mode }, at),
    );
  }
  return out;
}
