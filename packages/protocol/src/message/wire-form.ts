import type { z } from "zod";

/**
 * What a sender writes for a message: the value as its schema reads it, holding only what the
 * schema declares (PROTOCOL.md section 6, "What a sender writes").
 *
 * - A schema without transforms: the value zod's parse returns. Every object schema that strips
 *   unknown keys (zod's default `z.object`) has them removed, a strict one has refused them, a
 *   loose one (`z.looseObject`, `.catchall()`, `.passthrough()`) keeps them; defaults are filled
 *   in. The receiver parses that value with the same schema and gets the same value again.
 * - A schema with a transform somewhere (`.transform()`, `z.preprocess`, `z.codec`, `.overwrite()`):
 *   its output is not something the receiver's schema accepts (the receiver would transform it
 *   a second time), so the sender writes its *input*, projected onto the schema's input side:
 *   the same key rules, nothing transformed, no defaults filled in. The receiver's parse then
 *   runs every transform exactly once.
 *
 * `projectValue` is that projection, and for a schema without transforms and a value the schema
 * accepts, `JSON.stringify(projectValue(schema, value))` is `JSON.stringify(schema.parse(value))`
 * except where parsing changes values (defaults, `catch`, coercion): callers pass zod's output in
 * those cases (see `outboundValue`). A property test holds the two equal.
 */

/** The parts of a zod 4 definition read here. */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: readonly z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  items?: readonly z.ZodType[];
  rest?: z.ZodType | null;
  valueType?: z.ZodType;
  getter?: () => z.ZodType;
  transform?: unknown;
  checks?: readonly { _zod?: { def?: { check?: string } } }[];
}

function defOf(schema: z.ZodType): Def | undefined {
  return (schema as unknown as { _zod?: { def?: Def } })._zod?.def;
}

const outputIsWire = new WeakMap<z.ZodType, boolean>();

/**
 * True when zod's output for `schema` is what goes on the wire: the schema has no transform
 * anywhere (no `transform`, `preprocess`, `codec`, `overwrite` check, `success` or `promise`), so
 * parsing its output again gives the same value. Cached per schema.
 *
 * @example
 * ```ts
 * sendsParsedOutput(z.object({ n: z.number().default(1) }));       // true
 * sendsParsedOutput(z.object({ n: z.string().transform(Number) }));  // false
 * ```
 */
export function sendsParsedOutput(schema: z.ZodType): boolean {
  let answer = outputIsWire.get(schema);
  if (answer === undefined) {
    answer = !hasTransform(schema, new Set());
    outputIsWire.set(schema, answer);
  }
  return answer;
}

function hasTransform(schema: z.ZodType, seen: Set<z.ZodType>): boolean {
  if (seen.has(schema)) return false;
  seen.add(schema);
  const def = defOf(schema);
  if (def === undefined) return true;
  switch (def.type) {
    case "transform":
    case "success":
    case "promise":
    case "function":
      return true;
    case "pipe":
      if (def.transform !== undefined) return true; // a codec
      break;
    default:
  }
  if (def.checks?.some((check) => check._zod?.def?.check === "overwrite")) return true;
  return children(def).some((child) => hasTransform(child, seen));
}

/** The schemas directly inside `def`. */
function children(def: Def): z.ZodType[] {
  const list: (z.ZodType | null | undefined)[] = [
    def.catchall,
    def.element,
    def.innerType,
    def.in,
    def.out,
    def.left,
    def.right,
    def.rest,
    def.valueType,
  ];
  if (def.shape) list.push(...Object.values(def.shape));
  if (def.options) list.push(...def.options);
  if (def.items) list.push(...def.items);
  if (def.type === "lazy" && def.getter) list.push(def.getter());
  return list.filter((child): child is z.ZodType => child != null);
}

/**
 * Projects `value` onto what `schema` declares on its input side: undeclared keys of every object
 * that strips them are removed (also of a strict object: when validation is off nothing refused
 * them), a loose object keeps its extra keys, array elements, tuple items and record values are
 * projected in turn, a union projects onto the first option that accepts the value. Values of
 * any other kind, and values not of the schema's shape, are returned as they are. Nothing is
 * transformed and nothing is filled in. The input is never changed; objects and arrays are new.
 *
 * @example
 * ```ts
 * projectValue(z.object({ id: z.number() }), { id: 1, passwordHash: "…" }); // { id: 1 }
 * ```
 */
export function projectValue(schema: z.ZodType, value: unknown): unknown {
  const def = defOf(schema);
  if (def === undefined) return value;
  switch (def.type) {
    case "object":
      return projectObject(def, value);
    case "array":
      return Array.isArray(value) && def.element
        ? value.map((item) => projectValue(def.element as z.ZodType, item))
        : value;
    case "tuple":
      return projectTuple(def, value);
    case "record":
      return projectRecord(def, value);
    case "union": {
      const match = def.options?.find((option) => option.safeParse(value).success);
      return match === undefined ? value : projectValue(match, value);
    }
    case "intersection":
      return def.left && def.right
        ? merge(projectValue(def.left, value), projectValue(def.right, value))
        : value;
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
    case "nonoptional":
      return value === undefined || value === null || !def.innerType
        ? value
        : projectValue(def.innerType, value);
    case "pipe":
      return def.in ? projectValue(def.in, value) : value;
    case "lazy":
      return def.getter ? projectValue(def.getter(), value) : value;
    default:
      return value;
  }
}

function isRecordLike(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Declared keys in the schema's order (as zod writes them), then, for a loose object, the other
 * keys in the order `for...in` gives them (zod reads them so too). `__proto__` is never copied:
 * assigning it would replace the new object's prototype.
 */
function projectObject(def: Def, value: unknown): unknown {
  if (!isRecordLike(value)) return value;
  const shape = def.shape ?? {};
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) {
    if (key === "__proto__" || !(key in value)) continue;
    out[key] = projectValue(shape[key] as z.ZodType, value[key]);
  }
  const catchall = def.catchall;
  const keepsExtra = catchall !== undefined && defOf(catchall)?.type !== "never";
  if (keepsExtra) {
    for (const key in value) {
      if (key === "__proto__" || Object.hasOwn(shape, key)) continue;
      out[key] = projectValue(catchall, value[key]);
    }
  }
  return out;
}

function projectTuple(def: Def, value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const items = def.items ?? [];
  const rest = def.rest ?? undefined;
  const end = rest === undefined ? Math.min(value.length, items.length) : value.length;
  const out: unknown[] = [];
  for (let i = 0; i < end; i++) {
    const item = items[i] ?? rest;
    out.push(item === undefined ? value[i] : projectValue(item, value[i]));
  }
  return out;
}

function projectRecord(def: Def, value: unknown): unknown {
  if (!isRecordLike(value) || def.valueType === undefined) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === "__proto__") continue;
    out[key] = projectValue(def.valueType, value[key]);
  }
  return out;
}

/** Both sides of an intersection: keys of either, objects merged key by key. */
function merge(left: unknown, right: unknown): unknown {
  if (!isRecordLike(left) || !isRecordLike(right)) return right;
  const out: Record<string, unknown> = { ...left };
  for (const key of Object.keys(right)) {
    out[key] = key in out ? merge(out[key], right[key]) : right[key];
  }
  return out;
}
