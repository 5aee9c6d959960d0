import type { z } from "zod";
import { ErrorCode } from "../../errors/codes.js";
import { SockwireError } from "../../errors/sockwire-error.js";
import { bigintMembers, countMembers, dateMembers, numberMembers } from "./bounds-form.js";
import { compareUtf16 } from "./canonical-json.js";
import {
  BIGINT_CHECKS,
  DATE_CHECKS,
  FILE_CHECKS,
  LENGTH_CHECKS,
  NUMBER_CHECKS,
  SIZE_CHECKS,
  STRING_CHECKS,
  stringMembers,
  tallyChecks,
  unrepresentable,
} from "./check-form.js";
import { deepFreeze } from "./freeze.js";
import { fileNode, sizes, templateNode, valuesNode } from "./leaf-form.js";
import type { CanonicalNode } from "./node-types.js";
import { SchemaWalk } from "./schema-walk.js";
import {
  type CheckDef,
  checksOf,
  child,
  defOf,
  hasTrait,
  isZodSchema,
  lazyInner,
  mayBeAbsent,
  valuesOf,
  type ZodDef,
} from "./zod-def.js";

/**
 * zod schema → canonical node (PROTOCOL.md 7.3). Each zod definition type maps to one node kind;
 * `readonly` and `z.lazy()` leave no node of their own (they change nothing on the wire), and
 * descriptions, metadata and brands are not read at all.
 */

const cache = new WeakMap<z.ZodType, CanonicalNode>();

/**
 * The canonical form of one schema: a JSON value that states what the schema accepts and what a
 * sender writes for it, computed from zod's definitions, never from another library's output.
 * Equal forms mean equal wire behaviour, as far as structure can tell; refinements and transforms
 * are marked, not described. The result is frozen and cached per schema object.
 *
 * @throws `ERR_INVALID_ARGUMENT` for a value that is not a zod schema, or a schema the form cannot
 * state (symbol keys, a NaN bound, a getter that builds new schemas without end).
 *
 * @example
 * ```ts
 * canonicalSchema(z.object({ name: z.string().max(50), age: z.int().optional() }));
 * // { type: "object", unknownKeys: "strip", required: ["name"], properties: {
 * //     age: { type: "optional", of: { type: "integer", minimum: -9007199254740991, ... } },
 * //     name: { type: "string", maxLength: 50 } } }
 * ```
 */
export function canonicalSchema(schema: z.ZodType): CanonicalNode {
  if (!isZodSchema(schema)) {
    throw new SockwireError(ErrorCode.INVALID_ARGUMENT, "canonicalSchema: not a zod schema");
  }
  let form = cache.get(schema);
  if (form === undefined) {
    const walk = new SchemaWalk(nodeOf);
    form = deepFreeze(walk.finish(walk.node(schema)));
    cache.set(schema, form);
  }
  return form;
}

const KNOWN_CHECKS: Readonly<Record<string, ReadonlySet<string>>> = {
  string: STRING_CHECKS,
  number: NUMBER_CHECKS,
  int: NUMBER_CHECKS,
  bigint: BIGINT_CHECKS,
  date: DATE_CHECKS,
  array: LENGTH_CHECKS,
  set: SIZE_CHECKS,
  map: SIZE_CHECKS,
  file: FILE_CHECKS,
};
const NO_CHECKS: ReadonlySet<string> = new Set();

/** The node of one schema, with its refinement and overwrite counts. */
function nodeOf(schema: z.ZodType, walk: SchemaWalk): CanonicalNode {
  const def = defOf(schema);
  const tally = tallyChecks(checksOf(schema), KNOWN_CHECKS[def.type] ?? NO_CHECKS);
  const node = kindOf(schema, def, tally.known, walk) as Record<string, unknown>;
  // Nodes are fresh objects (see SchemaWalk), so adding the counts in place is safe.
  if (tally.refinements > 0)
    node.refinements = ((node.refinements as number) ?? 0) + tally.refinements;
  if (tally.overwrites > 0) node.overwrites = ((node.overwrites as number) ?? 0) + tally.overwrites;
  return node as unknown as CanonicalNode;
}

/**
 * The node for the definition's type, without the counts. One case per zod definition type, in
 * one switch on purpose: it is the mapping table of PROTOCOL.md 7.2, and reads best whole.
 */
function kindOf(
  schema: z.ZodType,
  def: ZodDef,
  checks: readonly CheckDef[],
  walk: SchemaWalk,
): Record<string, unknown> {
  const coerce = def.coerce === true ? { coerce: true } : {};
  const inner = (member = "innerType"): CanonicalNode => walk.node(child(def, member));
  switch (def.type) {
    case "string":
      return { type: "string", ...stringMembers(checks), ...coerce };
    case "number":
    case "int": {
      const { integer, members } = numberMembers(checks);
      return { type: integer ? "integer" : "number", ...members, ...coerce };
    }
    case "boolean":
      return { type: "boolean", ...coerce };
    case "bigint":
      return { type: "bigint", ...bigintMembers(checks), ...coerce };
    case "date":
      return { type: "date", ...dateMembers(checks), ...coerce };
    case "void":
      return { type: "undefined" };
    case "null":
    case "undefined":
    case "never":
    case "any":
    case "unknown":
    case "symbol":
    case "nan":
    case "transform":
    case "function":
    case "custom":
      return { type: def.type };
    case "enum":
    case "literal":
      return valuesNode(valuesOf(schema));
    case "object":
      return objectNode(def, walk);
    case "array":
      return { type: "array", items: inner("element"), ...countMembers(checks, "length", LENGTH) };
    case "tuple":
      return tupleNode(def, walk);
    case "record":
      return recordNode(def, walk);
    case "map":
      return { type: "map", key: inner("keyType"), value: inner("valueType"), ...sizes(checks) };
    case "set":
      return { type: "set", items: inner("valueType"), ...sizes(checks) };
    case "file":
      return fileNode(checks);
    case "union":
      return unionNode(schema, def, walk);
    case "intersection":
      return { type: "intersection", allOf: [inner("left"), inner("right")] };
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "catch":
    case "promise":
    case "success":
      return { type: def.type, of: inner() };
    case "nonoptional":
      return nonOptionalNode(def, walk);
    case "pipe":
      // A codec is a pipe with its two functions in the definition.
      return {
        type: typeof def.transform === "function" ? "codec" : "pipe",
        in: inner("in"),
        out: inner("out"),
      };
    case "readonly":
      return inner() as unknown as Record<string, unknown>;
    case "lazy":
      return walk.node(lazyInner(schema)) as unknown as Record<string, unknown>;
    case "template_literal":
      return templateNode(def, walk);
    default:
      throw unrepresentable(`zod schema type "${def.type}" has no canonical form in version 1`);
  }
}

const LENGTH = ["minItems", "maxItems"] as const;

/** Properties in UTF-16 key order, so the walk (and `$defs` numbering) ignores source order. */
function objectNode(def: ZodDef, walk: SchemaWalk): Record<string, unknown> {
  const shape = def.shape as Record<string, z.ZodType>;
  if (Object.getOwnPropertySymbols(shape).length > 0) {
    throw unrepresentable("an object with symbol keys has no JSON form");
  }
  const properties: Record<string, CanonicalNode> = {};
  const required: string[] = [];
  for (const key of Object.keys(shape).sort(compareUtf16)) {
    const field = shape[key] as z.ZodType;
    // defineProperty: a key named __proto__ must become an own member, not the prototype.
    Object.defineProperty(properties, key, {
      value: walk.node(field),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    if (!mayBeAbsent(field)) required.push(key);
  }
  const node: Record<string, unknown> = { type: "object", properties, required };
  const catchall = def.catchall as z.ZodType | undefined;
  const catchallType = catchall === undefined ? undefined : defOf(catchall).type;
  if (catchall === undefined) node.unknownKeys = "strip";
  else if (catchallType === "never") node.unknownKeys = "strict";
  else if (catchallType === "unknown") node.unknownKeys = "loose";
  else {
    node.unknownKeys = "catchall";
    node.catchall = walk.node(catchall);
  }
  return node;
}

/** `minItems` counts the items before the trailing ones that may be left out. */
function tupleNode(def: ZodDef, walk: SchemaWalk): Record<string, unknown> {
  const items = def.items as readonly z.ZodType[];
  let minItems = items.length;
  while (minItems > 0 && mayBeAbsent(items[minItems - 1] as z.ZodType)) minItems--;
  const node: Record<string, unknown> = {
    type: "tuple",
    items: items.map((item) => walk.node(item)),
    minItems,
  };
  const rest = def.rest as z.ZodType | null | undefined;
  if (rest) node.rest = walk.node(rest);
  return node;
}

function recordNode(def: ZodDef, walk: SchemaWalk): Record<string, unknown> {
  const node: Record<string, unknown> = {
    type: "record",
    key: walk.node(child(def, "keyType")),
    value: walk.node(child(def, "valueType")),
  };
  if (def.partial === true) node.partial = true;
  if (def.mode === "loose") node.looseKeys = true;
  return node;
}

/** Options in their written order: a plain union's first match decides its output. */
function unionNode(schema: z.ZodType, def: ZodDef, walk: SchemaWalk): Record<string, unknown> {
  const options = def.options as readonly z.ZodType[];
  const node: Record<string, unknown> = { type: "union", anyOf: options.map((o) => walk.node(o)) };
  if (typeof def.discriminator === "string") node.discriminator = def.discriminator;
  if (hasTrait(schema, "$ZodXor")) node.exclusive = true;
  return node;
}

/** `.optional().nonoptional()` is the inner schema again; anything else keeps the wrapper. */
function nonOptionalNode(def: ZodDef, walk: SchemaWalk): Record<string, unknown> {
  const inner = child(def, "innerType");
  const innerDef = defOf(inner);
  if (innerDef.type === "optional" && (innerDef.checks ?? []).length === 0) {
    return walk.node(child(innerDef, "innerType")) as unknown as Record<string, unknown>;
  }
  return { type: "nonoptional", of: walk.node(inner) };
}
