import { z } from "zod";

/**
 * What a schema rebuilt from a canonical form does where the form names code it cannot carry
 * (PROTOCOL.md 7.2): refinements, overwrites, transforms, codecs, and the values of defaults,
 * prefaults and catches. A rebuilt schema runs in a process that does not have the server's
 * code, so each of these becomes a stand-in with the same canonical node (the digest must stay
 * the server's) that accepts what the structure allows and leaves the rest to the server, which
 * validates everything again:
 *
 * | node | stand-in |
 * |---|---|
 * | `refinements: n` | n checks that always pass |
 * | `overwrites: n` | n overwrites that keep the value |
 * | `transform` | keeps the value |
 * | `default` | fills in nothing: a missing value stays missing, and the server fills in its own |
 * | `prefault` | the same: a missing value stays missing (zod's prefault would parse a value) |
 * | `catch` | a failing value is kept as it is, for the server's catch to replace |
 * | `codec` | checks the encoded side (`in`) only, and keeps the value |
 * | `pipe` whose `in` changes values | checks `in` only: what `out` gets is the server's business |
 *
 * zod has a public way to say the first five; the last three need their parse step replaced,
 * which this module alone does, on instances it made itself.
 */

/** A refinement that holds for every value: it only keeps the node's `refinements` count. */
export function passingRefinement<T extends z.ZodType>(schema: T): T {
  return schema.refine(() => true) as T;
}

/** An overwrite that keeps the value: it only keeps the node's `overwrites` count. */
export function keepingOverwrite<T extends z.ZodType>(schema: T): T {
  return schema.check(z.overwrite((value) => value)) as T;
}

/** The function step of a transform, which keeps the value. */
export function keepingTransform(): z.ZodType {
  return z.transform((value: unknown) => value);
}

/**
 * A default whose value is not the server's: {@link leaveMissing} then makes a missing value stay
 * missing (the server fills in its own). The value is `null` rather than `undefined` only because
 * zod's JSON Schema output, which the 1.0 fingerprint is made of, needs a JSON value.
 */
export function defaultStandIn(inner: z.ZodType): z.ZodType {
  return inner.default(null as never);
}

/** A catch that keeps a failing value as it is (the server's catch replaces it). */
export function catchStandIn(inner: z.ZodType): z.ZodType {
  // zod's JSON Schema output calls the function without a context to learn a fixed value.
  return inner.catch((context?: { input: unknown }) => context?.input as never);
}

/** A prefault whose value is not the server's; {@link leaveMissing} is the rest of it. */
export function prefaultStandIn(inner: z.ZodType): z.ZodType {
  return inner.prefault(null as never);
}

/** A default or prefault that lets a missing value stay missing instead of filling one in. */
export function leaveMissing(schema: z.ZodType): z.ZodType {
  return replaceParse(schema, (payload, context, original) =>
    payload.value === undefined ? payload : original(payload, context),
  );
}

/**
 * A pipe or codec that runs its `in` schema only: the value `in` accepts goes on unchanged,
 * because turning it into what `out` reads takes the server's functions.
 */
export function inSideOnly(schema: z.ZodType): z.ZodType {
  const inner = (schema as unknown as { _zod: { def: { in: z.ZodType } } })._zod.def.in;
  return replaceParse(schema, (payload, context) => runOf(inner)(payload, context));
}

interface Payload {
  value: unknown;
  issues: unknown[];
}
type Parse = (payload: Payload, context: unknown) => Payload | Promise<Payload>;

interface Internals {
  parse: Parse;
  run: Parse;
}

function internalsOf(schema: z.ZodType): Internals {
  return (schema as unknown as { _zod: Internals })._zod;
}

function runOf(schema: z.ZodType): Parse {
  const internals = internalsOf(schema);
  return (payload, context) => internals.run(payload, context);
}

/**
 * Replaces a schema's parse step. zod runs a schema's checks around `_zod.parse` through
 * `_zod.run`, and a schema without checks has `run` set to `parse` itself, so both are replaced
 * then. Must be the last step: adding a check to a schema clones it from its definition, and the
 * clone would parse as zod does again.
 */
function replaceParse(
  schema: z.ZodType,
  parse: (payload: Payload, context: unknown, original: Parse) => Payload | Promise<Payload>,
): z.ZodType {
  const internals = internalsOf(schema);
  const original = internals.parse;
  const direct = internals.run === original;
  internals.parse = (payload, context) => parse(payload, context, original);
  if (direct) internals.run = internals.parse;
  return schema;
}
