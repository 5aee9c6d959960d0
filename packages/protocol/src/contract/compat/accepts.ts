import { canonicalText } from "../canonical/canonical-json.js";
import type { CanonicalNode } from "../canonical/node-types.js";
import { validateCanonicalNode } from "../canonical/validate-form.js";
import { Checker } from "./checker.js";
import { sendsInputSide } from "./node-views.js";
import type { Defs, Incompatibility } from "./slots.js";

/** The verdict for one flow of values: compatible, or the reasons it is not. */
export interface Compatibility {
  readonly compatible: boolean;
  /** Empty when compatible; otherwise at least one, each with a path and a message. */
  readonly reasons: readonly Incompatibility[];
}

const COMPATIBLE: Compatibility = Object.freeze({ compatible: true, reasons: Object.freeze([]) });

/**
 * Whether a receiver whose schema has the canonical form `receiver` accepts every value a sender
 * with the form `sender` may write (PROTOCOL.md 7.6). Structural and conservative: "compatible" is
 * a guarantee for what structure can tell (refinements and transforms are compared by identity);
 * "incompatible" comes with human-readable reasons, each with a path, such as
 * `user.tags[].name: maximum length lowered from 50 to 20`.
 *
 * @throws `ERR_INVALID_ARGUMENT` when either form is malformed.
 *
 * @example
 * ```ts
 * const old = canonicalSchema(z.object({ name: z.string().max(50) }));
 * const next = canonicalSchema(z.object({ name: z.string().max(20) }));
 * accepts(next, old); // { compatible: false, reasons: [{ path: "name", message: "maximum length lowered from 50 to 20" }] }
 * accepts(old, next); // { compatible: true, reasons: [] }
 * ```
 */
export function accepts(receiver: CanonicalNode, sender: CanonicalNode): Compatibility {
  validateCanonicalNode(receiver, "receiver");
  validateCanonicalNode(sender, "sender");
  return checkFlow(receiver, sender);
}

/** {@link accepts} for forms already validated. Identical forms are compatible at once. */
export function checkFlow(receiver: CanonicalNode, sender: CanonicalNode): Compatibility {
  if (receiver === sender || canonicalText(receiver) === canonicalText(sender)) return COMPATIBLE;
  const r = { node: receiver, defs: defsOf(receiver) };
  const s = {
    node: sender,
    defs: defsOf(sender),
    mode: sendsInputSide(sender) ? "input" : "output",
  } as const;
  const reasons = unique(new Checker().check(r, s, ""));
  return reasons.length === 0 ? COMPATIBLE : { compatible: false, reasons };
}

function defsOf(root: CanonicalNode): Defs {
  return root.$defs ?? {};
}

/** Drops repeated reasons (a sender union can reach the same problem through several options). */
function unique(reasons: readonly Incompatibility[]): Incompatibility[] {
  const seen = new Set<string>();
  return reasons.filter((item) => {
    const key = `${item.path}\u0000${item.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
