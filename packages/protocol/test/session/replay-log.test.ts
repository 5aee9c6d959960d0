import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { encodeControl, encodeEnvelope, Kind } from "../../src/index.js";
import { isSequencedKind, ReplayLog } from "../../src/internal.js";

// The replay log of a resumable session (PROTOCOL.md 8.6), byte by byte: which frames it keeps
// and counts, acknowledgements across and inside pieces, takeFrom, the two limits, compact, and
// counts modulo 2^32. A property holds it to a plain model: an array of the sequenced frames.

const BIG = 1 << 30;
/** A log that never overflows. */
const roomy = () => new ReplayLog(BIG, BIG);

const event = (text: string) =>
  encodeEnvelope({ kind: Kind.EVENT, type: "say" }, `{"t":"${text}"}`);
const request = (id: number) => encodeEnvelope({ kind: Kind.REQUEST, id, type: "echo" }, "{}");
const response = (id: number) => encodeEnvelope({ kind: Kind.RESPONSE, id }, "[1]");
const answerError = (id: number) =>
  encodeEnvelope({ kind: Kind.ERROR, id }, encodeControl({ code: "APP", message: "no" }));
const connectionError = () =>
  encodeEnvelope(
    { kind: Kind.ERROR, id: 0 },
    encodeControl({ code: "PROTOCOL_ERROR", message: "" }),
  );
const cancel = (id: number) => encodeEnvelope({ kind: Kind.CANCEL, id }, undefined);
const ping = (id: number) => encodeEnvelope({ kind: Kind.PING, id }, undefined);
const pong = (id: number) => encodeEnvelope({ kind: Kind.PONG, id }, undefined);
const ack = (count: number) => encodeEnvelope({ kind: Kind.ACK, id: count }, undefined);
const goaway = () =>
  encodeEnvelope({ kind: Kind.GOAWAY }, encodeControl({ code: "GOING_AWAY", message: "" }));

const hex = (pieces: readonly Buffer[] | undefined) =>
  pieces === undefined ? undefined : Buffer.concat(pieces).toString("hex");
const total = (frames: readonly Buffer[]) => frames.reduce((n, f) => n + f.length, 0);

/** Six sequenced frames of different lengths, appended as three pieces: [0 1 2] [3] [4 5]. */
function sixInThreePieces(log = roomy()) {
  const frames = [event("a"), request(1), event("ccc"), response(9), answerError(2), cancel(1)];
  log.append([Buffer.concat(frames.slice(0, 3)), frames[3] as Buffer]);
  log.append([Buffer.concat(frames.slice(4))]);
  return { log, frames };
}

/**
 * Sets the log's counters directly: reaching 2^32 frames by appending them is out of reach for a
 * test. Only the counters move; nothing is kept.
 */
function withCounts(log: ReplayLog, sent: number, acked: number): ReplayLog {
  return Object.assign(log, { sentCount: sent, ackedCount: acked });
}

describe("which frames are kept", () => {
  const cases: [string, Buffer, boolean][] = [
    ["event", event("x"), true],
    ["request", request(5), true],
    ["response", response(5), true],
    ["error answering request 5", answerError(5), true],
    ["cancel", cancel(5), true],
    ["connection error (id 0)", connectionError(), false],
    ["ping", ping(3), false],
    ["pong", pong(3), false],
    ["ack", ack(3), false],
    ["goaway", goaway(), false],
  ];

  test.each(cases)("%s: kept and counted = %s", (_name, frame, sequenced) => {
    const log = roomy();
    log.append([frame]);
    expect(log.sent).toBe(sequenced ? 1 : 0);
    expect(log.unacked).toBe(sequenced ? 1 : 0);
    expect(log.bytes).toBe(sequenced ? frame.length : 0);
    expect(hex(log.takeFrom(0))).toBe(sequenced ? frame.toString("hex") : "");
  });

  test("isSequencedKind agrees, for every kind byte", () => {
    const sequenced = new Set<number>([
      Kind.EVENT,
      Kind.REQUEST,
      Kind.RESPONSE,
      Kind.CANCEL,
      // Protocol 1.2: every stream frame carries the conversation (PROTOCOL.md 8.6, 8.7).
      Kind.STREAM_OPEN,
      Kind.STREAM_ITEM,
      Kind.STREAM_CREDIT,
      Kind.STREAM_END,
      Kind.STREAM_ERROR,
      Kind.STREAM_CANCEL,
    ]);
    for (let kind = 0; kind < 256; kind++) {
      expect(isSequencedKind(kind, 0)).toBe(sequenced.has(kind));
      expect(isSequencedKind(kind, 7)).toBe(sequenced.has(kind) || kind === Kind.ERROR);
    }
  });

  test("control frames in the middle of a piece are skipped; the frames around them are kept in order", () => {
    const seq = [event("1"), request(2), event("3"), response(4), cancel(5)];
    const piece = Buffer.concat([
      ping(1),
      seq[0] as Buffer,
      pong(1),
      seq[1] as Buffer,
      seq[2] as Buffer,
      ack(10),
      goaway(),
      connectionError(),
      seq[3] as Buffer,
      seq[4] as Buffer,
      ping(2),
    ]);
    const log = roomy();
    log.append([piece]);
    expect(log.sent).toBe(5);
    expect(log.bytes).toBe(total(seq));
    expect(hex(log.takeFrom(0))).toBe(Buffer.concat(seq).toString("hex"));
  });

  test("kept pieces are views of the appended buffers, not copies", () => {
    const a = event("a");
    const b = request(1);
    const c = event("c");
    const whole = Buffer.concat([a, b]);
    const mixed = Buffer.concat([ping(1), c, pong(1)]);
    const log = roomy();
    log.append([whole, mixed]);
    const kept = log.takeFrom(0) as Buffer[];
    expect(kept).toHaveLength(2);
    // A piece of sequenced frames only is kept as it is.
    expect(kept[0]).toBe(whole);
    // The run inside a mixed piece is a view of it: same memory, at the run's offset.
    const run = kept[1] as Buffer;
    expect(run.buffer).toBe(mixed.buffer);
    expect(run.byteOffset).toBe(mixed.byteOffset + ping(1).length);
    expect(run.length).toBe(c.length);
    // A payload byte of `c`, changed after the fact, shows through.
    mixed[ping(1).length + 4 + 7 + 3 + 2] = 0x5a;
    expect(run[4 + 7 + 3 + 2]).toBe(0x5a);
  });

  test("an empty batch and an empty piece change nothing", () => {
    const log = roomy();
    log.append([]);
    log.append([Buffer.alloc(0)]);
    expect([log.sent, log.acked, log.bytes]).toEqual([0, 0, 0]);
    expect(log.takeFrom(0)).toEqual([]);
  });
});

describe("ack", () => {
  test.each([0, 1, 2, 3, 4, 5, 6])(
    "ack(%i) drops exactly the first frames, across piece boundaries and inside pieces",
    (k) => {
      const { log, frames } = sixInThreePieces();
      expect(log.ack(k)).toBe(true);
      expect(log.acked).toBe(k);
      expect(log.unacked).toBe(6 - k);
      expect(log.bytes).toBe(total(frames.slice(k)));
      expect(hex(log.takeFrom(k))).toBe(Buffer.concat(frames.slice(k)).toString("hex"));
    },
  );

  test("successive acks, each inside a piece or past its end, drop what each adds", () => {
    const { log, frames } = sixInThreePieces();
    for (const k of [1, 1, 2, 4, 5, 6]) {
      expect(log.ack(k)).toBe(true);
      expect(log.bytes).toBe(total(frames.slice(k)));
    }
    expect(log.takeFrom(6)).toEqual([]);
  });

  test("a stale ack, an ack past what was sent and a negative one are refused and change nothing", () => {
    const { log, frames } = sixInThreePieces();
    expect(log.ack(3)).toBe(true);
    for (const bad of [2, 0, 7, -1, 2 ** 32]) {
      expect(log.ack(bad)).toBe(false);
      expect([log.acked, log.sent, log.bytes]).toEqual([3, 6, total(frames.slice(3))]);
    }
    expect(hex(log.takeFrom(3))).toBe(Buffer.concat(frames.slice(3)).toString("hex"));
  });
});

describe("takeFrom", () => {
  test("returns exactly the frames after the count, and the log starts afresh there", () => {
    const { log, frames } = sixInThreePieces();
    const taken = log.takeFrom(2);
    expect(hex(taken)).toBe(Buffer.concat(frames.slice(2)).toString("hex"));
    expect([log.sent, log.acked, log.unacked, log.bytes]).toEqual([2, 2, 0, 0]);
    // Sent again on the new link, the frames are appended again as they are written.
    log.append(taken as Buffer[]);
    expect([log.sent, log.acked, log.bytes]).toEqual([6, 2, total(frames.slice(2))]);
    expect(hex(log.takeFrom(5))).toBe((frames[5] as Buffer).toString("hex"));
  });

  test("refuses a count below what was acknowledged or above what was sent, keeping everything", () => {
    const { log, frames } = sixInThreePieces();
    log.ack(2);
    expect(log.takeFrom(1)).toBeUndefined();
    expect(log.takeFrom(7)).toBeUndefined();
    expect([log.sent, log.acked, log.bytes]).toEqual([6, 2, total(frames.slice(2))]);
    expect(hex(log.takeFrom(2))).toBe(Buffer.concat(frames.slice(2)).toString("hex"));
  });

  test("takeFrom(sent) has nothing to send again", () => {
    const { log } = sixInThreePieces();
    expect(log.takeFrom(6)).toEqual([]);
    expect([log.sent, log.acked, log.bytes]).toEqual([6, 6, 0]);
  });
});

describe("limits", () => {
  test("bytes: exactly at the limit is kept; one frame more drops everything kept", () => {
    const a = event("a");
    const b = event("bb");
    const log = new ReplayLog(a.length + b.length, BIG);
    log.append([a, ping(1), b]);
    expect(log.overflowed).toBe(false);
    expect(log.bytes).toBe(a.length + b.length);
    log.append([cancel(1)]);
    expect(log.overflowed).toBe(true);
    expect([log.sent, log.acked, log.bytes]).toEqual([3, 0, 0]);
    // Nothing before the dropped frames can be served; the log is left as it was.
    expect(log.takeFrom(0)).toBeUndefined();
    expect(log.takeFrom(2)).toBeUndefined();
    expect([log.sent, log.acked, log.bytes]).toEqual([3, 0, 0]);
  });

  test("bytes: control frames do not count", () => {
    const a = event("a");
    const log = new ReplayLog(a.length, BIG);
    log.append([Buffer.concat([ping(1), pong(2), a, ack(9), goaway()])]);
    expect(log.overflowed).toBe(false);
    expect(log.bytes).toBe(a.length);
  });

  test("overflowed lasts until the peer acknowledges past the dropped frames; later frames are kept", () => {
    const a = event("a");
    const big = event("x".repeat(64));
    const d = event("d");
    const log = new ReplayLog(a.length + d.length, BIG);
    log.append([a]);
    log.append([big]); // over the limit: a and big are dropped
    expect([log.overflowed, log.sent, log.bytes]).toEqual([true, 2, 0]);
    log.append([Buffer.concat([ping(1), d])]); // fits again: kept
    expect([log.overflowed, log.sent, log.bytes]).toEqual([true, 3, d.length]);
    expect(log.ack(1)).toBe(true);
    expect(log.overflowed).toBe(true);
    expect(log.takeFrom(1)).toBeUndefined();
    expect(log.ack(2)).toBe(true);
    expect(log.overflowed).toBe(false);
    expect(log.bytes).toBe(d.length);
    expect(hex(log.takeFrom(2))).toBe(d.toString("hex"));
  });

  test("a count at or past the dropped frames is served even before the peer acknowledged it", () => {
    const log = new ReplayLog(32, BIG);
    log.append([event("x".repeat(64))]);
    const e = event("e");
    log.append([e]);
    expect(log.overflowed).toBe(true);
    expect(hex(log.takeFrom(1))).toBe(e.toString("hex"));
    expect(log.overflowed).toBe(false);
  });

  test("frames: the limit is on unacknowledged frames", () => {
    const log = new ReplayLog(BIG, 2);
    log.append([event("1"), event("2")]);
    expect(log.overflowed).toBe(false);
    expect(log.ack(2)).toBe(true);
    log.append([event("3"), event("4")]);
    expect([log.overflowed, log.unacked]).toEqual([false, 2]);
    log.append([event("5")]);
    expect([log.overflowed, log.sent, log.bytes]).toEqual([true, 5, 0]);
    // Still more than the limit unacknowledged: each new frame is dropped too.
    log.append([event("6")]);
    expect([log.overflowed, log.sent, log.bytes]).toEqual([true, 6, 0]);
    expect(log.ack(5)).toBe(true);
    expect(log.overflowed).toBe(true);
    expect(log.ack(6)).toBe(true);
    expect(log.overflowed).toBe(false);
    const seven = event("7");
    log.append([seven]);
    expect([log.overflowed, log.bytes]).toEqual([false, seven.length]);
    expect(hex(log.takeFrom(6))).toBe(seven.toString("hex"));
  });

  test("frames: one piece holding more than the limit overflows", () => {
    const log = new ReplayLog(BIG, 2);
    log.append([Buffer.concat([event("1"), event("2"), event("3")])]);
    expect([log.overflowed, log.sent, log.bytes]).toEqual([true, 3, 0]);
  });

  test("a run kept earlier in the same piece is dropped with the run that overflows", () => {
    const a = event("a");
    const b = event("b");
    const log = new ReplayLog(a.length, BIG);
    log.append([Buffer.concat([a, ping(1), b])]);
    expect([log.overflowed, log.sent, log.bytes]).toEqual([true, 2, 0]);
    expect(log.takeFrom(1)).toBeUndefined();
    expect(log.takeFrom(2)).toEqual([]);
  });
});

describe("compact", () => {
  test("copies what is kept into one buffer of its own, with the same bytes", () => {
    const frames = [event("a"), request(1), event("c"), response(1)];
    const first = Buffer.concat([frames[0] as Buffer, ping(1), frames[1] as Buffer]);
    const second = Buffer.concat([frames[2] as Buffer, frames[3] as Buffer]);
    const log = roomy();
    log.append([first, second]);
    log.ack(1); // the first piece is now a partial view
    const before = Buffer.concat(frames.slice(1)).toString("hex");
    log.compact();
    expect(log.bytes).toBe(total(frames.slice(1)));
    first.fill(0);
    second.fill(0);
    const kept = log.takeFrom(1) as Buffer[];
    expect(kept).toHaveLength(1);
    expect(hex(kept)).toBe(before);
  });

  test("a compacted log still acks inside its one buffer", () => {
    const { log, frames } = sixInThreePieces();
    log.compact();
    expect(log.ack(4)).toBe(true);
    expect(log.bytes).toBe(total(frames.slice(4)));
    expect(hex(log.takeFrom(4))).toBe(Buffer.concat(frames.slice(4)).toString("hex"));
  });

  test("an empty log stays empty", () => {
    const log = roomy();
    log.compact();
    expect(log.takeFrom(0)).toEqual([]);
  });
});

describe("fromWire: counts modulo 2^32", () => {
  test("below 2^32 a wire count is the count; one above what was sent maps below zero", () => {
    const { log } = sixInThreePieces();
    for (const n of [0, 3, 6]) expect(log.fromWire(n)).toBe(n);
    expect(log.fromWire(7)).toBeLessThan(0);
    expect(log.ack(log.fromWire(7))).toBe(false);
  });

  test.each([
    // [sent, wire, full count]
    [2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1],
    [2 ** 32, 0, 2 ** 32],
    [2 ** 32, 2 ** 32 - 1, 2 ** 32 - 1],
    [2 ** 32 + 5, 5, 2 ** 32 + 5],
    [2 ** 32 + 5, 0, 2 ** 32],
    [2 ** 32 + 5, 2 ** 32 - 3, 2 ** 32 - 3],
    [3 * 2 ** 32 + 1, 2 ** 31, 2 * 2 ** 32 + 2 ** 31],
  ])("sent %d: wire %d means %d", (sent, wire, full) => {
    const log = withCounts(roomy(), sent, 0);
    expect(log.fromWire(wire)).toBe(full);
  });

  test("an ack across the wrap is accepted against the full count", () => {
    const log = withCounts(roomy(), 2 ** 32 + 2, 2 ** 32 - 2);
    expect(log.ack(log.fromWire(2 ** 32 - 1))).toBe(true);
    expect(log.acked).toBe(2 ** 32 - 1);
    expect(log.ack(log.fromWire(1))).toBe(true);
    expect(log.acked).toBe(2 ** 32 + 1);
    expect(log.ack(log.fromWire(2 ** 32 - 1))).toBe(false); // stale, from before the wrap
  });

  test.prop([fc.integer({ min: 0, max: 2 ** 52 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })])(
    "any count less than 2^31 behind what was sent comes back from its wire form",
    (sent, behind) => {
      fc.pre(behind <= sent);
      const log = withCounts(roomy(), sent, 0);
      expect(log.fromWire((sent - behind) % 2 ** 32)).toBe(sent - behind);
    },
  );
});

// ── the property: the log against a plain model ──────────────────────────────────────────────

const frameArb = fc.oneof(
  fc.string({ maxLength: 12 }).map(event),
  fc.integer({ min: 1, max: 0xffff_ffff }).map(request),
  fc.integer({ min: 1, max: 0xffff_ffff }).map(response),
  fc.integer({ min: 1, max: 0xffff_ffff }).map(answerError),
  fc.integer({ min: 1, max: 0xffff_ffff }).map(cancel),
  fc.constant(null).map(connectionError),
  fc.nat().map(ping),
  fc.nat().map(pong),
  fc.nat().map(ack),
  fc.constant(null).map(goaway),
);

/** A batch: frames, grouped into consecutive pieces where `cuts` says so. */
const batchArb = fc
  .array(fc.tuple(frameArb, fc.boolean()), { minLength: 0, maxLength: 12 })
  .map((entries) => {
    const pieces: Buffer[] = [];
    let group: Buffer[] = [];
    for (const [frame, cutAfter] of entries) {
      group.push(frame);
      if (cutAfter) {
        pieces.push(Buffer.concat(group));
        group = [];
      }
    }
    if (group.length > 0) pieces.push(Buffer.concat(group));
    return { pieces, frames: entries.map(([frame]) => frame) };
  });

type Op =
  | { op: "append"; batch: { pieces: Buffer[]; frames: Buffer[] } }
  | { op: "ack"; at: number; valid: boolean }
  | { op: "resume"; at: number; merged: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: batchArb.map((batch) => ({ op: "append" as const, batch })) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("ack" as const), at: fc.nat(), valid: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("resume" as const),
      at: fc.nat(),
      merged: fc.boolean(),
    }),
  },
);

const isKept = (frame: Buffer) => isSequencedKind(frame[4] as number, frame.readUInt32BE(6));

/** Small limits that the generated traffic passes now and then, or none. */
const limitsArb = fc.option(
  fc.record({ bytes: fc.integer({ min: 20, max: 400 }), frames: fc.integer({ min: 1, max: 8 }) }),
  { nil: undefined },
);

describe("against a plain model", () => {
  test.prop([fc.array(opArb, { maxLength: 30 }), fc.nat(), limitsArb], { numRuns: 400 })(
    "after any appends, acks and resumes, takeFrom(k) gives frames k..sent, or nothing when a limit dropped them",
    (ops, pick, limits) => {
      const log = limits === undefined ? roomy() : new ReplayLog(limits.bytes, limits.frames);
      // The model: every sequenced frame ever sent, in order, and how many were acknowledged.
      const sent: Buffer[] = [];
      let acked = 0;
      for (const step of ops) {
        if (step.op === "append") {
          log.append(step.batch.pieces);
          sent.push(...step.batch.frames.filter(isKept));
        } else if (step.op === "ack") {
          // A valid count lies in acked..sent; an invalid one just outside.
          const span = sent.length - acked + 1;
          const at = step.valid
            ? acked + (step.at % span)
            : step.at % 2 === 0
              ? sent.length + 1 + (step.at % 5)
              : acked - 1 - (step.at % 5);
          expect(log.ack(at)).toBe(step.valid);
          if (step.valid) acked = at;
        } else {
          // A resume: what the peer lacks is taken and sent again (as pieces, or merged in one).
          const at = acked + (step.at % (sent.length - acked + 1));
          const wasOverflowed = log.overflowed;
          const taken = log.takeFrom(at);
          if (taken !== undefined) {
            expect(hex(taken)).toBe(Buffer.concat(sent.slice(at)).toString("hex"));
            log.append(step.merged ? [Buffer.concat(taken)] : taken);
            acked = at;
          } else {
            expect(wasOverflowed).toBe(true);
          }
        }
        expect([log.sent, log.acked]).toEqual([sent.length, acked]);
        if (log.overflowed) expect(log.bytes).toBeLessThanOrEqual(total(sent.slice(acked)));
        else expect(log.bytes).toBe(total(sent.slice(acked)));
        if (limits !== undefined) expect(log.bytes).toBeLessThanOrEqual(limits.bytes);
      }
      if (limits === undefined) expect(log.overflowed).toBe(false);
      const k = acked + (pick % (sent.length - acked + 1));
      const overflowed = log.overflowed;
      const taken = log.takeFrom(k);
      if (!overflowed) expect(taken).toBeDefined();
      if (taken === undefined) return;
      expect(hex(taken)).toBe(Buffer.concat(sent.slice(k)).toString("hex"));
      expect([log.sent, log.acked, log.bytes]).toEqual([k, k, 0]);
    },
  );
});
