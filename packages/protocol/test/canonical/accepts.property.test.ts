import { fc, test } from "@fast-check/vitest";
import { afterAll, describe, expect } from "vitest";
import { accepts, canonicalSchema } from "../../src/index.js";
import { type EDesc, eDescArb, mutate, planArb } from "../fixtures/evolving-schemas.js";
import { schemaOfE, valuesOfE } from "../fixtures/evolving-values.js";

// Soundness of the compatibility checker: whenever it says a receiver accepts what a sender may
// write, every value the sender's schema accepts, sent as the sender sends it (zod's parse output
// through JSON), passes the receiver's schema. Pairs are an old schema and a mutated new one, in
// both directions (old sender with new receiver and the reverse).

const RUNS = Number(process.env.CANON_RUNS ?? 400);
let compatiblePairs = 0;

/** An old schema, its mutation, the direction, and values of whichever is the sender. */
const scenario = fc
  .tuple(eDescArb, planArb, fc.boolean())
  .map(([old, plan, oldSends]) => {
    const next = mutate(old, plan);
    return oldSends ? { sender: old, receiver: next } : { sender: next, receiver: old };
  })
  .chain(({ sender, receiver }) =>
    fc.tuple(
      fc.constant(sender),
      fc.constant(receiver),
      fc.array(valuesOfE(sender), { minLength: 1, maxLength: 5 }),
    ),
  );

/**
 * What the sender writes for `value`, or undefined when its own schema refuses the value (then
 * nothing is sent: an inherited key such as `constructor` can make a generated value invalid).
 */
function wire(schema: ReturnType<typeof schemaOfE>, value: unknown): { sent: unknown } | undefined {
  const parsed = schema.safeParse(value);
  if (!parsed.success) return undefined;
  return { sent: JSON.parse(JSON.stringify(parsed.data) ?? "null") };
}

describe("accepts (soundness)", () => {
  test.prop([scenario], { numRuns: RUNS })(
    "a compatible verdict means the receiver's zod schema accepts every wire value of the sender",
    ([senderDesc, receiverDesc, values]: [EDesc, EDesc, unknown[]]) => {
      const sender = schemaOfE(senderDesc);
      const receiver = schemaOfE(receiverDesc);
      const verdict = accepts(canonicalSchema(receiver), canonicalSchema(sender));
      if (!verdict.compatible) {
        expect(verdict.reasons.length).toBeGreaterThan(0);
        return;
      }
      compatiblePairs++;
      for (const value of values) {
        const written = wire(sender, value);
        if (written === undefined) continue;
        const { sent } = written;
        const result = receiver.safeParse(sent);
        expect(result.success, `${JSON.stringify(sent)} refused: ${result.error?.message}`).toBe(
          true,
        );
      }
    },
  );

  afterAll(() => {
    // The property says nothing if the checker never says yes; about half the pairs are compatible.
    expect(compatiblePairs).toBeGreaterThan(RUNS / 10);
  });
});
