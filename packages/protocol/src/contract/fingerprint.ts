import { createHash } from "node:crypto";
import { z } from "zod";
import type { ContractSchema, DirectionSchema } from "./types.js";

/**
 * Hash of a canonical form of the contract: each schema as JSON Schema (input side), object keys
 * sorted at every level, then SHA-256, first 16 bytes as hex. Two processes built from the same
 * contract source agree; any change to a name, field, type or constraint changes it. Refinements
 * and transforms have no JSON Schema form and so do not affect it (documented in PROTOCOL.md).
 */
export function contractFingerprint(schema: ContractSchema): string {
  const canonical = {
    name: schema.name,
    credentials: schema.credentials ? toJson(schema.credentials) : null,
    client: directionJson(schema.client),
    server: directionJson(schema.server),
  };
  return createHash("sha256").update(canonicalJson(canonical)).digest("hex").slice(0, 32);
}

function directionJson(direction: DirectionSchema | undefined): unknown {
  const events: Record<string, unknown> = {};
  const requests: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(direction?.events ?? {})) events[name] = toJson(s);
  for (const [name, r] of Object.entries(direction?.requests ?? {})) {
    requests[name] = { input: toJson(r.input), output: toJson(r.output) };
  }
  return { events, requests };
}

function toJson(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { unrepresentable: "any", io: "input", cycles: "ref" });
}

/** JSON with object keys sorted, so insertion order never changes the hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
