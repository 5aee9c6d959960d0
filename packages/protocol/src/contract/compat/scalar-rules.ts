import { canonicalText } from "../canonical/canonical-json.js";
import type { DateNode, NumberNode, StringNode } from "../canonical/node-types.js";
import type { Incompatibility } from "./slots.js";

/**
 * Strings, numbers and dates (PROTOCOL.md 7.6): the receiver's bounds must hold every value the
 * sender's bounds allow; a pattern or format the receiver has must be one the sender has too (a
 * stricter sender is fine, a stricter receiver is not).
 */

interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

/** Where the receiver's constraints do not cover the sender's, with the numbers in the message. */
export function stringRules(
  receiver: StringNode,
  sender: StringNode,
  path: string,
): Incompatibility[] {
  const out: Incompatibility[] = [];
  const push = (message: string): void => {
    out.push({ path, message });
  };
  const rMin = receiver.minLength ?? 0;
  const sMin = sender.minLength ?? 0;
  if (rMin > sMin) push(`minimum length raised from ${sMin} to ${rMin}`);
  if (receiver.maxLength !== undefined) {
    if (sender.maxLength === undefined) push(`maximum length ${receiver.maxLength} added`);
    else if (receiver.maxLength < sender.maxLength) {
      push(`maximum length lowered from ${sender.maxLength} to ${receiver.maxLength}`);
    }
  }
  const sFormats = new Set((sender.formats ?? []).map((f) => canonicalText(f)));
  for (const format of receiver.formats ?? []) {
    if (!sFormats.has(canonicalText(format))) push(`format ${describeFormat(format)} added`);
  }
  const sPatterns = new Set((sender.patterns ?? []).map((p) => canonicalText(p)));
  for (const pattern of receiver.patterns ?? []) {
    if (!sPatterns.has(canonicalText(pattern)))
      push(`pattern /${pattern.source}/${pattern.flags} added`);
  }
  return out;
}

function describeFormat(format: { name: string }): string {
  const options = Object.keys(format).filter((k) => k !== "name");
  return options.length === 0 ? format.name : `${format.name} ${canonicalText(format)}`;
}

/** Numbers and integers; an integer sender satisfies a number receiver, not the reverse. */
export function numberRules(
  receiver: NumberNode,
  sender: NumberNode,
  path: string,
): Incompatibility[] {
  const out: Incompatibility[] = [];
  if (receiver.type === "integer" && sender.type !== "integer" && !integralDivisor(sender)) {
    out.push({ path, message: "changed from number to integer (the sender may send fractions)" });
  }
  // An integer receiver's own ±(2^53 - 1) bounds are part of "integer", reported above.
  const own = receiver.type === "integer" && sender.type !== "integer";
  out.push(...boundRules(own ? withoutSafeBounds(receiver) : receiver, sender, path, ""));
  for (const divisor of receiver.multipleOf ?? []) {
    const covered =
      (sender.multipleOf ?? []).some((d) => Number.isInteger(d / divisor)) ||
      (divisor === 1 && (sender.type === "integer" || integralDivisor(sender)));
    if (!covered) out.push({ path, message: `multipleOf ${divisor} added` });
  }
  return out;
}

function withoutSafeBounds(node: NumberNode): NumberNode {
  const { minimum, maximum, ...rest } = node;
  return {
    ...rest,
    ...(minimum === -Number.MAX_SAFE_INTEGER ? {} : { minimum }),
    ...(maximum === Number.MAX_SAFE_INTEGER ? {} : { maximum }),
  } as NumberNode;
}

function integralDivisor(node: NumberNode): boolean {
  return (node.multipleOf ?? []).some((d) => Number.isInteger(d));
}

/** Dates: only a coercing receiver reads one back (it travels as ISO 8601 text). */
export function dateRules(receiver: DateNode, sender: DateNode, path: string): Incompatibility[] {
  if (receiver.coerce !== true) {
    return [
      {
        path,
        message:
          "a date travels as ISO 8601 text, which only a coercing date schema (z.coerce.date()) accepts",
      },
    ];
  }
  return boundRules(receiver, sender, path, " (ms since 1970)");
}

type Bounded = Pick<NumberNode, "minimum" | "exclusiveMinimum" | "maximum" | "exclusiveMaximum">;

function lower(node: Bounded): Bound | undefined {
  if (node.minimum !== undefined) return { value: node.minimum, exclusive: false };
  if (node.exclusiveMinimum !== undefined) return { value: node.exclusiveMinimum, exclusive: true };
  return undefined;
}

function upper(node: Bounded): Bound | undefined {
  if (node.maximum !== undefined) return { value: node.maximum, exclusive: false };
  if (node.exclusiveMaximum !== undefined) return { value: node.exclusiveMaximum, exclusive: true };
  return undefined;
}

function boundRules(
  receiver: Bounded,
  sender: Bounded,
  path: string,
  unit: string,
): Incompatibility[] {
  const out: Incompatibility[] = [];
  const rLow = lower(receiver);
  const sLow = lower(sender);
  if (rLow !== undefined && !(sLow !== undefined && covers(rLow, sLow, 1))) {
    out.push({ path, message: change("lower bound", sLow, rLow, "raised", ">") + unit });
  }
  const rHigh = upper(receiver);
  const sHigh = upper(sender);
  if (rHigh !== undefined && !(sHigh !== undefined && covers(rHigh, sHigh, -1))) {
    out.push({ path, message: change("upper bound", sHigh, rHigh, "lowered", "<") + unit });
  }
  return out;
}

/** True when every value inside the sender's bound is inside the receiver's (`side` 1: lower). */
function covers(receiver: Bound, sender: Bound, side: 1 | -1): boolean {
  if (receiver.value === sender.value) return !receiver.exclusive || sender.exclusive;
  return side === 1 ? receiver.value < sender.value : receiver.value > sender.value;
}

function change(
  what: string,
  from: Bound | undefined,
  to: Bound,
  verb: string,
  op: string,
): string {
  const show = (b: Bound): string => `${op}${b.exclusive ? "" : "="} ${b.value}`;
  return from === undefined
    ? `${what} ${show(to)} added`
    : `${what} ${verb} from ${show(from)} to ${show(to)}`;
}
