import type { CanonicalNode, ObjectNode, UnionNode } from "../canonical/node-types.js";
import { type CheckFn, objectRules, sequenceRules } from "./container-rules.js";
import { describeNode, sameNode } from "./node-views.js";
import { objectToRecord, recordRules, recordToObject } from "./record-rules.js";
import { dateRules, numberRules, stringRules } from "./scalar-rules.js";
import { senderAlternatives } from "./sender-views.js";
import {
  type Incompatibility,
  isMarked,
  reason,
  resolve,
  type SenderSlot,
  type Slot,
} from "./slots.js";
import { acceptsValue } from "./value-check.js";

/**
 * The structural check "every value the sender may write is accepted by the receiver"
 * (PROTOCOL.md 7.6), over canonical nodes. Coinductive for recursion: a pair of nodes met again
 * while it is being checked is assumed compatible, which is sound because any counterexample is
 * finite and would be found at a finite depth. The walk is bounded by a step budget, since forms
 * from peers are untrusted; past it the answer is "incompatible".
 *
 * The order of the steps matters and is the spec's: nodes compared by identity first (refinements,
 * transforms, kinds that have no wire form), then a receiver that takes anything, then the
 * sender's alternatives one by one, then the receiver's wrappers and unions, then the base kinds.
 */

const MAX_STEPS = 200_000;

/** Receiver kinds whose behaviour the form does not state: compatible only with the same node. */
const BY_IDENTITY = new Set([
  "codec",
  "transform",
  "success",
  "nonoptional",
  "promise",
  "template_literal",
  "bigint",
  "symbol",
  "nan",
  "map",
  "set",
  "file",
  "function",
  "custom",
]);

export class Checker {
  private readonly active = new Map<CanonicalNode, Map<CanonicalNode, number>>();
  private steps = 0;
  readonly check: CheckFn = (receiver, sender, path) => this.visit(receiver, sender, path);

  private visit(receiver: Slot, sender: SenderSlot, path: string): Incompatibility[] {
    if (++this.steps > MAX_STEPS)
      return reason(path, "too large to compare (step budget exhausted)");
    const r = resolve(receiver);
    const s = resolve(sender);
    const bit = s.mode === "output" ? 1 : 2;
    let row = this.active.get(r.node);
    if (row === undefined) {
      row = new Map();
      this.active.set(r.node, row);
    }
    const held = row.get(s.node) ?? 0;
    if (held & bit) return [];
    row.set(s.node, held | bit);
    try {
      return this.compare(r, s, path);
    } finally {
      row.set(s.node, held);
    }
  }

  private compare(r: Slot, s: SenderSlot, path: string): Incompatibility[] {
    const R = r.node;
    if (isMarked(R) || BY_IDENTITY.has(R.type as string) || (R.type === "union" && R.exclusive)) {
      if (sameNode(r, s)) return [];
      return reason(path, byIdentityMessage(R));
    }
    if (R.type === "any" || R.type === "unknown" || R.type === "catch") return [];
    const alternatives = senderAlternatives(s);
    if (alternatives !== undefined) return alternatives.flatMap((alt) => this.check(r, alt, path));
    return this.receiverSide(r, s, path);
  }

  /** The sender is a base kind now; unwrap the receiver. */
  private receiverSide(r: Slot, s: SenderSlot, path: string): Incompatibility[] {
    const R = r.node;
    const S = s.node;
    const inner = (node: CanonicalNode): Slot => ({ node, defs: r.defs });
    switch (R.type) {
      case "optional":
      case "default":
      case "prefault":
        return S.type === "undefined" ? [] : this.check(inner(R.of), s, path);
      case "nullable":
        return S.type === "null" ? [] : this.check(inner(R.of), s, path);
      case "union":
        return this.union(r, R, s, path);
      case "intersection":
        return R.allOf.flatMap((part) => this.check(inner(part), s, path));
      case "pipe":
        // The output of `in` (as a sender writing its parse output) must then pass `out`.
        return [
          ...this.check(inner(R.in), s, path),
          ...this.check(inner(R.out), { node: R.in, defs: r.defs, mode: "output" }, path),
        ];
      default:
        return this.base(r, s, path);
    }
  }

  private union(r: Slot, R: UnionNode, s: SenderSlot, path: string): Incompatibility[] {
    if (R.discriminator !== undefined && s.node.type === "object") {
      const dispatched = this.discriminated(r, R, R.discriminator, s, path);
      if (dispatched !== undefined) return dispatched;
    }
    let best: Incompatibility[] | undefined;
    for (const option of R.anyOf) {
      const found = this.check({ node: option, defs: r.defs }, s, path);
      if (found.length === 0) return [];
      if (best === undefined || found.length < best.length) best = found;
    }
    const summary = `no option of the receiver's union accepts the sender's ${describeNode(s.node)}`;
    return R.anyOf.length === 1 ? (best ?? []) : [{ path, message: summary }, ...(best ?? [])];
  }

  /** Each discriminator value the sender may write must reach an option that accepts the rest. */
  private discriminated(
    r: Slot,
    R: UnionNode,
    key: string,
    s: SenderSlot,
    path: string,
  ): Incompatibility[] | undefined {
    const S = s.node as ObjectNode;
    const field = S.properties[key];
    const tag = field === undefined ? undefined : resolve({ node: field, defs: s.defs }).node;
    if (tag?.type !== "enum") return undefined;
    const out: Incompatibility[] = [];
    for (const value of tag.values) {
      const option = R.anyOf.find((o) => {
        const node = resolve({ node: o, defs: r.defs }).node;
        const inner = node.type === "object" ? node.properties[key] : undefined;
        return inner !== undefined && acceptsValue({ node: inner, defs: r.defs }, value) === true;
      });
      if (option === undefined) {
        out.push({
          path,
          message: `discriminator "${key}" value ${JSON.stringify(value)} has no option on the receiver`,
        });
        continue;
      }
      const narrowed: ObjectNode = {
        ...S,
        properties: { ...S.properties, [key]: { type: "enum", values: [value] } },
      };
      out.push(...this.check({ node: option, defs: r.defs }, { ...s, node: narrowed }, path));
    }
    return out;
  }

  /** Both sides are base kinds. */
  private base(r: Slot, s: SenderSlot, path: string): Incompatibility[] {
    const R = r.node;
    const S = s.node;
    if (S.type === "enum") return this.enumValues(r, S.values, path);
    if (S.type === "undefined") {
      return R.type === "undefined"
        ? []
        : reason(path, `the sender may send no value; the receiver requires ${describeNode(R)}`);
    }
    if (S.type === "null" && R.type !== "null" && R.type !== "enum") {
      return reason(
        path,
        `the sender may send null; the receiver's ${describeNode(R)} does not accept it`,
      );
    }
    if (S.type === "boolean" && R.type === "enum") return this.enumValues(r, [true, false], path);
    if (S.type === "null" && R.type === "enum") return this.enumValues(r, [null], path);
    if (S.type === "template_literal" && R.type === "string" && Object.keys(R).length === 1)
      return [];
    const pair = `${S.type}>${R.type}`;
    switch (pair) {
      case "null>null":
      case "boolean>boolean":
        return [];
      case "string>string":
        return stringRules(R as never, S as never, path);
      case "number>number":
      case "number>integer":
      case "integer>number":
      case "integer>integer":
        return numberRules(R as never, S as never, path);
      case "date>date":
        return sameNode(r, s) ? [] : dateRules(R as never, S as never, path);
      case "object>object":
        return objectRules(r, s, path, this.check);
      case "record>record":
        return recordRules(r, s, path, this.check);
      case "object>record":
        return objectToRecord(r, s, path, this.check);
      case "record>object":
        return recordToObject(r, s, path, this.check);
      case "array>array":
      case "array>tuple":
      case "tuple>array":
      case "tuple>tuple":
        return sequenceRules(r, s, path, this.check);
      default:
        return reason(path, `type changed from ${describeNode(S)} to ${describeNode(R)}`);
    }
  }

  private enumValues(r: Slot, values: readonly unknown[], path: string): Incompatibility[] {
    const out: Incompatibility[] = [];
    for (const value of values) {
      const accepted = acceptsValue(r, value as never);
      if (accepted === true) continue;
      const what = `value ${JSON.stringify(value)}`;
      const message =
        accepted === false
          ? r.node.type === "enum"
            ? `enum member ${JSON.stringify(value)} removed (the sender may send it)`
            : `${what} is not accepted by the receiver's ${describeNode(r.node)}`
          : `${what} cannot be checked against the receiver's ${describeNode(r.node)} (format or refinement)`;
      out.push({ path, message });
    }
    return out;
  }
}

function byIdentityMessage(node: CanonicalNode): string {
  if (isMarked(node)) {
    return "the receiver has refinements or overwrites here and the schemas differ (compared by identity)";
  }
  if (node.type === "union")
    return "the receiver's exclusive union differs from the sender's (compared by identity)";
  const kinds: Record<string, string> = {
    codec: "the receiver's codec differs from the sender's (transforms are compared by identity)",
    transform:
      "the receiver transforms this value and the schemas differ (transforms are compared by identity)",
    success: "the receiver's z.success differs from the sender's (compared by identity)",
  };
  return (
    kinds[node.type as string] ??
    `the receiver's ${describeNode(node)} differs from the sender's (compared by identity: not representable or not readable from structure)`
  );
}
