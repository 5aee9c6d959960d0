import type { z } from "zod";

/**
 * The parts of zod 4's schema internals the canonical form reads: `schema._zod.def` (the
 * definition: `type`, children, `checks`), `_zod.values` (the exact set an enum or literal
 * accepts), `_zod.optin` (whether a containing object may lack the key) and `_zod.traits`.
 * Everything the canonical form takes from zod goes through here, so a zod upgrade that moves
 * one of these is found in one file (and by the golden vectors).
 */

/** A zod definition: its `type` and whatever members that type has. */
export interface ZodDef {
  readonly type: string;
  readonly checks?: readonly ZodCheckLike[];
  readonly [member: string]: unknown;
}

/** A check's definition: `check` names its kind (`min_length`, `string_format`, `custom`...). */
export interface CheckDef {
  readonly check: string;
  readonly [member: string]: unknown;
}

interface ZodCheckLike {
  readonly _zod: { readonly def: CheckDef };
}

interface Internals {
  readonly def: ZodDef;
  readonly traits?: ReadonlySet<string>;
  readonly values?: ReadonlySet<unknown>;
  readonly optin?: "optional" | "defaulted";
  readonly innerType?: z.ZodType;
}

function internals(schema: z.ZodType): Internals {
  return (schema as unknown as { _zod: Internals })._zod;
}

/** True for a zod 4 schema (anything with `_zod.def.type`). */
export function isZodSchema(value: unknown): value is z.ZodType {
  const zod = (value as { _zod?: { def?: { type?: unknown } } } | null)?._zod;
  return typeof zod?.def?.type === "string";
}

/** The schema's definition. */
export function defOf(schema: z.ZodType): ZodDef {
  return internals(schema).def;
}

/** True when the schema carries zod's trait `name` (`$ZodXor`, `$ZodCheck`...). */
export function hasTrait(schema: z.ZodType, name: string): boolean {
  return internals(schema).traits?.has(name) === true;
}

/** The exact values an enum or literal accepts. */
export function valuesOf(schema: z.ZodType): readonly unknown[] {
  return [...(internals(schema).values ?? [])];
}

/** True when an object containing this schema may lack the key (optional, default, catch...). */
export function mayBeAbsent(schema: z.ZodType): boolean {
  return internals(schema).optin !== undefined;
}

/**
 * The checks that apply to a schema, in order. A format schema (`z.email()`, `z.int()`) is its
 * own first check: zod stores the format in the schema's definition, not in `checks`.
 */
export function checksOf(schema: z.ZodType): CheckDef[] {
  const def = defOf(schema);
  const list: CheckDef[] = [];
  if (def.type !== "custom" && typeof def.check === "string" && hasTrait(schema, "$ZodCheck")) {
    list.push(def as unknown as CheckDef);
  }
  for (const check of def.checks ?? []) list.push(check._zod.def);
  return list;
}

/** The schema a `z.lazy()` stands for (zod caches it, so repeated calls give the same object). */
export function lazyInner(schema: z.ZodType): z.ZodType {
  const cached = internals(schema).innerType;
  if (cached !== undefined) return cached;
  return (defOf(schema).getter as () => z.ZodType)();
}

/** A definition member that holds a schema. */
export function child(def: ZodDef, member: string): z.ZodType {
  return def[member] as z.ZodType;
}
