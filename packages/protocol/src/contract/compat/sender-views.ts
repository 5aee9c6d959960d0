import type { CanonicalNode } from "../canonical/node-types.js";
import type { SenderSlot } from "./slots.js";

/**
 * What a sender's node may write, split into simpler alternatives (PROTOCOL.md 7.6): a union
 * writes one of its options, a nullable writes null or its inner value, an optional nothing or its
 * inner value, an enum one of its members. Wrappers that differ between the two sides of a
 * schema are read on the side the sender writes: in `output` mode a default always yields a value,
 * in `input` mode it may be left out, a catch, a coercion or a transform may take anything.
 * `undefined` means the node is a base kind, compared as it is.
 */

const NULL: CanonicalNode = Object.freeze({ type: "null" });
const UNDEFINED: CanonicalNode = Object.freeze({ type: "undefined" });
const UNKNOWN: CanonicalNode = Object.freeze({ type: "unknown" });
const BOOLEAN: CanonicalNode = Object.freeze({ type: "boolean" });
const BASE: Readonly<Record<string, CanonicalNode>> = {
  string: Object.freeze({ type: "string" }),
  number: Object.freeze({ type: "number" }),
  integer: Object.freeze({ type: "number" }),
  boolean: BOOLEAN,
};

export function senderAlternatives(s: SenderSlot): SenderSlot[] | undefined {
  const node = s.node;
  const input = s.mode === "input";
  const as = (...nodes: CanonicalNode[]): SenderSlot[] => nodes.map((n) => ({ ...s, node: n }));
  switch (node.type) {
    case "never":
      return [];
    case "union":
      return as(...node.anyOf);
    case "nullable":
      return as(NULL, node.of);
    case "optional":
      return as(UNDEFINED, node.of);
    case "default":
    case "prefault":
      return input ? as(UNDEFINED, node.of) : as(node.of);
    case "catch":
      // Output: the value or the catch value, assumed to be one the inner schema accepts (zod
      // types it so). Input: a catch takes any input.
      return input ? as(UNKNOWN) : as(node.of);
    case "pipe":
    case "codec":
      return as(input ? node.in : node.out);
    case "success":
      return input ? as(node.of) : as(BOOLEAN);
    case "nonoptional":
      return as(node.of);
    case "transform":
      return as(UNKNOWN);
    case "enum":
      if (node.values.length === 1 && node.values[0] === null) return as(NULL);
      return node.values.length > 1
        ? as(...node.values.map((v) => ({ type: "enum", values: [v] }) as CanonicalNode))
        : undefined;
    default:
      break;
  }
  if (input && "coerce" in node && node.coerce === true) return as(UNKNOWN);
  if (input && (node.overwrites ?? 0) > 0) {
    // The checks after an overwrite apply to the changed value, not to what was sent.
    return as(BASE[node.type as string] ?? UNKNOWN);
  }
  return undefined;
}
