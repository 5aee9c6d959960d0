import type { CanonicalNode, ObjectNode, RecordNode } from "../canonical/node-types.js";
import { type CheckFn, extraOf, fieldOf, senderMayOmit } from "./container-rules.js";
import { presentView } from "./node-views.js";
import { type Incompatibility, keyPath, resolve, type SenderSlot, type Slot } from "./slots.js";
import { acceptsValue } from "./value-check.js";

/**
 * Records (PROTOCOL.md 7.6): key schema against key schema, value against value; and the mixed
 * pairs, an object sent to a record and a record sent to an object.
 */

/** The enum values of a record's key schema, or undefined when the keys are not a finite set. */
function keyValues(record: RecordNode, defs: Slot["defs"]): readonly unknown[] | undefined {
  const key = resolve({ node: record.key, defs }).node;
  return key.type === "enum" ? key.values : undefined;
}

/** A record with an enum key and without `partial` requires every key of the enum. */
function exhaustive(record: RecordNode, defs: Slot["defs"]): boolean {
  return record.partial !== true && keyValues(record, defs) !== undefined;
}

export function recordRules(
  r: Slot,
  s: SenderSlot,
  path: string,
  check: CheckFn,
): Incompatibility[] {
  const R = r.node as RecordNode;
  const S = s.node as RecordNode;
  const out: Incompatibility[] = [];
  if (S.looseKeys === true && R.looseKeys !== true) {
    out.push({
      path,
      message: "the sender passes keys its key schema refuses; the receiver checks every key",
    });
  }
  if (R.looseKeys !== true && exhaustive(R, r.defs)) {
    const rKeys = keyValues(R, r.defs) ?? [];
    const sKeys = keyValues(S, s.defs);
    const same =
      sKeys !== undefined &&
      exhaustive(S, s.defs) &&
      sKeys.length === rKeys.length &&
      rKeys.every((k) => sKeys.includes(k));
    if (!same)
      out.push({
        path,
        message: `the receiver requires exactly the keys ${JSON.stringify(rKeys)}`,
      });
  } else if (R.looseKeys !== true) {
    const sKey = { ...presentView({ node: S.key, defs: s.defs }, s.mode), mode: s.mode };
    out.push(...check({ node: R.key, defs: r.defs }, sKey, `${keyPath(path, "*")} (key)`));
  }
  const sValue = { ...presentView({ node: S.value, defs: s.defs }, s.mode), mode: s.mode };
  out.push(...check({ node: R.value, defs: r.defs }, sValue, keyPath(path, "*")));
  return out;
}

/** An object sent to a record: its keys must be record keys, its values record values. */
export function objectToRecord(
  r: Slot,
  s: SenderSlot,
  path: string,
  check: CheckFn,
): Incompatibility[] {
  const R = r.node as RecordNode;
  const S = s.node as ObjectNode;
  const out: Incompatibility[] = [];
  const rKey = { node: R.key, defs: r.defs };
  for (const key of Object.keys(S.properties)) {
    if (R.looseKeys !== true && acceptsValue(rKey, key) !== true) {
      out.push({
        path: keyPath(path, key),
        message: "not accepted as a key by the receiver's record",
      });
    }
    out.push(...check({ node: R.value, defs: r.defs }, fieldOf(S, key, s), keyPath(path, key)));
  }
  if (exhaustive(R, r.defs)) {
    for (const key of keyValues(R, r.defs) ?? []) {
      const name = String(key);
      if (!Object.hasOwn(S.properties, name) || senderMayOmit(S, name, s)) {
        out.push({
          path: keyPath(path, name),
          message: "required by the receiver's record, but the sender may leave it out",
        });
      }
    }
  }
  const sExtra = extraOf(S);
  if (sExtra !== undefined) {
    if (R.looseKeys !== true && !acceptsAnyString({ node: R.key, defs: r.defs })) {
      out.push({
        path,
        message: "the sender keeps undeclared keys, which the receiver's record keys may refuse",
      });
    }
    out.push(
      ...check(
        { node: R.value, defs: r.defs },
        { node: sExtra, defs: s.defs, mode: s.mode },
        keyPath(path, "*"),
      ),
    );
  }
  return out;
}

function acceptsAnyString(slot: Slot): boolean {
  const { node } = resolve(slot);
  if (node.type === "any" || node.type === "unknown") return true;
  return node.type === "string" && Object.keys(node).length === 1;
}

/** A record sent to an object: only when its keys are a finite set the object can take. */
export function recordToObject(
  r: Slot,
  s: SenderSlot,
  path: string,
  check: CheckFn,
): Incompatibility[] {
  const R = r.node as ObjectNode;
  const S = s.node as RecordNode;
  const sKeys = S.looseKeys === true ? undefined : keyValues(S, s.defs);
  const out: Incompatibility[] = [];
  const sValue = { ...presentView({ node: S.value, defs: s.defs }, s.mode), mode: s.mode };
  for (const key of R.required) {
    if (sKeys === undefined || !exhaustive(S, s.defs) || !sKeys.includes(key)) {
      out.push({
        path: keyPath(path, key),
        message: "required by the receiver, but the sender's record may leave it out",
      });
    }
  }
  for (const key of Object.keys(R.properties)) {
    if (sKeys !== undefined && !sKeys.includes(key)) continue;
    out.push(
      ...check(
        { node: R.properties[key] as CanonicalNode, defs: r.defs },
        sValue,
        keyPath(path, key),
      ),
    );
  }
  const others =
    sKeys === undefined ? undefined : sKeys.filter((k) => !Object.hasOwn(R.properties, String(k)));
  if (R.unknownKeys === "strict" && (others === undefined || others.length > 0)) {
    out.push({
      path,
      message: "the sender's record may send keys the receiver's strict object refuses",
    });
  } else if (R.unknownKeys === "catchall" && (others === undefined || others.length > 0)) {
    out.push(
      ...check({ node: R.catchall as CanonicalNode, defs: r.defs }, sValue, keyPath(path, "*")),
    );
  }
  return out;
}
