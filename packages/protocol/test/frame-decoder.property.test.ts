import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import {
  defaultCodec,
  ErrorCode,
  encodeFrame,
  FRAME_PREFIX_BYTES,
  FrameDecoder,
  isSockwireError,
  parseEnvelope,
} from "../src/index.js";
import { split } from "./fixtures/split.js";

interface Outcome {
  frames: Buffer[];
  errors: string[];
  maxBuffered: number;
}

/** Feeds chunks, draining after each; never lets an exception pass (the test fails if one occurs). */
function feed(chunks: Buffer[], decoder: FrameDecoder): Outcome {
  const out: Outcome = { frames: [], errors: [], maxBuffered: 0 };
  let errorSeen = decoder.error;
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (let f = decoder.next(); f !== undefined; f = decoder.next()) {
      if (errorSeen) throw new Error("frame after a terminal error");
      out.frames.push(Buffer.from(f));
    }
    out.maxBuffered = Math.max(out.maxBuffered, decoder.bufferedBytes);
    if (decoder.error && decoder.error !== errorSeen) {
      errorSeen = decoder.error;
      out.errors.push(decoder.error.code);
    }
  }
  const atEnd = decoder.end();
  if (atEnd && atEnd !== errorSeen) out.errors.push(atEnd.code);
  return out;
}

const bodyArb = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));

describe("frame decoder properties", () => {
  test.prop([fc.array(bodyArb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 40 })], {
    numRuns: 500,
  })("any list of frames split at any points decodes to the same list", (bodies, cuts) => {
    const stream = Buffer.concat(bodies.map((b) => encodeFrame(b)));
    const { frames, errors } = feed(
      split(stream, cuts),
      new FrameDecoder({ maxRetainedChunks: 4 }),
    );
    expect(errors).toEqual([]);
    expect(frames.map((f) => f.toString("hex"))).toEqual(bodies.map((b) => b.toString("hex")));
  });

  describe("three frames split exhaustively", () => {
    const bodies = [Buffer.from("ab"), Buffer.alloc(0), Buffer.from("hello, 世界")];
    const stream = Buffer.concat(bodies.map((b) => encodeFrame(b)));
    const expected = bodies.map((b) => b.toString("hex"));

    test("one byte at a time", () => {
      const { frames, errors } = feed(split(stream, [...stream.keys()]), new FrameDecoder());
      expect(errors).toEqual([]);
      expect(frames.map((f) => f.toString("hex"))).toEqual(expected);
    });

    test("every single and every pair of cut points", () => {
      let runs = 0;
      for (let i = 0; i <= stream.length; i++) {
        for (let j = i; j <= stream.length; j++) {
          const { frames, errors } = feed(
            split(stream, [i, j]),
            new FrameDecoder({ maxRetainedChunks: 2 }),
          );
          expect(errors).toEqual([]);
          expect(frames.map((f) => f.toString("hex"))).toEqual(expected);
          runs++;
        }
      }
      expect(runs).toBe(((stream.length + 1) * (stream.length + 2)) / 2);
    });
  });

  // Random streams: mostly-garbage bytes, and valid streams with bytes flipped, cut short or
  // padded. Small limits so random prefixes are sometimes acceptable.
  const validStream = fc
    .array(bodyArb, { maxLength: 8 })
    .map((bodies) => Buffer.concat(bodies.map((b) => encodeFrame(b))));
  const mutated = fc
    .tuple(
      validStream,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.nat(),
    )
    .map(([stream, flips, cut]) => {
      const copy = Buffer.from(stream);
      for (const [at, value] of flips) if (copy.length > 0) copy[at % copy.length] = value;
      return copy.subarray(0, copy.length === 0 ? 0 : cut % (copy.length + 1));
    });
  const anyStream = fc.oneof(
    fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)),
    mutated,
    fc
      .tuple(validStream, fc.uint8Array({ maxLength: 16 }))
      .map(([s, tail]) => Buffer.concat([s, tail])),
  );

  test.prop([anyStream, fc.array(fc.nat(), { maxLength: 30 }), fc.integer({ min: 0, max: 512 })], {
    numRuns: 5000,
  })(
    "random byte streams yield frames, then at most one coded error, with bounded buffering",
    (stream, cuts, maxFrameBytes) => {
      const decoder = new FrameDecoder({ maxFrameBytes, maxRetainedChunks: 3 });
      const outcome = feed(split(stream, cuts), decoder);
      expect(outcome.errors.length).toBeLessThanOrEqual(1);
      for (const code of outcome.errors)
        expect([ErrorCode.FRAME_TOO_LARGE, ErrorCode.FRAME_TRUNCATED]).toContain(code);
      expect(outcome.maxBuffered).toBeLessThanOrEqual(maxFrameBytes + FRAME_PREFIX_BYTES);
      for (const frame of outcome.frames) expect(frame.length).toBeLessThanOrEqual(maxFrameBytes);
      // Every decoded body either parses or fails with a coded error; nothing else escapes.
      for (const frame of outcome.frames) {
        try {
          const envelope = parseEnvelope(frame);
          if (envelope) defaultCodec.decode(envelope.payload);
        } catch (error) {
          expect(isSockwireError(error)).toBe(true);
        }
      }
    },
  );

  test.prop([fc.array(bodyArb, { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 30 })], {
    numRuns: 300,
  })(
    "after each drained chunk the decoder holds less than one frame plus its prefix",
    (bodies, cuts) => {
      const stream = Buffer.concat(bodies.map((b) => encodeFrame(b)));
      const decoder = new FrameDecoder({ maxFrameBytes: 300, maxRetainedChunks: 2 });
      for (const chunk of split(stream, cuts)) {
        decoder.push(chunk);
        while (decoder.next() !== undefined) {}
        expect(decoder.bufferedBytes).toBeLessThan(300 + FRAME_PREFIX_BYTES);
      }
      expect(decoder.end()).toBeUndefined();
    },
  );
});
