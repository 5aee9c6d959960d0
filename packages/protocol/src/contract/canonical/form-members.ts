import type { NodeType } from "./node-types.js";

/**
 * The members each node type of form version 1 may and must have, and what their values may be:
 * PROTOCOL.md 7.2's table, as data. `validate-form.ts` checks received forms against it.
 */

export type Member =
  | "node"
  | "nodes"
  | "pair"
  | "nodeMap"
  | "count"
  | "positive"
  | "number"
  | "numbers"
  | "string"
  | "strings"
  | "true"
  | "scalars"
  | "objects"
  | "unknownKeys"
  | "parts";

const BOUNDS = {
  minimum: "number",
  exclusiveMinimum: "number",
  maximum: "number",
  exclusiveMaximum: "number",
} as const;
const WRAPPER = { of: "node" } as const;
const SIZES = { minSize: "count", maxSize: "count" } as const;

/** The members each node type may have; `REQUIRED` says which it must have. */
export const MEMBERS: Readonly<Record<NodeType, Readonly<Record<string, Member>>>> = {
  any: {},
  unknown: {},
  undefined: {},
  null: {},
  never: {},
  symbol: {},
  nan: {},
  function: {},
  custom: {},
  transform: {},
  boolean: { coerce: "true" },
  string: {
    minLength: "count",
    maxLength: "count",
    formats: "objects",
    patterns: "objects",
    coerce: "true",
  },
  number: { ...BOUNDS, multipleOf: "numbers", coerce: "true" },
  integer: { ...BOUNDS, multipleOf: "numbers", coerce: "true" },
  date: { ...BOUNDS, coerce: "true" },
  bigint: {
    minimum: "string",
    exclusiveMinimum: "string",
    maximum: "string",
    exclusiveMaximum: "string",
    multipleOf: "strings",
    values: "strings",
    coerce: "true",
  },
  enum: { values: "scalars" },
  object: {
    properties: "nodeMap",
    required: "strings",
    unknownKeys: "unknownKeys",
    catchall: "node",
  },
  array: { items: "node", minItems: "count", maxItems: "count" },
  tuple: { items: "nodes", minItems: "count", rest: "node" },
  record: { key: "node", value: "node", partial: "true", looseKeys: "true" },
  map: { key: "node", value: "node", ...SIZES },
  set: { items: "node", ...SIZES },
  file: { ...SIZES, mime: "strings" },
  union: { anyOf: "nodes", discriminator: "string", exclusive: "true" },
  intersection: { allOf: "pair" },
  optional: WRAPPER,
  nullable: WRAPPER,
  default: WRAPPER,
  prefault: WRAPPER,
  catch: WRAPPER,
  nonoptional: WRAPPER,
  promise: WRAPPER,
  success: WRAPPER,
  pipe: { in: "node", out: "node" },
  codec: { in: "node", out: "node" },
  template_literal: { parts: "parts" },
};

export const REQUIRED: Partial<Record<NodeType, readonly string[]>> = {
  enum: ["values"],
  object: ["properties", "required", "unknownKeys"],
  array: ["items"],
  tuple: ["items", "minItems"],
  record: ["key", "value"],
  map: ["key", "value"],
  set: ["items"],
  union: ["anyOf"],
  intersection: ["allOf"],
  pipe: ["in", "out"],
  codec: ["in", "out"],
  template_literal: ["parts"],
  ...Object.fromEntries(
    [
      "optional",
      "nullable",
      "default",
      "prefault",
      "catch",
      "nonoptional",
      "promise",
      "success",
    ].map((type) => [type, ["of"]]),
  ),
};

const isFiniteNumber = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v);
const isScalar = (v: unknown): boolean =>
  v === null || typeof v === "string" || typeof v === "boolean" || isFiniteNumber(v);
const isPlainRecord = (v: unknown): boolean =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const everyItem =
  (test: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    Array.isArray(v) && v.every(test);

/** Tests for members that hold plain values. */
export const VALUE_TESTS: Readonly<
  Record<Exclude<Member, "node" | "nodes" | "pair" | "parts" | "nodeMap">, (v: unknown) => boolean>
> = {
  count: (v) => Number.isSafeInteger(v) && (v as number) >= 0,
  positive: (v) => Number.isSafeInteger(v) && (v as number) > 0,
  number: isFiniteNumber,
  numbers: everyItem((v) => isFiniteNumber(v) && v !== 0),
  string: (v) => typeof v === "string",
  strings: everyItem((v) => typeof v === "string"),
  true: (v) => v === true,
  scalars: everyItem(isScalar),
  objects: everyItem(isPlainRecord),
  unknownKeys: (v) => v === "strip" || v === "strict" || v === "loose" || v === "catchall",
};

export const MARKS: Readonly<Record<string, Member>> = {
  refinements: "positive",
  overwrites: "positive",
};
