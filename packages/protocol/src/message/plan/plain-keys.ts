import type { JsonPlan } from "./json-plan.js";

/**
 * The keys the compiled parser and writer can take as they are: printable ASCII without `"` or
 * `\` (compared byte by byte with the payload and written as the bytes of a JSON literal, one
 * byte per character), and neither `__proto__` (which `JSON.parse` keeps as an own key but an
 * object literal's assignment would turn into a prototype) nor `constructor` (which the general
 * path's poisoning rule may remove, so the two paths could differ).
 *
 * Each compiler checks this itself, for every key of the plan it is given, and refuses the plan
 * otherwise: a plan made by hand (in a test, by a later planner) can never produce a parser that
 * misreads a key or a writer that writes invalid UTF-8.
 *
 * @example
 * ```ts
 * isPlainKey("seq");       // true
 * isPlainKey("é");         // false: not ASCII
 * isPlainKey("__proto__"); // false
 * ```
 */
export function isPlainKey(key: string): boolean {
  return PLAIN_KEY.test(key) && key !== "__proto__" && key !== "constructor";
}

const PLAIN_KEY = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** True when every key in `plan`, at any depth (fields and left-out keys), is plain. */
export function hasOnlyPlainKeys(plan: JsonPlan): boolean {
  switch (plan.kind) {
    case "object":
      return (
        plan.fields.every((field) => isPlainKey(field.key) && hasOnlyPlainKeys(field.plan)) &&
        plan.unplanned.every(isPlainKey)
      );
    case "array":
      return hasOnlyPlainKeys(plan.element);
    default:
      return true;
  }
}
