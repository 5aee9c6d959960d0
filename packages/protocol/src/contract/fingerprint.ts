import { createHash } from "node:crypto";
import { z } from "zod";
import type { ContractSchema, DirectionSchema } from "./types.js";

/**
 * Hash of a canonical form of the contract: each schema as JSON Schema (input side), every
 * `required` list sorted, object keys sorted at every level, then SHA-256, first 16 bytes as hex.
 * Two processes built from the same contract source agree, whatever order the keys were written
 * in; any change to a name, field, type, constraint or description changes it. Refinements and
 * transforms have no JSON Schema form and so do not affect it (see PROTOCOL.md).
 *
 * @example
 * ```ts
 * contractFingerprint({ name: "chat", client: { events: { say: z.object({ text: z.string() }) } } });
 * // 32 hex characters, the same in every process
 * ```
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
  const streams = direction?.streams;
  // Streams are 1.1: present only when declared, so every contract without them keeps its fingerprint.
  if (streams === undefined || Object.keys(streams).length === 0) return { events, requests };
  const byName: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(streams)) {
    const parts: Record<string, unknown> = { input: toJson(s.input) };
    for (const part of ["item", "send", "result"] as const) {
      const schema = s[part];
      if (schema !== undefined) parts[part] = toJson(schema);
    }
    byName[name] = parts;
  }
  return { events, requests, streams: byName };
}

function toJson(schema: z.ZodType): unknown {
  const json = z.toJSONSchema(schema, { unrepresentable: "any", io: "input", cycles: "ref" });
  sortRequiredLists(json);
  return json;
}

/**
 * `required` lists follow the order the object's keys were written in, which means nothing to
 * validation; sorting them makes `{ a, b }` and `{ b, a }` hash the same. Iterative, in place
 * (the JSON Schema is a fresh object).
 */
function sortRequiredLists(root: unknown): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null) continue;
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    const record = node as Record<string, unknown>;
    const required = record.required;
    if (Array.isArray(required) && required.every((k) => typeof k === "string")) required.sort();
    for (const value of Object.values(record)) stack.push(value);
  }
}

/**
 * JSON with object keys sorted at every level, so insertion order never changes the text.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: { d: 2, c: 3 } });   // '{"a":{"c":3,"d":2},"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
