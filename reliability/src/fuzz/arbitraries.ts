import { FRAME_PREFIX_BYTES, Kind } from "@sockwire/protocol";
import fc from "fast-check";

/** Keys that try to reach a prototype. */
export const poisonKey = fc.constantFrom(
  "__proto__",
  "constructor",
  "prototype",
  "\\u005f_proto__",
  "toString",
  "a",
);

/** JSON text: valid, poisoned, truncated, deeply nested, or not JSON at all. */
export const jsonText = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc
    .tuple(poisonKey, fc.json({ maxDepth: 3 }), fc.json({ maxDepth: 2 }))
    .map(
      ([key, inner, other]) =>
        `{"${key}":${inner},"x":${other},"constructor":{"prototype":{"polluted":true}}}`,
    ),
  fc.json().map((text) => text.slice(0, Math.max(0, text.length - 1))),
  fc.string({ maxLength: 64 }),
  fc.nat({ max: 2000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
);

/** Payload bytes: mostly JSON-ish text, sometimes raw bytes (invalid UTF-8 included). */
export const payloadBytes = fc.oneof(
  { weight: 4, arbitrary: jsonText.map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
);

/**
 * One frame built byte by byte, so that anything the encoder would refuse is possible too:
 * unknown kinds, unknown flags, a DEADLINE flag without its field, type names with control
 * characters or longer than the body.
 */
export function rawFrame(names: readonly string[]): fc.Arbitrary<Buffer> {
  return fc
    .record({
      kind: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...Object.values(Kind)) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
      ),
      flags: fc.oneof(
        { weight: 4, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
      ),
      id: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 }), fc.nat()),
      type: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...names, "") },
        { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
      ),
      typeLength: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
      deadline: fc.option(fc.nat(), { nil: undefined }),
      payload: payloadBytes,
    })
    .map(({ kind, flags, id, type, typeLength, deadline, payload }) => {
      const typeBytes = Buffer.from(type, "latin1").subarray(0, 255);
      const head = Buffer.alloc(7);
      head[0] = kind;
      head[1] = flags;
      head.writeUInt32BE(id >>> 0, 2);
      head[6] = typeLength ?? typeBytes.length;
      const deadlineBytes = Buffer.alloc(deadline === undefined ? 0 : 4);
      if (deadline !== undefined) deadlineBytes.writeUInt32BE(deadline >>> 0);
      const body = Buffer.concat([head, typeBytes, deadlineBytes, payload]);
      const prefix = Buffer.alloc(FRAME_PREFIX_BYTES);
      prefix.writeUInt32BE(body.length);
      return Buffer.concat([prefix, body]);
    });
}

/** Splits `bytes` at the given cut points (taken modulo the length; empty chunks kept). */
export function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

/** Byte-level damage to a stream: overwritten bytes, a cut-off tail, random bytes spliced in. */
export const mutation = fc.record({
  flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
  splice: fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })), {
    nil: undefined,
  }),
});

/** Applies a {@link mutation} to a copy of `stream`. */
export function mutate(
  stream: Buffer,
  m: typeof mutation extends fc.Arbitrary<infer T> ? T : never,
): Buffer {
  let out = Buffer.from(stream);
  if (out.length > 0) for (const [at, value] of m.flips) out[at % out.length] = value;
  if (m.splice) {
    const at = out.length === 0 ? 0 : m.splice[0] % out.length;
    out = Buffer.concat([out.subarray(0, at), Buffer.from(m.splice[1]), out.subarray(at)]);
  }
  if (m.cut !== undefined) out = out.subarray(0, m.cut % (out.length + 1));
  return out;
}
