import { countMembers } from "./bounds-form.js";
import { sortedUnique, unrepresentable } from "./check-form.js";
import type { Scalar } from "./node-types.js";
import type { SchemaWalk } from "./schema-walk.js";
import { type CheckDef, isZodSchema, type ZodDef } from "./zod-def.js";

/** Nodes of value sets, files and template literals (PROTOCOL.md 7.2). */

/**
 * Literals and enums are both the set of values they accept. JSON scalars form an `enum` node;
 * `undefined` and bigints, which have no JSON form, become their own nodes, joined in a union in
 * the order enum, bigint, undefined.
 */
export function valuesNode(values: readonly unknown[]): Record<string, unknown> {
  const scalars: Scalar[] = [];
  const bigints: bigint[] = [];
  let withUndefined = false;
  for (const value of values) {
    if (value === undefined) withUndefined = true;
    else if (typeof value === "bigint") bigints.push(value);
    else if (value === null || ["string", "boolean"].includes(typeof value))
      scalars.push(value as Scalar);
    else if (typeof value === "number" && Number.isFinite(value)) scalars.push(value);
    else throw unrepresentable(`the literal ${String(value)} has no JSON form`);
  }
  const parts: Record<string, unknown>[] = [];
  if (scalars.length > 0) parts.push({ type: "enum", values: sortedUnique(scalars) });
  if (bigints.length > 0) parts.push({ type: "bigint", values: sortedUnique(bigints.map(String)) });
  if (withUndefined) parts.push({ type: "undefined" });
  if (parts.length === 0) return { type: "never" };
  return parts.length === 1
    ? (parts[0] as Record<string, unknown>)
    : { type: "union", anyOf: parts };
}

export function fileNode(checks: readonly CheckDef[]): Record<string, unknown> {
  let mime: string[] | undefined;
  for (const check of checks) {
    if (check.check !== "mime_type") continue;
    const allowed = check.mime as string[];
    mime = mime === undefined ? [...allowed] : mime.filter((m) => allowed.includes(m));
  }
  const node: Record<string, unknown> = { type: "file", ...sizes(checks) };
  if (mime !== undefined) node.mime = sortedUnique(mime);
  return node;
}

/** Literal parts as the text they match (`${value}`), schema parts as nodes. */
export function templateNode(def: ZodDef, walk: SchemaWalk): Record<string, unknown> {
  const parts = (def.parts as readonly unknown[]).map((part) =>
    isZodSchema(part) ? walk.node(part) : String(part),
  );
  return { type: "template_literal", parts };
}

/** `minSize`/`maxSize` of sets, maps and files. */
export function sizes(checks: readonly CheckDef[]): Record<string, unknown> {
  return countMembers(checks, "size", ["minSize", "maxSize"]);
}
