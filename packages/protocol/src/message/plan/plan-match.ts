import type { JsonPlan } from "./json-plan.js";

/**
 * Whether a decoded JSON value has exactly the shape `plan` describes: the same kinds of values,
 * `null` only where the plan is nullable, and in every object only the plan's keys, in the plan's
 * order (any of them may be missing). That is the shape of what zod returns for a schema whose
 * plan this is, so a value that matches and that the schema's accept check accepts is zod's
 * output as it stands, and zod can be skipped.
 *
 * It asks of a value what the compiled plan parser asks of bytes, and is meant for payloads too
 * rare to be worth one (control frames: a hello or a welcome once per connection). A compiled
 * parser for those would be optimized by V8 only after many connections, on a background thread
 * whose memory stays with the process afterwards (about 50 ms of compiling and a few MiB for the
 * hello), to save a microsecond per connection.
 *
 * The depth of the walk is the plan's, which is bounded (see `MAX_PLAN_DEPTH`).
 *
 * @example
 * ```ts
 * const plan: JsonPlan = {
 *   kind: "object",
 *   nullable: false,
 *   fields: [{ key: "text", plan: { kind: "string", nullable: false } }],
 * };
 * followsPlan(plan, { text: "hi" });          // true
 * followsPlan(plan, { text: "hi", extra: 1 }); // false: zod would strip `extra`
 * ```
 */
export function followsPlan(plan: JsonPlan, value: unknown): boolean {
  if (value === null) return plan.nullable;
  switch (plan.kind) {
    case "string":
    case "number":
    case "boolean":
      return typeof value === plan.kind;
    case "array": {
      if (!Array.isArray(value)) return false;
      for (const element of value) if (!followsPlan(plan.element, element)) return false;
      return true;
    }
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) return false;
      const fields = plan.fields;
      let next = 0;
      for (const key of Object.keys(value)) {
        // Keys must come in the plan's order: skip the fields this value leaves out.
        while (next < fields.length && fields[next]?.key !== key) next++;
        const field = fields[next];
        if (field === undefined) return false;
        if (!followsPlan(field.plan, (value as Record<string, unknown>)[key])) return false;
        next++;
      }
      return true;
    }
  }
}
