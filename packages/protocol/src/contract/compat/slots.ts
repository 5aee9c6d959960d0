import { ErrorCode } from "../../errors/codes.js";
import { SockwireError } from "../../errors/sockwire-error.js";
import type { CanonicalNode, NodeMarks, RefNode } from "../canonical/node-types.js";

/**
 * What the compatibility checker walks: a node together with the `$defs` of the schema it belongs
 * to (so that `$ref` can be resolved), and for the sender, which side of its schema it writes.
 */

/** The `$defs` of one schema's form. */
export type Defs = Readonly<Record<string, CanonicalNode>>;

/**
 * Which values a sender writes (PROTOCOL.md 6): `output` for a schema without transforms (zod's
 * parse output, defaults filled in), `input` for a schema with a transform anywhere (the value as
 * given, projected onto the schema's input side, nothing filled in).
 */
export type SendMode = "output" | "input";

/** A node in its schema. */
export interface Slot {
  readonly node: CanonicalNode;
  readonly defs: Defs;
}

/** A sender's node in its schema, and which side of the schema the sender writes. */
export interface SenderSlot extends Slot {
  readonly mode: SendMode;
}

/** One reason a message is not compatible: where, and what. */
export interface Incompatibility {
  /** Path to the value, `user.tags[].name` style; empty for the payload itself. */
  readonly path: string;
  readonly message: string;
}

const merged = new WeakMap<RefNode, CanonicalNode>();

/**
 * The node a `$ref` stands for (references to references followed; the validator refused loops).
 * Marks on a reference are added to its target in a copy made once per reference, so the same
 * reference always resolves to the same object and recursion is still recognised.
 */
export function resolve<T extends Slot>(slot: T): T {
  let node = slot.node;
  let marks: NodeMarks | undefined;
  for (let hops = 0; node.type === undefined; hops++) {
    if (hops > 10_000) {
      throw new SockwireError(
        ErrorCode.INVALID_ARGUMENT,
        "canonical form: a $ref chain does not end",
      );
    }
    const ref = node as RefNode;
    if (ref.refinements !== undefined || ref.overwrites !== undefined) marks = ref;
    const cached = merged.get(ref);
    if (cached !== undefined) return { ...slot, node: cached };
    const target = slot.defs[ref.$ref] as CanonicalNode;
    if (marks !== undefined && target.type !== undefined) {
      const withMarks = {
        ...target,
        refinements: (target.refinements ?? 0) + (marks.refinements ?? 0) || undefined,
        overwrites: (target.overwrites ?? 0) + (marks.overwrites ?? 0) || undefined,
      } as CanonicalNode;
      merged.set(ref, withMarks);
      return { ...slot, node: withMarks };
    }
    node = target;
  }
  return node === slot.node ? slot : { ...slot, node };
}

/** True when the node carries behaviour the form cannot state. */
export function isMarked(node: CanonicalNode): boolean {
  return (node.refinements ?? 0) > 0 || (node.overwrites ?? 0) > 0;
}

/** Appends an object key to a path; keys that are not plain names are quoted. */
export function keyPath(path: string, key: string): string {
  const part = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (path === "" || part.startsWith("[")) return `${path}${part}`;
  return `${path}.${part}`;
}

/** A reason at `path`. */
export function reason(path: string, message: string): Incompatibility[] {
  return [{ path, message }];
}

/**
 * `path: message`, or just the message for the payload itself.
 *
 * @example
 * ```ts
 * formatIncompatibility({ path: "user.name", message: "maximum length lowered from 50 to 20" });
 * // "user.name: maximum length lowered from 50 to 20"
 * ```
 */
export function formatIncompatibility(item: Incompatibility): string {
  return item.path === "" ? item.message : `${item.path}: ${item.message}`;
}
