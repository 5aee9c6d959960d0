import { fc, test as fcTest } from "@fast-check/vitest";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import {
  ErrorCode,
  encodeControl,
  encodeEnvelope,
  Kind,
  type SockwireError,
} from "../../src/index.js";
import { logs } from "../fixtures/logs.js";
import {
  jsonOf,
  label,
  reasonOf,
  settle,
  startSession,
  useSessionClock,
} from "./session-harness.js";

// Streams at the session level over an in-memory socket pair (PROTOCOL.md 8.7), the test playing
// a peer that writes raw frames: hostile peers that send beyond their credit, and random
// interleavings of credit, items and cancels against the credit invariants.

beforeEach(useSessionClock);
afterEach(() => {
  vi.useRealTimers();
});

const frame = (kind: Kind, id: number, payload?: string, type = "") =>
  encodeEnvelope({ kind, id, type }, payload);
const item = (id: number, value: unknown) => frame(Kind.STREAM_ITEM, id, JSON.stringify(value));
const credit = (id: number, items: number, bytes = 1 << 20) =>
  frame(Kind.STREAM_CREDIT, id, `{"items":${items},"bytes":${bytes}}`);
const cancel = (id: number) => frame(Kind.STREAM_CANCEL, id, encodeControl({ code: "CANCELLED" }));

describe("a peer that sends beyond its credit", () => {
  test("as responder: the opener refuses the stream CREDIT_EXCEEDED, drops the rest, stays open", async () => {
    const { session, log, peer } = startSession({
      side: "client",
      contract: logs,
      limits: { streamWindow: 4 },
    });
    const stream = session.openStream("tail", { service: "api" });
    await settle();
    expect(peer.labels()).toEqual(["stream_open 1", "stream_credit 1"]);
    expect(peer.frames[0]?.type).toBe("tail");
    expect(jsonOf(peer.frames[1])).toEqual({ items: 4, bytes: 1024 * 1024 });
    // Five items against a window of four, then a thousand more.
    for (let n = 0; n < 5; n++) peer.send(item(1, { at: n, line: `l${n}` }));
    await settle();
    const error = await stream.result.catch((e: SockwireError) => e);
    expect(error).toMatchObject({ code: ErrorCode.CREDIT_EXCEEDED });
    expect(log.errors.map((e) => e.code)).toEqual([ErrorCode.CREDIT_EXCEEDED]);
    const cancelled = peer.frames.at(-1);
    expect(label(cancelled as never)).toBe("stream_cancel 1");
    expect(reasonOf(cancelled).code).toBe("CREDIT_EXCEEDED");
    for (let n = 0; n < 1000; n++) peer.send(item(1, { at: n, line: "x".repeat(100) }));
    await settle();
    // Frames for the ended stream are ignored: no error, nothing held, the session still open.
    expect(log.errors).toHaveLength(1);
    expect(session.openStreams).toBe(0);
    expect(session.state).toBe("open");
    expect(await session.emit("mark", { note: "still here" }).then(() => "ok")).toBe("ok");
  });

  test("items within the item credit but past the byte credit are refused: memory bounded in bytes", async () => {
    const { session, log, peer } = startSession({
      side: "client",
      contract: logs,
      limits: { streamWindow: 100, streamBufferBytes: 1024 },
    });
    const stream = session.openStream("tail", { service: "api" });
    await settle();
    expect(jsonOf(peer.frames[1])).toEqual({ items: 100, bytes: 1024 });
    const big = (n: number) => item(1, { at: n, line: "x".repeat(800) });
    // The second item may overshoot the byte credit (it had 1024 - 8xx bytes left); the third
    // comes with none left.
    peer.send(big(1), big(2), big(3));
    await settle();
    expect(await stream.result.catch((e: SockwireError) => e.code)).toBe(ErrorCode.CREDIT_EXCEEDED);
    expect(reasonOf(peer.frames.at(-1)).code).toBe("CREDIT_EXCEEDED");
    expect(log.errors.map((e) => e.code)).toEqual([ErrorCode.CREDIT_EXCEEDED]);
  });

  test("as opener of a client stream: the responder ends it stream-error CREDIT_EXCEEDED", async () => {
    const { log, peer } = startSession({
      side: "server",
      contract: logs,
      limits: { streamWindow: 3 },
    });
    let failure: unknown;
    let finals = 0;
    log.onStream = (_name, _input, { items }) =>
      // biome-ignore lint/correctness/useYield: a client stream's handler yields nothing.
      (async function* () {
        try {
          for await (const _ of items);
        } catch (error) {
          failure = error;
        } finally {
          finals++;
        }
        return { bytes: 0 };
      })();
    peer.send(frame(Kind.STREAM_OPEN, 1, '{"file":"a"}', "upload"));
    await settle();
    expect(peer.labels()).toEqual(["stream_credit 1"]);
    expect(jsonOf(peer.frames[0])).toEqual({ items: 3, bytes: 1024 * 1024 });
    for (let n = 0; n < 10; n++) peer.send(item(1, `chunk ${n}`));
    await settle();
    const ended = peer.frames.at(-1);
    expect(label(ended as never)).toBe("stream_error 1");
    expect(reasonOf(ended).code).toBe("CREDIT_EXCEEDED");
    expect(finals).toBe(1);
    expect(failure).toBeDefined();
    expect(log.errors.map((e) => e.code)).toContain(ErrorCode.CREDIT_EXCEEDED);
  });

  test("stream ids: one of ours or reused is fatal; past maxStreams is refused", async () => {
    const { log, peer } = startSession({
      side: "server",
      contract: logs,
      limits: { maxStreams: 1 },
    });
    log.onStream = () =>
      (async function* () {
        for (;;) yield { at: 0, line: "" };
      })();
    peer.send(frame(Kind.STREAM_OPEN, 1, '{"service":"a"}', "tail"));
    peer.send(frame(Kind.STREAM_OPEN, 3, '{"service":"b"}', "tail"));
    await settle();
    const refused = peer.frames.find((f) => f.kind === Kind.STREAM_ERROR);
    expect(refused?.id).toBe(3);
    expect(reasonOf(refused).code).toBe("TOO_MANY_STREAMS");
    peer.send(frame(Kind.STREAM_OPEN, 2, '{"service":"c"}', "tail"));
    await settle();
    expect(peer.labels()).toContain("error 0 PROTOCOL_ERROR");
  });
});

test("a peer that speaks no streams: openStream refuses before anything is written", async () => {
  const { session, peer } = startSession({ side: "client", contract: logs, streams: false });
  expect(() => session.openStream("tail", { service: "api" })).toThrow(
    expect.objectContaining({ code: ErrorCode.STREAMS_UNSUPPORTED }),
  );
  await settle();
  expect(peer.frames).toHaveLength(0);
});

// The responder side against a plain model: whatever the order of the opener's credit grants and
// its cancel, the responder never has more items out than granted, sends them in order, sends
// nothing after the cancel it received, and ends its generator exactly once.
const step = fc.oneof(
  fc.record({ credit: fc.integer({ min: 1, max: 5 }) }),
  fc.constant({ wait: true as const }),
  fc.constant({ cancel: true as const }),
);

fcTest.prop([fc.array(step, { minLength: 1, maxLength: 25 }), fc.integer({ min: 0, max: 30 })], {
  numRuns: 60,
})("credit and cancels in any order keep the responder within its credit", async (steps, total) => {
  const { log, peer } = startSession({ side: "server", contract: logs });
  let finals = 0;
  let started = false;
  log.onStream = () =>
    (async function* () {
      // A generator's body (and so its `finally`) runs from its first pull: with no credit ever
      // granted it never starts, and ending it runs nothing.
      started = true;
      try {
        for (let n = 0; n < total; n++) yield { at: n, line: `l${n}` };
      } finally {
        finals++;
      }
    })();
  peer.send(frame(Kind.STREAM_OPEN, 1, '{"service":"api"}', "tail"));
  await settle();
  let granted = 0;
  let cancelledAfter: number | undefined;
  for (const s of steps) {
    if ("credit" in s) {
      granted += s.credit;
      peer.send(credit(1, s.credit));
    } else if ("cancel" in s) {
      cancelledAfter ??= peer.frames.length;
      peer.send(cancel(1));
    }
    await settle();
    const items = peer.frames.filter((f) => f.kind === Kind.STREAM_ITEM);
    expect(items.length).toBeLessThanOrEqual(granted);
  }
  const items = peer.frames.filter((f) => f.kind === Kind.STREAM_ITEM).map((f) => jsonOf(f));
  expect(items).toEqual(items.map((_, n) => ({ at: n, line: `l${n}` })));
  const ends = peer.frames.filter((f) => f.kind === Kind.STREAM_END);
  expect(ends.length).toBeLessThanOrEqual(1);
  if (cancelledAfter !== undefined) {
    // Whatever the responder sent after it read the cancel: nothing for this stream.
    const sentAfter = peer.frames.slice(cancelledAfter + 1);
    expect(sentAfter.filter((f) => f.kind === Kind.STREAM_ITEM).length).toBeLessThanOrEqual(1);
    expect(finals).toBe(started ? 1 : 0);
  }
  if (ends.length === 1) {
    expect(items).toHaveLength(total);
    expect(finals).toBe(1);
  }
  if (cancelledAfter === undefined && granted >= total) expect(ends).toHaveLength(1);
  expect(finals).toBeLessThanOrEqual(1);
});
