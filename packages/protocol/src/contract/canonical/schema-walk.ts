import type { z } from "zod";
import { unrepresentable } from "./check-form.js";
import type { CanonicalNode, RefNode } from "./node-types.js";

/**
 * The depth-first walk that turns one root schema into its canonical form, and the `$defs`/`$ref`
 * scheme for recursion (PROTOCOL.md 7.3). A schema met again while it is still being walked (a
 * `z.lazy()` or a getter that leads back to it) is recursive: every occurrence of it, its first
 * included, becomes `{"$ref": "rN"}`, and its node goes to the root's `$defs` under `rN`, numbered
 * by the order in which the walk first entered each recursive schema. A schema used twice without
 * containing itself is written out twice: only recursion makes a reference, so the form does not
 * depend on how the source shared its schema objects.
 */

/** Walking deeper than this without meeting a schema again means a getter that never repeats. */
const MAX_DEPTH = 512;

/** Maps one schema to its node; given the walk, so that it can map children through it. */
export type NodeMapper = (schema: z.ZodType, walk: SchemaWalk) => CanonicalNode;

interface Recursive {
  /** Order in which the walk first entered the schema. */
  readonly entered: number;
  /** Every reference made to it; named once the walk is over. */
  readonly refs: { $ref: string }[];
  node: CanonicalNode | undefined;
}

/** One walk from one root. Nodes it returns are fresh objects, never shared between positions. */
export class SchemaWalk {
  private readonly active = new Map<z.ZodType, number>();
  private readonly recursive = new Map<z.ZodType, Recursive>();
  private entered = 0;

  constructor(private readonly mapper: NodeMapper) {}

  /** The node for `schema` at the current position (a reference if `schema` is recursive). */
  node(schema: z.ZodType): CanonicalNode {
    const known = this.recursive.get(schema);
    if (known !== undefined) return this.refTo(known);
    const entered = this.active.get(schema);
    if (entered !== undefined) {
      const found: Recursive = { entered, refs: [], node: undefined };
      this.recursive.set(schema, found);
      return this.refTo(found);
    }
    if (this.active.size >= MAX_DEPTH) {
      throw unrepresentable(`the schema nests deeper than ${MAX_DEPTH} levels without recursion`);
    }
    this.active.set(schema, this.entered++);
    let node: CanonicalNode;
    try {
      node = this.mapper(schema, this);
    } finally {
      this.active.delete(schema);
    }
    const found = this.recursive.get(schema);
    if (found === undefined) return node;
    found.node = node;
    return this.refTo(found);
  }

  /** Names the references and attaches `$defs` to the root node. */
  finish(root: CanonicalNode): CanonicalNode {
    if (this.recursive.size === 0) return root;
    const ordered = [...this.recursive.values()].sort((a, b) => a.entered - b.entered);
    const defs: Record<string, CanonicalNode> = {};
    ordered.forEach((found, index) => {
      const name = `r${index}`;
      for (const ref of found.refs) ref.$ref = name;
      defs[name] = found.node as CanonicalNode;
    });
    return { ...root, $defs: defs };
  }

  private refTo(found: Recursive): RefNode {
    const ref = { $ref: "" };
    found.refs.push(ref);
    return ref;
  }
}
