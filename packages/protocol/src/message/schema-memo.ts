import type { z } from "zod";

/**
 * What is made once per schema (a parse plan, a compiled writer, an accept check) and kept for
 * as long as the schema lives. `get` looks the schema asked for last up first: consecutive
 * messages usually share a schema, and an identity check is cheaper than a WeakMap lookup on
 * every message. A memo therefore holds one schema (and what was made for it) alive at most.
 *
 * `make` may return `undefined` ("this schema has none"), which is remembered too.
 *
 * @example
 * ```ts
 * const writers = new SchemaMemo((schema) => compileWriterFor(schema));
 * const write = writers.get(schema); // compiled on the first call, reused after
 * ```
 */
export class SchemaMemo<T> {
  private readonly made = new WeakMap<z.ZodType, T | null>();
  private lastSchema: z.ZodType | undefined;
  private lastValue: T | undefined;

  constructor(private readonly make: (schema: z.ZodType) => T | undefined) {}

  get(schema: z.ZodType): T | undefined {
    if (schema === this.lastSchema) return this.lastValue;
    let value = this.made.get(schema);
    if (value === undefined) {
      value = this.make(schema) ?? null;
      this.made.set(schema, value);
    }
    this.lastSchema = schema;
    this.lastValue = value ?? undefined;
    return this.lastValue;
  }
}
