import { describe, expect, test } from "vitest";
import {
  ARENA_BYTES,
  FrameArena,
  type PendingFrame,
  pendingBytes,
  type RunOwner,
} from "../../src/message/frame-arena.js";

// The arena's bookkeeping, on fresh instances: runs of frames claimed by one owner and when
// they close, take, release, and handles that went stale. What encodeInArena writes into it
// (bytes, large frames, nested encodings): encode-in-arena.test.ts.

/** Writes a `bytes`-long frame of `fill` at the arena's offset and returns its handle. */
function encode(arena: FrameArena, bytes: number, fill: number): PendingFrame {
  expect(arena.begin()).toBe(true);
  const buf = arena.room(bytes);
  buf.fill(fill, arena.offset, arena.offset + bytes);
  const frame = arena.pending(bytes);
  arena.end();
  return frame;
}

/** An owner that records each run closed for it, as the bytes of the run. */
class Owner implements RunOwner {
  readonly runs: Buffer[] = [];
  runClosed(buf: Buffer, start: number, end: number): void {
    this.runs.push(buf.subarray(start, end));
  }
}

const bytesOf = (...fills: [number, number][]) =>
  Buffer.concat(fills.map(([bytes, fill]) => Buffer.alloc(bytes, fill)));

describe("runs", () => {
  test("frames one owner claims in a row form one run, closed when the owner asks", () => {
    const arena = new FrameArena();
    const owner = new Owner();
    arena.claim(encode(arena, 10, 1), owner);
    arena.claim(encode(arena, 20, 2), owner);
    expect(owner.runs).toEqual([]);
    arena.closeRunOf(owner);
    expect(owner.runs).toEqual([bytesOf([10, 1], [20, 2])]);
    arena.closeRunOf(owner);
    expect(owner.runs).toHaveLength(1);
  });

  test("another owner's claim closes the open run; each run is a view of the arena", () => {
    const arena = new FrameArena();
    const a = new Owner();
    const b = new Owner();
    arena.claim(encode(arena, 10, 1), a);
    arena.claim(encode(arena, 5, 2), b);
    arena.claim(encode(arena, 7, 3), a);
    arena.closeRunOf(b); // not b's run any more: nothing happens
    arena.closeRunOf(a);
    expect(a.runs).toEqual([bytesOf([10, 1]), bytesOf([7, 3])]);
    expect(b.runs).toEqual([bytesOf([5, 2])]);
    expect(a.runs[0]?.buffer).toBe(arena.buffer.buffer);
  });

  test("take closes the open run and returns its frame as a view of its own", () => {
    const arena = new FrameArena();
    const owner = new Owner();
    arena.claim(encode(arena, 10, 1), owner);
    const shared = arena.take(encode(arena, 4, 9));
    expect(owner.runs).toEqual([bytesOf([10, 1])]);
    expect(shared).toEqual(bytesOf([4, 9]));
    expect(shared.buffer).toBe(arena.buffer.buffer);
    arena.claim(encode(arena, 3, 2), owner);
    arena.closeRunOf(owner);
    expect(owner.runs[1]).toEqual(bytesOf([3, 2]));
  });

  test("a new buffer closes the open run first, with the old buffer's bytes", () => {
    const arena = new FrameArena();
    const owner = new Owner();
    arena.claim(encode(arena, ARENA_BYTES - 10, 1), owner);
    const old = arena.buffer;
    arena.claim(encode(arena, 20, 2), owner); // does not fit: a new buffer
    expect(arena.buffer).not.toBe(old);
    expect(owner.runs).toHaveLength(1);
    expect(owner.runs[0]?.buffer).toBe(old.buffer);
    expect(owner.runs[0]?.length).toBe(ARENA_BYTES - 10);
    arena.closeRunOf(owner);
    expect(owner.runs[1]).toEqual(bytesOf([20, 2]));
  });

  test("dropRunOf forgets the run without telling its owner; the bytes stay claimed", () => {
    const arena = new FrameArena();
    const owner = new Owner();
    arena.claim(encode(arena, 10, 1), owner);
    arena.dropRunOf(new Owner()); // someone else's: nothing happens
    arena.dropRunOf(owner);
    arena.closeRunOf(owner);
    expect(owner.runs).toEqual([]);
    expect(arena.offset).toBe(10);
    arena.claim(encode(arena, 5, 2), owner);
    arena.closeRunOf(owner);
    expect(owner.runs).toEqual([bytesOf([5, 2])]);
  });
});

describe("handles", () => {
  test("a handle carries its frame's size", () => {
    const arena = new FrameArena();
    expect(pendingBytes(encode(arena, 123, 1))).toBe(123);
  });

  test("a frame is claimed, taken or released once; a stale handle throws and changes nothing", () => {
    const arena = new FrameArena();
    const owner = new Owner();
    const first = encode(arena, 10, 1);
    arena.claim(first, owner);
    expect(() => arena.claim(first, owner)).toThrow();
    expect(() => arena.take(first)).toThrow();
    expect(() => arena.release(first)).toThrow();
    const overwritten = encode(arena, 10, 2);
    const latest = encode(arena, 10, 3); // written over `overwritten`
    expect(() => arena.claim(overwritten, owner)).toThrow();
    expect(arena.offset).toBe(10);
    arena.release(latest);
    expect(() => arena.claim(latest, owner)).toThrow();
    expect(arena.offset).toBe(10);
  });

  test("a released frame's bytes are written over by the next frame", () => {
    const arena = new FrameArena();
    arena.take(encode(arena, 10, 1));
    arena.release(encode(arena, 10, 2));
    expect(arena.offset).toBe(10);
    expect(arena.take(encode(arena, 10, 3))).toEqual(bytesOf([10, 3]));
  });

  test("encoding numbers wrap without a handle of the last cycle matching", () => {
    const arena = new FrameArena();
    (arena as unknown as { serial: number }).serial = 14;
    const beforeWrap = encode(arena, 8, 1); // serial 15, the last of a cycle
    const afterWrap = encode(arena, 8, 2); // serial 0
    expect(() => arena.take(beforeWrap)).toThrow();
    expect(arena.take(afterWrap)).toEqual(bytesOf([8, 2]));
  });

  test("a handle stays a small integer for the largest frame (no heap number per message)", () => {
    const arena = new FrameArena();
    const largest = 4 + 64 * 1024 * 1024 + 16;
    const handle = arena.pending(largest);
    expect(Number.isInteger(handle) && handle < 2 ** 31).toBe(true);
    expect(pendingBytes(handle)).toBe(largest);
  });
});

describe("buffers", () => {
  test("free is 0 before the first frame and what is left of the buffer after", () => {
    const arena = new FrameArena();
    expect(arena.free).toBe(0);
    arena.take(encode(arena, 100, 1));
    expect(arena.free).toBe(ARENA_BYTES - 100);
  });

  test("a buffer made for a large frame holds that frame only", () => {
    const arena = new FrameArena();
    const large = arena.take(encode(arena, 2 * ARENA_BYTES, 1));
    expect(large.length).toBe(2 * ARENA_BYTES);
    expect(arena.free).toBe(0);
    arena.take(encode(arena, 10, 2));
    expect(arena.buffer.length).toBe(ARENA_BYTES);
    expect(large.every((byte) => byte === 1)).toBe(true);
  });

  test("begin refuses a nested encoding until end", () => {
    const arena = new FrameArena();
    expect(arena.begin()).toBe(true);
    expect(arena.begin()).toBe(false);
    arena.end();
    expect(arena.begin()).toBe(true);
    arena.end();
  });
});
