import { config, type z } from "zod";
import { indent, NumberedVariables } from "./plan/generated-code.js";
import { SchemaMemo } from "./schema-memo.js";

/**
 * A quick test that a value passes its schema: `true` only when the schema's `safeParse` would
 * succeed. `false` means "not sure": the caller then validates with zod, which gives the answer
 * and the issues. It never throws of its own accord (a throwing getter still throws, as it would
 * in zod).
 */
export type AcceptCheck = (value: unknown) => boolean;

/** The parts of a zod 4 definition (schema or check) this module reads. */
interface Def {
  type?: string;
  check?: string;
  format?: string;
  coerce?: boolean;
  checks?: readonly { _zod?: { def?: Def } }[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  maximum?: number;
  minimum?: number;
  length?: number;
  value?: number;
  inclusive?: boolean;
  pattern?: RegExp;
}

const checks = new SchemaMemo<AcceptCheck>((schema) =>
  config().jitless ? undefined : compile(schema),
);

/** Most schema nodes one check may cover; larger schemas are left to zod. */
const MAX_NODES = 512;
/** Deepest nesting one check may cover. */
const MAX_DEPTH = 32;

/**
 * The accept check for `schema`, or `undefined` when the schema uses anything it does not
 * cover. Made once per schema and cached.
 *
 * Covered, with the same rules zod applies: strings, finite numbers, safe integers, booleans,
 * literals, enums, objects (stripping, strict or loose), arrays, `optional` and `nullable` around
 * them, and `z.unknown().optional()` / `z.any().optional()` (any value or none); the checks
 * `min`/`max`/`length` (strings and arrays), `regex`, `gt`/`gte`/`lt`/`lte` (and `positive`,
 * `nonnegative`...) and `int`. Anything that can change a value or that runs code (refinements,
 * transforms, defaults, `catch`, `preprocess`, coercion), and other formats and checks, mean no
 * accept check: zod validates every value of such a schema.
 *
 * The check is compiled to one function with `new Function`, as zod compiles its own object
 * parsers; with zod's `jitless` setting, or where code generation is forbidden, there are none.
 * Only numbered variables, constant indexes and key names (as JSON string literals, which are
 * valid JavaScript) are placed in the generated source: regular expressions, bounds and value
 * sets are passed in as an array of constants.
 *
 * Why: outbound validation with zod cost about 190 ns per small message on the sender (its
 * result objects also keep the garbage collector busy), more than encoding; a value that passes
 * this check is known to pass zod, whose output the sender does not use anyway.
 *
 * @example
 * ```ts
 * const accept = acceptCheckFor(z.object({ text: z.string().max(10) }));
 * accept?.({ text: "hi" });  // true
 * accept?.({ text: 5 });     // false: zod decides (and reports the issue)
 * ```
 */
export function acceptCheckFor(schema: z.ZodType): AcceptCheck | undefined {
  return checks.get(schema);
}

function compile(schema: z.ZodType): AcceptCheck | undefined {
  const source = new CheckSource();
  const code = source.node(schema, "x", 0);
  if (code === undefined) return undefined;
  const body = [`let k${source.declarations()};`, ...code, "return true;"].join("\n");
  try {
    const factory = new Function(
      "K",
      "isArray",
      "isFiniteNumber",
      "isSafeInteger",
      `"use strict";\nreturn function acceptCheck(x) {\n${body}\n};`,
    ) as (
      constants: readonly unknown[],
      isArray: typeof Array.isArray,
      isFiniteNumber: typeof Number.isFinite,
      isSafeInteger: typeof Number.isSafeInteger,
    ) => AcceptCheck;
    return factory(source.constants, Array.isArray, Number.isFinite, Number.isSafeInteger);
  } catch {
    return undefined;
  }
}

/**
 * zod's own kinds (the `$Zod…` traits its classes carry) that this module knows the rules of. A
 * schema carrying any other (a subclass such as `exactOptional`, which shares `optional`'s
 * definition but refuses a present `undefined`, or a kind added in a later zod) is left to zod.
 */
const KNOWN_TRAITS = new Set([
  "$ZodType",
  "$ZodString",
  "$ZodNumber",
  "$ZodNumberFormat",
  "$ZodCheckNumberFormat",
  "$ZodCheck",
  "$ZodBoolean",
  "$ZodLiteral",
  "$ZodEnum",
  "$ZodOptional",
  "$ZodNullable",
  "$ZodArray",
  "$ZodObject",
  "$ZodObjectJIT",
  "$ZodUnknown",
  "$ZodAny",
]);

function knownKind(schema: z.ZodType): boolean {
  const traits = (schema as unknown as { _zod?: { traits?: unknown } })._zod?.traits;
  if (!(traits instanceof Set)) return false;
  for (const trait of traits) {
    if (typeof trait === "string" && trait.startsWith("$") && !KNOWN_TRAITS.has(trait))
      return false;
  }
  return true;
}

/** `z.unknown()` or `z.any()` with no refinement of its own. */
export function isAnyValue(schema: z.ZodType): boolean {
  const def = defOf(schema);
  return (
    (def?.type === "unknown" || def?.type === "any") &&
    (def.checks === undefined || def.checks.length === 0) &&
    knownKind(schema)
  );
}

function defOf(schema: unknown): Def | undefined {
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

/** Builds the generated source: statements that `return false` as soon as a test fails. */
class CheckSource {
  readonly constants: unknown[] = [];
  private readonly names = new NumberedVariables("x");
  private nodes = MAX_NODES;

  declarations(): string {
    return this.names.declarations();
  }

  private variable(): string {
    return this.names.next();
  }

  /** An expression for a constant passed in. */
  private constant(value: unknown): string {
    this.constants.push(value);
    return `K[${this.constants.length - 1}]`;
  }

  /** Statements that fail unless `v` passes `schema`, or `undefined` when it is not covered. */
  node(schema: z.ZodType, v: string, depth: number): string[] | undefined {
    if (--this.nodes < 0 || depth > MAX_DEPTH) return undefined;
    const def = defOf(schema);
    if (def === undefined || def.coerce === true || !knownKind(schema)) return undefined;
    // Checks (refinements among them) are read only for strings, numbers and arrays.
    const checked = def.checks !== undefined && def.checks.length > 0;
    if (checked && def.type !== "string" && def.type !== "number" && def.type !== "array") {
      return undefined;
    }
    switch (def.type) {
      case "string":
        if (def.format !== undefined) return undefined;
        return this.withChecks([`if (typeof ${v} !== "string") return false;`], def, v);
      case "number": {
        const base = [`if (!isFiniteNumber(${v})) return false;`];
        if (def.format === "safeint" && def.check === "number_format") {
          base.push(`if (!isSafeInteger(${v})) return false;`);
        } else if (def.format !== undefined) return undefined;
        return this.withChecks(base, def, v);
      }
      case "boolean":
        return [`if (typeof ${v} !== "boolean") return false;`];
      case "literal":
      case "enum":
        return this.oneOf(schema, v);
      case "optional":
      case "nullable": {
        // An optional field of any value (`z.unknown().optional()`): zod accepts whatever is
        // there, absent included. A bare `z.unknown()` is not covered: zod wants its key present.
        if (def.type === "optional" && def.innerType && isAnyValue(def.innerType)) return [];
        const inner = def.innerType && this.node(def.innerType, v, depth);
        if (inner === undefined) return undefined;
        const skip = def.type === "optional" ? "undefined" : "null";
        return [`if (${v} !== ${skip}) {`, ...indent(inner), "}"];
      }
      case "array":
        return this.array(def, v, depth);
      case "object":
        return this.object(def, v, depth);
      default:
        return undefined;
    }
  }

  /**
   * Literals and enums: membership in the set of values zod itself keeps for the schema (for an
   * enum made from a TypeScript enum object, that set already leaves out the reverse mappings).
   */
  private oneOf(schema: z.ZodType, v: string): string[] | undefined {
    const values = (schema as unknown as { _zod: { values?: unknown } })._zod.values;
    if (!(values instanceof Set) || values.size === 0) return undefined;
    if (values.size === 1) {
      const [only] = values;
      if (Number.isNaN(only)) return undefined;
      return [`if (${v} !== ${this.constant(only)}) return false;`];
    }
    return [`if (!${this.constant(values)}.has(${v})) return false;`];
  }

  private withChecks(base: string[], def: Def, v: string): string[] | undefined {
    const code = [...base];
    for (const entry of def.checks ?? []) {
      const test = this.test(entry._zod?.def, v);
      if (test === undefined) return undefined;
      code.push(...test);
    }
    return code;
  }

  /**
   * One of the checks zod keeps in `def.checks`, for a value already of the right type. A check's
   * `when` (zod skips the check when it returns false) is ignored: the test always applies here,
   * which can only mean "not sure" more often, never accepting what zod refuses.
   */
  private test(check: Def | undefined, v: string): string[] | undefined {
    switch (check?.check) {
      case "max_length":
        return [`if (${v}.length > ${this.constant(check.maximum)}) return false;`];
      case "min_length":
        return [`if (${v}.length < ${this.constant(check.minimum)}) return false;`];
      case "length_equals":
        return [`if (${v}.length !== ${this.constant(check.length)}) return false;`];
      case "greater_than":
        return [
          `if (!(${v} ${check.inclusive ? ">=" : ">"} ${this.constant(check.value)})) return false;`,
        ];
      case "less_than":
        return [
          `if (!(${v} ${check.inclusive ? "<=" : "<"} ${this.constant(check.value)})) return false;`,
        ];
      case "number_format":
        return check.format === "safeint" ? [`if (!isSafeInteger(${v})) return false;`] : undefined;
      case "string_format": {
        if (check.format !== "regex" || !(check.pattern instanceof RegExp)) return undefined;
        const pattern = this.constant(check.pattern);
        return [`${pattern}.lastIndex = 0;`, `if (!${pattern}.test(${v})) return false;`];
      }
      default:
        return undefined;
    }
  }

  private array(def: Def, v: string, depth: number): string[] | undefined {
    const index = this.variable();
    const element = this.variable();
    const inner = def.element && this.node(def.element, element, depth + 1);
    if (inner === undefined) return undefined;
    const code = this.withChecks([`if (!isArray(${v})) return false;`], def, v);
    if (code === undefined) return undefined;
    return [
      ...code,
      `for (${index} = 0; ${index} < ${v}.length; ${index}++) {`,
      `  ${element} = ${v}[${index}];`,
      ...indent(inner),
      "}",
    ];
  }

  private object(def: Def, v: string, depth: number): string[] | undefined {
    const catchall = def.catchall === undefined ? undefined : defOf(def.catchall)?.type;
    if (catchall !== undefined && catchall !== "never" && catchall !== "unknown") return undefined;
    const shape = def.shape ?? {};
    const keys = Object.keys(shape);
    if (keys.includes("__proto__")) return undefined;
    const code = [`if (typeof ${v} !== "object" || ${v} === null || isArray(${v})) return false;`];
    for (const key of keys) {
      const value = this.variable();
      const field = this.node(shape[key] as z.ZodType, value, depth + 1);
      if (field === undefined) return undefined;
      code.push(`${value} = ${v}[${JSON.stringify(key)}];`, ...field);
    }
    // Strict objects refuse unknown keys; any key not in the shape sends the value to zod.
    if (catchall === "never") {
      code.push(`for (k in ${v}) if (!${this.constant(new Set(keys))}.has(k)) return false;`);
    }
    return code;
  }
}
