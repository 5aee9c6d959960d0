import { Writable } from "node:stream";
import { fc, test } from "@fast-check/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { PayloadCodec } from "../src/codec/codec.js";
import { jsonCodec } from "../src/codec/json-codec.js";
import { MAX_FRAME_BYTES_LIMIT } from "../src/constants.js";
import { encodeEnvelope, wireDeadline } from "../src/envelope/envelope.js";
import { Kind } from "../src/envelope/kinds.js";
import { ErrorCode } from "../src/errors/codes.js";
import { encodeInArena } from "../src/message/encode-in-arena.js";
import { ARENA_BYTES, frameArena, type PendingFrame } from "../src/message/frame-arena.js";
import { projectValue } from "../src/message/wire-form.js";
import { OutboundWriter } from "../src/session/outbound-writer.js";
import type { SocketLike } from "../src/session/socket-like.js";

// Frames encoded in the arena must be byte for byte the frames encodeEnvelope makes from the
// codec's output for the value projected onto its schema (only declared keys); the outbound
// writer must send arena frames and frames of their own in the order they were queued, whatever
// the arena does in between; a pending frame is claimed or released once, never after another
// frame was encoded over it.

const chatSchema = z.object({ text: z.string(), seq: z.number() });

/** Encodes in the arena and claims the frame as a buffer of its own (a copy, for comparing). */
function arenaFrame(
  kind: Kind,
  id: number,
  type: string,
  deadlineMs: number | undefined,
  codec: PayloadCodec,
  schema: z.ZodType | undefined,
  value: unknown,
): Buffer {
  const deadline = deadlineMs === undefined ? undefined : wireDeadline(deadlineMs);
  return Buffer.from(frameArena.take(encoded(kind, id, type, deadline, codec, schema, value)));
}

/** encodeInArena, which must not find the arena busy here. */
function encoded(...args: Parameters<typeof encodeInArena>): PendingFrame {
  const frame = encodeInArena(...args);
  if (frame === undefined) throw new Error("arena busy");
  return frame;
}

function envelopeFrame(
  kind: Kind,
  id: number,
  type: string,
  deadlineMs: number | undefined,
  codec: PayloadCodec,
  value: unknown,
  schema?: z.ZodType,
): Buffer {
  return encodeEnvelope(
    { kind, id, type, ...(deadlineMs === undefined ? {} : { deadlineMs }) },
    codec.encode(schema === undefined ? value : projectValue(schema, value)),
  );
}

/** The arena is not left busy: a new encoding can begin. */
function expectArenaFree(): void {
  expect(frameArena.begin()).toBe(true);
  frameArena.end();
}

afterEach(() => {
  expectArenaFree();
});

describe("encodeInArena", () => {
  const json = jsonCodec();

  it("makes the same bytes as encodeEnvelope, planned or not, with ids and deadlines", () => {
    const value = { text: "héllo", seq: 3 };
    for (const schema of [chatSchema, undefined, z.unknown()]) {
      expect(arenaFrame(Kind.EVENT, 0, "say", undefined, json, schema, value)).toEqual(
        envelopeFrame(Kind.EVENT, 0, "say", undefined, json, value),
      );
      expect(arenaFrame(Kind.REQUEST, 0xffffffff, "ask", 1500.5, json, schema, value)).toEqual(
        envelopeFrame(Kind.REQUEST, 0xffffffff, "ask", 1500.5, json, value),
      );
      expect(arenaFrame(Kind.RESPONSE, 7, "", undefined, json, schema, value)).toEqual(
        envelopeFrame(Kind.RESPONSE, 7, "", undefined, json, value),
      );
    }
  });

  it("encodes an undefined payload as no bytes", () => {
    expect(arenaFrame(Kind.RESPONSE, 1, "", undefined, json, z.undefined(), undefined)).toEqual(
      envelopeFrame(Kind.RESPONSE, 1, "", undefined, json, undefined),
    );
  });

  it("copies other codecs' output, strings and bytes", () => {
    const text: PayloadCodec = {
      name: "upper",
      encode: (value) => String(value).toUpperCase(),
      decode: () => undefined,
    };
    const binary: PayloadCodec = {
      name: "bin",
      encode: () => Uint8Array.of(1, 2, 3),
      decode: () => undefined,
    };
    for (const codec of [text, binary]) {
      expect(arenaFrame(Kind.EVENT, 0, "x", undefined, codec, chatSchema, "ab")).toEqual(
        envelopeFrame(Kind.EVENT, 0, "x", undefined, codec, "ab"),
      );
    }
  });

  it("moves to a fresh buffer for payloads larger than what is left, up to any size", () => {
    for (const size of [100, 30_000, ARENA_BYTES, 3 * ARENA_BYTES]) {
      const value = { text: "é".repeat(size), seq: size };
      expect(arenaFrame(Kind.EVENT, 0, "big", undefined, json, chatSchema, value)).toEqual(
        envelopeFrame(Kind.EVENT, 0, "big", undefined, json, value),
      );
    }
  });

  it("gives a large frame a buffer of its own, not reused for the frames after it", () => {
    const big = { text: "x".repeat(3 * ARENA_BYTES), seq: 1 };
    // Encoded and left unclaimed (as when refused): the small frame still gets a normal buffer.
    encodeInArena(Kind.EVENT, 0, "big", undefined, json, chatSchema, big);
    expect(frameArena.buffer.length).toBeGreaterThan(ARENA_BYTES);
    arenaFrame(Kind.EVENT, 0, "small", undefined, json, chatSchema, { text: "a", seq: 2 });
    expect(frameArena.buffer.length).toBe(ARENA_BYTES);
  });

  it("lets go at once of a buffer made for a frame that is then refused", () => {
    const big = { text: "x".repeat(3 * ARENA_BYTES), seq: 1 };
    arenaFrame(Kind.EVENT, 0, "warm", undefined, json, chatSchema, { text: "a", seq: 0 });
    const frame = encoded(Kind.EVENT, 0, "big", undefined, json, chatSchema, big);
    expect(frameArena.buffer.length).toBeGreaterThanOrEqual(3 * ARENA_BYTES);
    frameArena.release(frame);
    expect(frameArena.buffer.length).toBeLessThanOrEqual(ARENA_BYTES);
  });

  it("refuses to claim or release a frame that another encoding has written over", () => {
    const first = encoded(Kind.EVENT, 0, "a", undefined, json, chatSchema, { text: "a", seq: 1 });
    const second = encoded(Kind.EVENT, 0, "b", undefined, json, chatSchema, { text: "b", seq: 2 });
    expect(() => frameArena.take(first)).toThrow(/stale/);
    expect(frameArena.take(second)).toEqual(
      envelopeFrame(Kind.EVENT, 0, "b", undefined, json, { text: "b", seq: 2 }),
    );
    expect(() => frameArena.release(second)).toThrow(/stale/);
  });

  it("refuses a body over 64 MiB before making room for it", () => {
    const huge = MAX_FRAME_BYTES_LIMIT + 1;
    const bytes: PayloadCodec = {
      name: "bytes",
      encode: () => new Uint8Array(huge),
      decode: () => undefined,
    };
    const text: PayloadCodec = {
      name: "text",
      encode: () => "x".repeat(huge),
      decode: () => undefined,
    };
    for (const codec of [bytes, text]) {
      expect(() => encodeInArena(Kind.EVENT, 0, "x", undefined, codec, undefined, 1)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
      expect(frameArena.buffer.length).toBeLessThanOrEqual(ARENA_BYTES);
    }
  });

  it("says the arena is busy to an encoding started from inside another one", () => {
    let nested: PendingFrame | undefined | "not called" = "not called";
    const value = {
      text: "outer",
      get seq() {
        nested = encodeInArena(Kind.EVENT, 0, "in", undefined, json, chatSchema, {
          text: "inner",
          seq: 1,
        });
        return 1;
      },
    };
    const outer = arenaFrame(Kind.EVENT, 0, "out", undefined, json, chatSchema, value);
    expect(nested).toBeUndefined();
    expect(outer).toEqual(
      envelopeFrame(Kind.EVENT, 0, "out", undefined, json, { text: "outer", seq: 1 }),
    );
  });

  it("frees the arena when the codec throws", () => {
    expect(() =>
      encodeInArena(Kind.EVENT, 0, "x", undefined, json, chatSchema, { text: "a", seq: 1n }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.PAYLOAD_INVALID }));
    expectArenaFree();
  });

  test.prop([fc.jsonValue(), fc.string({ maxLength: 8, unit: "binary" })], { numRuns: 300 })(
    "any JSON value, any strings: the same bytes as encodeEnvelope of the projected value",
    (value, text) => {
      const payload = { text, seq: 1, value };
      expect(arenaFrame(Kind.EVENT, 0, "v", undefined, json, chatSchema, payload)).toEqual(
        envelopeFrame(Kind.EVENT, 0, "v", undefined, json, payload, chatSchema),
      );
      expect(arenaFrame(Kind.EVENT, 0, "v", undefined, json, z.looseObject({}), payload)).toEqual(
        envelopeFrame(Kind.EVENT, 0, "v", undefined, json, payload),
      );
      expect(arenaFrame(Kind.EVENT, 0, "v", undefined, json, chatSchema, { text, seq: 2 })).toEqual(
        envelopeFrame(Kind.EVENT, 0, "v", undefined, json, { text, seq: 2 }),
      );
    },
  );
});

/** A socket that records every chunk handed to it (vectored writes arrive as several chunks). */
function recordingSocket(): { socket: SocketLike; chunks: Buffer[]; writes: () => number } {
  const chunks: Buffer[] = [];
  let calls = 0;
  const socket = new Writable({
    write(chunk: Buffer, _encoding, done) {
      calls++;
      chunks.push(Buffer.from(chunk));
      done();
    },
    writev(entries, done) {
      calls++;
      for (const { chunk } of entries) chunks.push(Buffer.from(chunk as Buffer));
      done();
    },
  }) as unknown as SocketLike;
  return { socket, chunks, writes: () => calls };
}

const limits = { sendSoftBytes: 1 << 20, sendHardBytes: 1 << 22, writeDeadlineMs: 0 };
const owner = { writeStalled() {} };

/** Encodes event `seq` in the arena and queues it on `writer`. */
function commitEvent(writer: OutboundWriter, seq: number, text = "m"): Promise<void> {
  return writer.commitFrame(
    encoded(Kind.EVENT, 0, "e", undefined, jsonCodec(), chatSchema, { text, seq }),
  );
}

const eventFrame = (seq: number, text = "m") =>
  encodeEnvelope({ kind: Kind.EVENT, type: "e" }, JSON.stringify({ text, seq }));

describe("OutboundWriter with arena frames", () => {
  it("sends consecutive arena frames as one write, in order", async () => {
    const { socket, chunks, writes } = recordingSocket();
    const writer = new OutboundWriter(socket, limits, owner);
    const sent = [0, 1, 2, 3].map((seq) => commitEvent(writer, seq));
    await Promise.all(sent);
    expect(writes()).toBe(1);
    expect(Buffer.concat(chunks)).toEqual(
      Buffer.concat([0, 1, 2, 3].map((seq) => eventFrame(seq))),
    );
  });

  it("keeps the order of arena frames, frames of their own, and another writer's frames", async () => {
    const a = recordingSocket();
    const b = recordingSocket();
    const first = new OutboundWriter(a.socket, limits, owner);
    const second = new OutboundWriter(b.socket, limits, owner);
    const own = encodeEnvelope({ kind: Kind.EVENT, type: "own" }, "1");
    const done = [
      commitEvent(first, 0),
      commitEvent(second, 100),
      commitEvent(first, 1),
      first.enqueue(own),
      commitEvent(first, 2),
      commitEvent(second, 101),
    ];
    await Promise.all(done);
    expect(Buffer.concat(a.chunks)).toEqual(
      Buffer.concat([eventFrame(0), eventFrame(1), own, eventFrame(2)]),
    );
    expect(Buffer.concat(b.chunks)).toEqual(Buffer.concat([eventFrame(100), eventFrame(101)]));
  });

  it("keeps a shared frame claimed between two of a writer's frames intact", async () => {
    const { socket, chunks } = recordingSocket();
    const writer = new OutboundWriter(socket, limits, owner);
    const first = commitEvent(writer, 1);
    const pending = encoded(Kind.EVENT, 0, "e", undefined, jsonCodec(), chatSchema, {
      text: "shared",
      seq: 9,
    });
    const shared = frameArena.take(pending);
    const second = commitEvent(writer, 2);
    const third = writer.enqueue(shared);
    await Promise.all([first, second, third]);
    expect(shared).toEqual(eventFrame(9, "shared"));
    expect(Buffer.concat(chunks)).toEqual(
      Buffer.concat([eventFrame(1), eventFrame(2), eventFrame(9, "shared")]),
    );
  });

  it("keeps frames intact when the arena is replaced in the middle of a batch", async () => {
    const { socket, chunks } = recordingSocket();
    const writer = new OutboundWriter(socket, limits, owner);
    const text = "x".repeat(1000);
    const count = Math.ceil((3 * ARENA_BYTES) / 1000);
    const done: Promise<void>[] = [];
    for (let seq = 0; seq < count; seq++) done.push(commitEvent(writer, seq, text));
    await Promise.all(done);
    const expected = Buffer.concat(
      Array.from({ length: count }, (_, seq) => eventFrame(seq, text)),
    );
    expect(Buffer.concat(chunks)).toEqual(expected);
  });

  it("gives a backlogged socket copies, not views that would pin arena buffers", async () => {
    const chunks: Buffer[] = [];
    // Accepts every chunk but never finishes writing one: the backlog of a peer that stopped reading.
    const stalled = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer) {
        chunks.push(chunk);
      },
    }) as unknown as SocketLike;
    const writer = new OutboundWriter(stalled, limits, owner);
    await commitEvent(writer, 1);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.buffer).toBe(frameArena.buffer.buffer); // no backlog yet: the run itself
    void commitEvent(writer, 2);
    void commitEvent(writer, 3);
    writer.flush();
    const buffered = (stalled as unknown as { writableBuffer: { chunk: Buffer }[] }).writableBuffer;
    const copy = buffered.at(-1)?.chunk;
    expect(copy?.buffer).not.toBe(frameArena.buffer.buffer);
    expect(copy).toEqual(Buffer.concat([eventFrame(2), eventFrame(3)]));
    stalled.destroy();
  });

  it("counts arena frames in the buffered amount until they are written", () => {
    const { socket } = recordingSocket();
    const writer = new OutboundWriter(socket, limits, owner);
    void commitEvent(writer, 1);
    expect(writer.bufferedAmount).toBe(eventFrame(1).length);
  });

  it("fails arena frames queued before a close", async () => {
    const { socket } = recordingSocket();
    const writer = new OutboundWriter(socket, limits, owner);
    const sent = commitEvent(writer, 1);
    writer.close(() => new Error("closed") as never);
    await expect(sent).rejects.toThrow("closed");
    await expect(commitEvent(writer, 2)).rejects.toThrow("closed");
  });
});
