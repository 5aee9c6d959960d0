import { defineContract } from "@sockwire/protocol";
import { z } from "zod";

/** A recursive value: the kind of schema where deep input hurts most. */
export interface Tree {
  v: number;
  kids: Tree[];
}

const tree: z.ZodType<Tree> = z.lazy(() => z.object({ v: z.number(), kids: z.array(tree).max(4) }));

/**
 * A contract with the schema shapes applications use (strict and loose objects, records,
 * discriminated unions, arrays, optional and nullable fields, regexes, recursion, `unknown`),
 * so fuzzed payloads meet every kind of validator.
 *
 * @example
 * ```ts
 * const frame = encodeEvent(fuzzContract, "client", "note", { id: 1, text: "hi" });
 * ```
 */
export const fuzzContract = defineContract({
  name: "sockwire-fuzz",
  credentials: z.object({ token: z.string().min(1).max(64) }),
  client: {
    events: {
      note: z.strictObject({
        id: z.number().int().min(0),
        text: z.string().max(200),
        tags: z.array(z.string().max(20)).max(8).optional(),
      }),
      bag: z.record(z.string(), z.unknown()),
      anything: z.unknown(),
      choice: z.discriminatedUnion("kind", [
        z.object({ kind: z.literal("a"), a: z.number() }),
        z.object({ kind: z.literal("b"), b: z.string().nullable() }),
      ]),
    },
    requests: {
      echo: { input: z.object({ text: z.string() }), output: z.object({ text: z.string() }) },
      sum: { input: z.array(z.number()).max(100), output: z.number() },
      tree: { input: tree, output: z.number().int() },
      maybe: {
        input: z.object({
          v: z.union([z.null(), z.boolean(), z.string().regex(/^[a-z]+$/)]).optional(),
        }),
        output: z.object({ ok: z.boolean() }),
      },
      nested: {
        input: z.looseObject({ a: z.object({ b: z.array(z.object({ c: z.number() })).max(5) }) }),
        output: z.object({ keys: z.array(z.string()) }),
      },
    },
  },
  server: {
    events: { notice: z.object({ text: z.string() }) },
    requests: {
      confirm: { input: z.object({ q: z.string() }), output: z.object({ yes: z.boolean() }) },
    },
  },
});

/** Type of {@link fuzzContract}. */
export type FuzzContract = typeof fuzzContract;

/** Counts the nodes of a tree, iteratively. */
export function treeSize(root: Tree): number {
  let count = 0;
  const stack = [root];
  for (let node = stack.pop(); node; node = stack.pop()) {
    count++;
    stack.push(...node.kids);
  }
  return count;
}
