import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ErrorCode, SockwireError } from "../../src/index.js";
import { frameArena } from "../../src/message/frame-arena.js";
import { type OutboundLimits, OutboundWriter } from "../../src/session/outbound-writer.js";
import { type MemorySocket, type SocketPairOptions, socketPair } from "./socket-pair.js";

// The outbound writer over an in-memory socket: one write per tick (and the early flush), the
// soft mark and waitForRoom, the hard cap, the write deadline, closing, and copies for sockets
// with a backlog. Arena frames in batches: encode-in-arena.test.ts.

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
});

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

const roomy: OutboundLimits = {
  sendSoftBytes: 1 << 20,
  sendHardBytes: 1 << 22,
  writeDeadlineMs: 0,
};

function setup(limits: Partial<OutboundLimits> = {}, pair: SocketPairOptions = {}) {
  const { local, remote } = socketPair(pair);
  remote.resume(); // the peer reads (and drops) what arrives
  const owner = { writeStalled: vi.fn() };
  const writer = new OutboundWriter(local, { ...roomy, ...limits }, owner);
  return { writer, socket: local, remote, owner };
}

/** A frame-sized buffer of its own, filled with `byte`. */
const piece = (bytes: number, byte = 1) => Buffer.alloc(bytes, byte);

/** Whether a promise has settled by now (after the sockets and microtasks ran). */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await settle();
  return settled;
}

describe("batching", () => {
  test("frames queued in one tick leave in one write, in order, sharing one promise", async () => {
    const { writer, socket } = setup();
    const frames = [1, 2, 3, 4, 5].map((n) => piece(10 * n, n));
    const sent = frames.map((frame) => writer.enqueue(frame));
    expect(socket.writes).toEqual([]);
    expect(new Set(sent).size).toBe(1);
    await Promise.all(sent);
    expect(socket.writes).toEqual([Buffer.concat(frames)]);
    expect(writer.framesWritten).toBe(5);
    expect(writer.bytesWritten).toBe(150);
  });

  test("the first 8 frames of a tick leave at once, the rest at the end of the tick", async () => {
    const { writer, socket } = setup();
    for (let i = 0; i < 8; i++) void writer.enqueue(piece(10, i));
    expect(socket.writes.map((w) => w.length)).toEqual([80]);
    for (let i = 0; i < 12; i++) void writer.enqueue(piece(10, i));
    expect(socket.writes).toHaveLength(1);
    await settle();
    expect(socket.writes.map((w) => w.length)).toEqual([80, 120]);
    // A new tick gets its early flush again.
    for (let i = 0; i < 8; i++) void writer.enqueue(piece(10, i));
    expect(socket.writes).toHaveLength(3);
  });

  test("past 256 KiB queued the batch leaves at once", () => {
    const { writer, socket } = setup();
    void writer.enqueue(piece(200 * 1024));
    expect(socket.writes).toEqual([]);
    void writer.enqueue(piece(56 * 1024));
    expect(socket.writes.map((w) => w.length)).toEqual([256 * 1024]);
  });

  test("bufferedAmount counts what is queued here and what the socket holds", async () => {
    const { writer, remote } = setup({}, { highWaterMark: 1024 });
    remote.stopReading();
    void writer.enqueue(piece(300));
    expect(writer.bufferedAmount).toBe(300);
    await settle();
    expect(writer.bufferedAmount).toBe(300); // in the socket now
    void writer.enqueue(piece(200));
    expect(writer.bufferedAmount).toBe(500);
    remote.startReading();
    await settle();
    expect(writer.bufferedAmount).toBe(0);
  });
});

describe("soft mark and hard cap", () => {
  test("above the soft mark hasRoom is false, and waitForRoom resolves on drain", async () => {
    const { writer, remote } = setup({ sendSoftBytes: 2048 }, { highWaterMark: 1024 });
    await expect(writer.waitForRoom()).resolves.toBeUndefined();
    remote.stopReading();
    await writer.enqueue(piece(3000));
    expect(writer.hasRoom).toBe(false);
    const room = writer.waitForRoom();
    expect(await isSettled(room)).toBe(false);
    remote.startReading();
    expect(await isSettled(room)).toBe(true);
    expect(writer.hasRoom).toBe(true);
  });

  test("waitForRoom resolves when a batch over the soft mark is written at once", async () => {
    // The batch is below the socket's high-water mark: write() returns true, no drain follows.
    const { writer } = setup({ sendSoftBytes: 4096 });
    void writer.enqueue(piece(5000));
    expect(writer.hasRoom).toBe(false);
    const room = writer.waitForRoom();
    expect(await isSettled(room)).toBe(true);
    expect(writer.bufferedAmount).toBe(0);
  });

  test("waitForRoom resolves when a backlog below the high-water mark is written", async () => {
    const { writer, remote } = setup({ sendSoftBytes: 2048 });
    remote.stopReading();
    await writer.enqueue(piece(3000));
    expect(writer.hasRoom).toBe(false);
    const room = writer.waitForRoom();
    expect(await isSettled(room)).toBe(false);
    remote.startReading();
    expect(await isSettled(room)).toBe(true);
  });

  test("wouldOverflow says whether so many more bytes pass the hard cap", async () => {
    const { writer, remote } = setup({ sendHardBytes: 4096 }, { highWaterMark: 1024 });
    expect(writer.wouldOverflow(4096)).toBe(false);
    expect(writer.wouldOverflow(4097)).toBe(true);
    remote.stopReading();
    await writer.enqueue(piece(1000));
    void writer.enqueue(piece(1000));
    expect(writer.wouldOverflow(2096)).toBe(false);
    expect(writer.wouldOverflow(2097)).toBe(true);
  });
});

describe("write deadline", () => {
  const limits = { writeDeadlineMs: 100 };

  test("a socket unwritable past the deadline is reported once", async () => {
    const { writer, remote, owner } = setup(limits, { highWaterMark: 1024 });
    remote.stopReading();
    await writer.enqueue(piece(2000));
    await writer.enqueue(piece(2000));
    await vi.advanceTimersByTimeAsync(99);
    expect(owner.writeStalled).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(owner.writeStalled).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(owner.writeStalled).toHaveBeenCalledTimes(1);
  });

  test("a drain before the deadline cancels it; deadline 0 never fires", async () => {
    for (const writeDeadlineMs of [100, 0]) {
      const { writer, remote, owner } = setup({ writeDeadlineMs }, { highWaterMark: 1024 });
      remote.stopReading();
      await writer.enqueue(piece(2000));
      await vi.advanceTimersByTimeAsync(50);
      if (writeDeadlineMs > 0) remote.startReading();
      await settle();
      await vi.advanceTimersByTimeAsync(1000);
      expect(owner.writeStalled).not.toHaveBeenCalled();
      expect(vi.getTimerCount()).toBe(0);
    }
  });
});

describe("close", () => {
  const closedError = () => new SockwireError(ErrorCode.CONNECTION_CLOSED, "closed");

  test("queued sends, later sends and room waiters fail with the close error", async () => {
    const { writer, remote, socket } = setup({ sendSoftBytes: 100 }, { highWaterMark: 64 });
    remote.stopReading();
    await writer.enqueue(piece(200));
    const room = writer.waitForRoom().catch((error) => error);
    const queued = writer.enqueue(piece(10)).catch((error) => error);
    const make = vi.fn(closedError);
    writer.close(make);
    const error = await queued;
    expect(error).toMatchObject({ code: ErrorCode.CONNECTION_CLOSED });
    expect(await room).toBe(error);
    await expect(writer.enqueue(piece(10))).rejects.toBe(error);
    await expect(writer.waitForRoom()).rejects.toBe(error);
    expect(make).toHaveBeenCalledTimes(1);
    expect(socket.writes).toHaveLength(1); // the queued frame was never written
  });

  test("a close with nothing queued builds no error", () => {
    const { writer } = setup();
    const make = vi.fn(closedError);
    writer.close(make);
    writer.close(make);
    expect(make).not.toHaveBeenCalled();
  });

  test("a batch flushed after the socket is gone is rejected, not written", async () => {
    const { writer, socket } = setup();
    const sent = writer.enqueue(piece(10));
    socket.destroy();
    await expect(sent).rejects.toMatchObject({ code: ErrorCode.CONNECTION_CLOSED });
    expect(socket.writes).toEqual([]);
  });

  test("an arena frame committed after close is released, not kept", async () => {
    const { writer } = setup();
    writer.close(closedError);
    expect(frameArena.begin()).toBe(true);
    const buf = frameArena.room(16);
    buf.fill(7, frameArena.offset, frameArena.offset + 16);
    const frame = frameArena.pending(16);
    frameArena.end();
    await expect(writer.commitFrame(frame)).rejects.toMatchObject({
      code: ErrorCode.CONNECTION_CLOSED,
    });
    expect(() => frameArena.release(frame)).toThrow(); // settled once already
  });
});

describe("copies for a socket with a backlog", () => {
  /** The buffers the socket's write() is handed from now on. */
  function handed(socket: MemorySocket): () => Buffer[] {
    const write = vi.spyOn(socket, "write");
    return () => write.mock.calls.map((call) => call[0] as Buffer);
  }

  test("a view goes out as it is to an idle socket and as a copy to a backlogged one", async () => {
    const { writer, socket, remote } = setup({}, { highWaterMark: 1024 });
    const calls = handed(socket);
    const backing = Buffer.alloc(4096, 3);
    const view = backing.subarray(0, 100);
    await writer.enqueue(view);
    expect(calls()[0]?.buffer).toBe(backing.buffer);
    remote.stopReading();
    await writer.enqueue(piece(2000));
    await writer.enqueue(view);
    const copy = calls()[2];
    expect(copy?.buffer).not.toBe(backing.buffer);
    expect(copy?.equals(view)).toBe(true);
  });

  test("large pieces go out as views under cork to an idle socket, concatenated to a backlogged one", async () => {
    const { writer, socket, remote } = setup({}, { highWaterMark: 1024 });
    const calls = handed(socket);
    const backing = Buffer.alloc(64 * 1024, 5);
    backing.fill(6, 8192);
    const views = [backing.subarray(0, 8192), backing.subarray(8192, 16384)];
    await Promise.all(views.map((v) => writer.enqueue(v)));
    expect(calls().map((b) => b.buffer === backing.buffer)).toEqual([true, true]);
    expect(socket.writes).toHaveLength(1); // corked: one vectored write
    remote.stopReading();
    await writer.enqueue(piece(2000));
    await Promise.all(views.map((v) => writer.enqueue(v)));
    const copy = calls()[3];
    expect(calls()).toHaveLength(4);
    expect(copy?.buffer).not.toBe(backing.buffer);
    expect(copy?.equals(Buffer.concat(views))).toBe(true);
  });
});
