import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import {
  type Envelope,
  ErrorCode,
  encodeEnvelope,
  Kind,
  type SockwireError,
} from "../../src/index.js";
import { InboundReader, type InboundSink } from "../../src/session/inbound-reader.js";
import { Liveness } from "../../src/session/liveness.js";
import type { SocketLike } from "../../src/session/socket-like.js";

// The receive side on its own: chunks in, envelopes dispatched in order; pause and resume (with
// a FIN held back meanwhile); the end of input, whole or inside a frame; broken input; discard;
// and what liveness hears (life, pauses, partial frames). The clock is Date.now(), faked.

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});

const event = (seq: number) => encodeEnvelope({ kind: Kind.EVENT, type: "e" }, `{"seq":${seq}}`);
const seqOf = (envelope: Envelope) => JSON.parse(envelope.payload.toString()).seq as number;

/** What the reader told its sink, in order; `onDispatch` runs inside each dispatch. */
class Sink implements InboundSink {
  readonly log: string[] = [];
  truncated: SockwireError | undefined;
  brokenBy: SockwireError | undefined;
  onDispatch: (envelope: Envelope) => void = () => {};

  dispatch(envelope: Envelope): void {
    this.log.push(`frame ${seqOf(envelope)}`);
    this.onDispatch(envelope);
  }
  broken(error: SockwireError): void {
    this.log.push(`broken ${error.code}`);
    this.brokenBy = error;
  }
  ended(truncated: SockwireError | undefined): void {
    this.log.push(truncated ? `ended ${truncated.code}` : "ended");
    this.truncated = truncated;
  }
  /** Counted, not logged: it follows every read, and the log is about frames and ends. */
  reads = 0;
  afterRead(): void {
    this.reads++;
  }
}

function setup(frameTimeoutMs = 0) {
  const socket = { pause: vi.fn(), resume: vi.fn() };
  const liveness = new Liveness({ intervalMs: 0, timeoutMs: 0 }, frameTimeoutMs, 2, Date.now());
  const sink = new Sink();
  const reader = new InboundReader(
    { maxFrameBytes: 1024, maxRetainedChunks: 16 },
    socket as unknown as SocketLike,
    liveness,
    sink,
  );
  return { reader, socket, liveness, sink };
}

describe("reading", () => {
  test("frames are dispatched in order, however the bytes are split", () => {
    const bytes = Buffer.concat([event(1), event(2), event(3)]);
    for (const size of [1, 2, 5, 7, bytes.length]) {
      const { reader, sink } = setup();
      for (let at = 0; at < bytes.length; at += size)
        reader.received(bytes.subarray(at, at + size));
      expect(sink.log).toEqual(["frame 1", "frame 2", "frame 3"]);
      expect(reader.messagesIn).toBe(3);
      expect(reader.bytesIn).toBe(bytes.length);
    }
  });

  test("the FIN after whole frames ends cleanly; inside a frame it is ERR_FRAME_TRUNCATED", () => {
    const whole = setup();
    whole.reader.received(event(1));
    whole.reader.peerEnded();
    expect(whole.sink.log).toEqual(["frame 1", "ended"]);

    const cut = setup();
    cut.reader.received(Buffer.concat([event(1), event(2).subarray(0, 3)]));
    cut.reader.peerEnded();
    expect(cut.sink.log).toEqual(["frame 1", `ended ${ErrorCode.FRAME_TRUNCATED}`]);
  });

  test("broken input is reported after the frames before it; no frame after it is dispatched", () => {
    const { reader, sink } = setup();
    const unknownKind = encodeEnvelope({ kind: 0x30 as Kind }, undefined);
    reader.received(Buffer.concat([event(1), unknownKind, event(2)]));
    expect(sink.log).toEqual(["frame 1", `broken ${ErrorCode.UNKNOWN_KIND}`]);
    // The owner discards from then on (the session's fail() does): nothing more is reported.
    reader.discard();
    reader.received(event(3));
    reader.peerEnded();
    expect(sink.log).toEqual(["frame 1", `broken ${ErrorCode.UNKNOWN_KIND}`, "ended"]);
    expect(reader.messagesIn).toBe(1);

    const large = setup();
    large.reader.received(Buffer.from([0, 0, 4, 1])); // 1025 bytes, over the 1 KiB limit
    expect(large.sink.log).toEqual([`broken ${ErrorCode.FRAME_TOO_LARGE}`]);
  });

  test("after discard() input is counted but not dispatched, and the FIN ends without a verdict", () => {
    const { reader, sink } = setup();
    reader.received(event(1));
    reader.discard();
    reader.received(Buffer.concat([event(2), event(3).subarray(0, 5)]));
    reader.peerEnded();
    expect(sink.log).toEqual(["frame 1", "ended"]);
    expect(reader.bytesIn).toBe(event(1).length * 2 + 5);
  });
});

describe("pause and resume", () => {
  test("a pause from inside a dispatch stops right after that frame; resume dispatches the rest", () => {
    const { reader, socket, sink } = setup();
    sink.onDispatch = (envelope) => {
      if (seqOf(envelope) === 1) reader.pause();
    };
    reader.received(Buffer.concat([event(1), event(2), event(3)]));
    expect(sink.log).toEqual(["frame 1"]);
    expect(reader.isPaused).toBe(true);
    expect(socket.pause).toHaveBeenCalledTimes(1);
    reader.received(event(4)); // bytes the socket had already read
    expect(sink.log).toEqual(["frame 1"]);
    reader.resume();
    expect(sink.log).toEqual(["frame 1", "frame 2", "frame 3", "frame 4"]);
    expect(socket.resume).toHaveBeenCalledTimes(1);
  });

  test("pause and resume are idempotent", () => {
    const { reader, socket } = setup();
    reader.resume();
    reader.pause();
    reader.pause();
    reader.resume();
    reader.resume();
    expect(socket.pause).toHaveBeenCalledTimes(1);
    expect(socket.resume).toHaveBeenCalledTimes(1);
  });

  test("a FIN that arrives while paused waits for the frames before it", () => {
    const { reader, sink } = setup();
    sink.onDispatch = (envelope) => {
      if (seqOf(envelope) === 1) reader.pause();
    };
    reader.received(Buffer.concat([event(1), event(2)]));
    reader.peerEnded();
    expect(sink.log).toEqual(["frame 1"]);
    reader.resume();
    expect(sink.log).toEqual(["frame 1", "frame 2", "ended"]);
  });

  test("a FIN held back stays held while a dispatch pauses again, and is handled once", () => {
    const { reader, sink } = setup();
    sink.onDispatch = () => reader.pause();
    reader.received(Buffer.concat([event(1), event(2), event(3)]));
    reader.peerEnded();
    reader.resume();
    expect(sink.log).toEqual(["frame 1", "frame 2"]);
    reader.resume();
    expect(sink.log).toEqual(["frame 1", "frame 2", "frame 3"]);
    sink.onDispatch = () => {};
    reader.resume();
    reader.resume();
    expect(sink.log).toEqual(["frame 1", "frame 2", "frame 3", "ended"]);
  });
});

describe("what liveness hears", () => {
  test("every chunk is life, even a discarded one", () => {
    const { reader, liveness } = setup();
    vi.setSystemTime(1000);
    reader.received(event(1).subarray(0, 2));
    expect(liveness.lastReceivedAt).toBe(1000);
    reader.discard();
    vi.setSystemTime(2000);
    reader.received(Buffer.from([1]));
    expect(liveness.lastReceivedAt).toBe(2000);
  });

  test("the partial-frame clock starts with the first partial chunk and stops when the frame completes", () => {
    const { reader, liveness } = setup(50);
    const frame = event(1);
    vi.setSystemTime(100);
    reader.received(frame.subarray(0, 3));
    expect(liveness.partialSince).toBe(100);
    vi.setSystemTime(140);
    reader.received(frame.subarray(3, 6));
    expect(liveness.partialSince).toBe(100); // the same frame: the clock keeps running
    expect(liveness.check(151)).toBe("frame-stalled");
    reader.received(frame.subarray(6));
    expect(liveness.partialSince).toBe(-1);
  });

  test("the partial-frame clock does not run while paused, and restarts on resume", () => {
    const { reader, sink, liveness } = setup(50);
    sink.onDispatch = () => reader.pause();
    vi.setSystemTime(100);
    reader.received(Buffer.concat([event(1), event(2).subarray(0, 4)]));
    expect(liveness.partialSince).toBe(-1);
    vi.setSystemTime(1000);
    expect(liveness.check(1000)).toBe("ok");
    sink.onDispatch = () => {};
    reader.resume();
    expect(liveness.partialSince).toBe(1000);
    expect(liveness.lastReceivedAt).toBe(1000);
  });
});
