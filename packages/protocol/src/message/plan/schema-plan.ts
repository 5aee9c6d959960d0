import { config, type z } from "zod";
import { isAnyValue } from "../accept-check.js";
import { SchemaMemo } from "../schema-memo.js";
import {
  type JsonPlan,
  MAX_PLAN_DEPTH,
  MAX_PLAN_NODES,
  type PlanField,
  planDepth,
} from "./json-plan.js";
import { isPlainKey } from "./plain-keys.js";
import { compilePlan, type ParsePlan } from "./plan-compiler.js";
import { compileWriter, type PlanWriter } from "./plan-writer.js";

/** The parts of a zod 4 schema definition the planner reads. */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  values?: readonly unknown[];
  entries?: Record<string, unknown>;
}

const shapes = new SchemaMemo<JsonPlan>((schema) =>
  config().jitless ? undefined : buildPlan(schema, 0, false, { nodes: MAX_PLAN_NODES }),
);
const parsers = new SchemaMemo<ParsePlan>((schema) => {
  const shape = shapes.get(schema);
  const parse = shape && compilePlan(shape);
  return parse && shape && { parse, depth: planDepth(shape) };
});
const writers = new SchemaMemo<PlanWriter>((schema) => {
  const shape = shapes.get(schema);
  return shape && compileWriter(shape);
});

/**
 * The parse plan for payloads of `schema`, or `undefined` when the schema is not one the plan
 * parser covers. Plans are made once per schema and cached.
 *
 * Covered: objects (any unknown-key mode), arrays, strings (any format and checks), numbers and
 * integers, booleans, string/number/boolean literals and enums, and `optional`, `nullable`,
 * `default`, `catch`, `readonly` and `pipe` (its input side) around them; an object field of any
 * value that may be absent (`z.unknown().optional()`) is left out, so a payload without it is
 * read along the plan and one with it the general way. Anything else (unions, records, tuples, a
 * required `unknown` or `any`, lazy schemas...) has no plan and is always decoded the general way.
 * Keys that are not plain printable ASCII, and the keys `__proto__` and `constructor` (which
 * the general path treats specially), also mean no plan.
 *
 * A plan only guides parsing: the schema still validates every parsed value, so a plan that
 * is looser than its schema (it ignores checks, formats and literal values) changes nothing.
 * The plan is compiled to a parser with `new Function`, as zod compiles its own object checks;
 * with zod's `jitless` setting, or where code generation is forbidden, there are no plans.
 */
export function planForSchema(schema: z.ZodType): ParsePlan | undefined {
  return parsers.get(schema);
}

/**
 * The writer of JSON bytes for values of `schema`, made from the same plan as its parser (see
 * {@link planForSchema}) and cached the same way; `undefined` when the schema has no plan. The
 * writer checks every value it writes against the plan and steps aside for anything else, so,
 * as for parsing, the plan needs only describe the shape the schema's input usually has.
 */
export function writerForSchema(schema: z.ZodType): PlanWriter | undefined {
  return writers.get(schema);
}

/**
 * The plan of `schema` as data, built once and cached (the same plan {@link planForSchema}
 * compiles), or `undefined` when the schema has none. For payloads decoded too rarely to be worth
 * a compiled parser: `followsPlan` checks a decoded value against it.
 */
export function shapeForSchema(schema: z.ZodType): JsonPlan | undefined {
  return shapes.get(schema);
}

interface Budget {
  nodes: number;
}

function buildPlan(
  schema: z.ZodType,
  depth: number,
  nullable: boolean,
  budget: Budget,
): JsonPlan | undefined {
  if (--budget.nodes < 0) return undefined;
  const def = defOf(schema);
  if (def === undefined) return undefined;
  switch (def.type) {
    case "string":
    case "number":
    case "boolean":
      return { kind: def.type, nullable };
    case "enum":
      // Values of a TypeScript numeric enum are numbers, so the entries decide, as for literals.
      return literalPlan(Object.values(def.entries ?? {}), nullable);
    case "literal":
      return literalPlan(def.values ?? [], nullable);
    case "nullable":
      return def.innerType && buildPlan(def.innerType, depth, true, budget);
    case "optional":
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
    case "nonoptional":
      return def.innerType && buildPlan(def.innerType, depth, nullable, budget);
    case "pipe":
      return def.in && buildPlan(def.in, depth, nullable, budget);
    case "array": {
      if (depth >= MAX_PLAN_DEPTH || def.element === undefined) return undefined;
      const element = buildPlan(def.element, depth + 1, false, budget);
      return element && { kind: "array", nullable, element };
    }
    case "object": {
      if (depth >= MAX_PLAN_DEPTH) return undefined;
      const catchall = def.catchall === undefined ? undefined : defOf(def.catchall)?.type;
      const extraKeys = catchall === undefined || catchall === "never" ? "drop" : "keep";
      return objectPlan(def.shape ?? {}, extraKeys, depth, nullable, budget);
    }
    default:
      return undefined;
  }
}

/** A literal's plan, when all its values are of one JSON primitive type. */
function literalPlan(values: readonly unknown[], nullable: boolean): JsonPlan | undefined {
  const types = new Set(values.map((value) => typeof value));
  const [type] = types;
  if (types.size !== 1 || (type !== "string" && type !== "number" && type !== "boolean")) {
    return undefined;
  }
  return { kind: type, nullable };
}

function defOf(schema: z.ZodType): SchemaDef | undefined {
  return (schema as unknown as { _zod?: { def?: SchemaDef } })._zod?.def;
}

/** Whether an object may leave the key of `schema` out (zod's `optin`: optional or defaulted). */
function mayBeAbsent(schema: z.ZodType): boolean {
  return (schema as unknown as { _zod?: { optin?: string } })._zod?.optin !== undefined;
}

function isOptionalAnyValue(schema: z.ZodType): boolean {
  const def = defOf(schema);
  return def?.type === "optional" && def.innerType !== undefined && isAnyValue(def.innerType);
}

function objectPlan(
  shape: Record<string, z.ZodType>,
  extraKeys: "drop" | "keep",
  depth: number,
  nullable: boolean,
  budget: Budget,
): JsonPlan | undefined {
  const keys = Object.keys(shape);
  const fields: PlanField[] = [];
  const unplanned: string[] = [];
  for (const key of keys) {
    if (!isPlainKey(key)) return undefined;
    // An optional field of any value (a hello's `credentials`) is left out of the plan: when it
    // is absent the rest is read along the plan, and when it is there its key is one the plan
    // does not know, which sends the payload to the general path (and the writer likewise).
    if (isOptionalAnyValue(shape[key] as z.ZodType)) {
      unplanned.push(key);
      continue;
    }
    const field = shape[key] as z.ZodType;
    const plan = buildPlan(field, depth + 1, false, budget);
    if (plan === undefined) return undefined;
    fields.push({ key, plan, optional: mayBeAbsent(field) });
  }
  return { kind: "object", nullable, fields, extraKeys, unplanned };
}
