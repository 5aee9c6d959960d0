import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import {
  ErrorCode,
  encodeEvent,
  encodeRequest,
  type SockwireError,
  WireCode,
} from "../../src/index.js";
import { type Deferred, deferred, type Session } from "../../src/internal.js";
import { chat } from "../fixtures/chat.js";
import { elapse, settle, startSession, useSessionClock, wire } from "./session-harness.js";

// A session's flow control and limits over an in-memory socket pair: input paused at
// maxInFlight (and a FIN held back meanwhile), the heartbeat (dead peers, pings while paused),
// the outbound soft mark, hard cap and write deadline, and the receive limit the peer announced.

beforeEach(useSessionClock);
afterEach(() => {
  vi.useRealTimers();
});

const join = (id: number, room = "lobby") => encodeRequest(chat, "client", id, "join", { room });
const say = (seq: number) => encodeEvent(chat, "client", "say", { text: "m", seq });

function outcome(promise: Promise<unknown>) {
  return promise.then(
    () => "ok",
    (error: SockwireError) => error.code,
  );
}

/** A greeting (server event) whose frame is exactly `bytes` long, prefix and header included. */
function greetingOf(bytes: number): { text: string } {
  const overhead = encodeEvent(chat, "server", "greeting", { text: "" }).length;
  return { text: "g".repeat(bytes - overhead) };
}

/** A say (client event, at most 1000 characters) whose frame is exactly `bytes` long. */
function sayOf(bytes: number): { text: string; seq: number } {
  const overhead = encodeEvent(chat, "client", "say", { text: "", seq: 1 }).length;
  return { text: "s".repeat(bytes - overhead), seq: 1 };
}

/** Fills a session's queue to exactly `bytes` with events of at most 1 KiB. */
async function fill(session: Session, side: "client" | "server", bytes: number): Promise<void> {
  for (let left = bytes; left > 0; left -= 1024) {
    const size = Math.min(left, 1024);
    if (side === "client") await session.emit("say", sayOf(size));
    else await session.emit("greeting", greetingOf(size));
  }
}

describe("maxInFlight", () => {
  test("reading pauses with maxInFlight requests in flight and resumes when one finishes", async () => {
    const { session, log, peer, socket } = startSession({ limits: { maxInFlight: 2 } });
    const answers: Deferred<unknown>[] = [];
    log.onRequest = () => {
      const answer = deferred<unknown>();
      answers.push(answer);
      return answer.promise;
    };
    peer.send(join(1), join(2), join(3), say(1));
    await settle();
    expect(answers).toHaveLength(2);
    expect(session.reader.isPaused).toBe(true);
    expect(socket.isPaused()).toBe(true);
    answers[0]?.resolve({ members: 1 });
    await settle();
    expect(answers).toHaveLength(3); // the third came in; two in flight again
    expect(log.events).toEqual([]);
    expect(session.reader.isPaused).toBe(true);
    answers[1]?.resolve({ members: 2 });
    await settle();
    expect(session.reader.isPaused).toBe(false);
    expect(socket.isPaused()).toBe(false);
    expect(log.events.map(([name]) => name)).toEqual(["say"]);
    answers[2]?.resolve({ members: 3 });
    await settle();
    expect(peer.labels()).toEqual(["response 1", "response 2", "response 3"]);
  });

  test("event handlers whose promise has not settled count as work in flight", async () => {
    const { session, log, peer } = startSession({ limits: { maxInFlight: 1 } });
    const handled = deferred<void>();
    log.onEvent = (_name, data) =>
      (data as { seq: number }).seq === 1 ? handled.promise : undefined;
    peer.send(say(1), say(2));
    await settle();
    expect(log.events).toHaveLength(1);
    expect(session.reader.isPaused).toBe(true);
    handled.resolve();
    await settle();
    expect(log.events).toHaveLength(2);
    expect(session.reader.isPaused).toBe(false);
  });

  test("a FIN that arrives while paused is handled after the frames sent before it", async () => {
    const { session, log, peer } = startSession({ limits: { maxInFlight: 1 } });
    log.onRequest = () => new Promise((resolve) => setTimeout(() => resolve({ members: 1 }), 10));
    peer.send(join(1), join(2), join(3));
    peer.end();
    await settle();
    expect(session.reader.isPaused).toBe(true);
    await elapse(10);
    // Had the FIN been taken early, the session would be closing and answer SHUTTING_DOWN.
    expect(session.state).toBe("open");
    expect(peer.ended).toBe(false);
    await elapse(10);
    await elapse(10);
    expect(peer.labels()).toEqual(["response 1", "response 2", "response 3"]);
    expect(peer.ended).toBe(true);
    expect(log.closedInfo).toMatchObject({
      code: WireCode.NORMAL,
      initiator: "remote",
      graceful: true,
    });
  });
});

describe("heartbeat", () => {
  const heartbeat = { intervalMs: 100, timeoutMs: 100 };

  test("a silent peer gets one ping after the interval and is dead after interval + timeout", async () => {
    const { log, peer } = startSession({ open: { heartbeat } });
    await elapse(99);
    expect(peer.frames).toEqual([]);
    await elapse(1);
    expect(peer.labels()).toEqual(["ping 0"]);
    await elapse(99);
    expect(peer.labels()).toEqual(["ping 0"]); // one ping per silence
    expect(log.closes).toEqual([]);
    await elapse(1);
    expect(peer.closed).toBe(true);
    expect(peer.ended).toBe(false); // destroyed: no goaway, no FIN
    expect(log.closedInfo).toMatchObject({
      code: WireCode.HEARTBEAT_TIMEOUT,
      initiator: "local",
      graceful: false,
      error: { code: ErrorCode.CONNECTION_LOST },
    });
  });

  test("any frame from the peer counts as life", async () => {
    const { session, peer } = startSession({ open: { heartbeat } });
    for (let i = 0; i < 10; i++) {
      await elapse(150);
      peer.send(say(i));
    }
    expect(session.state).toBe("open");
    expect(peer.labels().every((frame) => frame === "ping 0")).toBe(true);
  });

  test("while input is paused the peer is never declared dead, and gets a ping every interval", async () => {
    const { session, log, peer } = startSession({
      open: { heartbeat },
      limits: { maxInFlight: 1 },
    });
    const answer = deferred<unknown>();
    log.onRequest = () => answer.promise;
    peer.send(join(1));
    await settle();
    expect(session.reader.isPaused).toBe(true);
    await elapse(1000);
    expect(session.state).toBe("open");
    expect(peer.labels()).toEqual(Array(10).fill("ping 0"));
    answer.resolve({ members: 1 });
    await settle();
    expect(session.reader.isPaused).toBe(false);
    // Reading again: the clocks start afresh from now.
    await elapse(199);
    expect(session.state).toBe("open");
    await elapse(1);
    expect(log.closedInfo?.code).toBe(WireCode.HEARTBEAT_TIMEOUT);
  });
});

describe("outbound limits", () => {
  const limits = { sendSoftBytes: 2048, sendHardBytes: 4096 };
  const socket = { highWaterMark: 1024 };

  test("a server closes a peer that lets its queue reach the hard cap: SLOW_CONSUMER", async () => {
    const { session, log, peer } = startSession({ limits, socket });
    peer.socket.stopReading();
    await fill(session, "server", 4096);
    expect(session.bufferedAmount).toBe(4096);
    expect(await outcome(session.emit("greeting", greetingOf(1024)))).toBe(
      ErrorCode.OUTBOUND_BUFFER_FULL,
    );
    expect(log.closedInfo).toMatchObject({
      code: WireCode.SLOW_CONSUMER,
      initiator: "local",
      graceful: false,
      error: { code: ErrorCode.CONNECTION_LOST, remoteCode: WireCode.SLOW_CONSUMER },
    });
  });

  test("a client refuses the send over the hard cap and stays open; room comes back on drain", async () => {
    const { session, log, peer } = startSession({ side: "client", limits, socket });
    peer.socket.stopReading();
    await fill(session, "client", 4096);
    expect(session.hasRoom).toBe(false);
    expect(await outcome(session.emit("say", sayOf(40)))).toBe(ErrorCode.OUTBOUND_BUFFER_FULL);
    expect(await outcome(session.request("join", { room: "r" }))).toBe(
      ErrorCode.OUTBOUND_BUFFER_FULL,
    );
    expect(session.state).toBe("open");
    let room = false;
    void session.waitForRoom().then(() => {
      room = true;
    });
    await settle();
    expect(room).toBe(false);
    peer.socket.startReading();
    await settle();
    expect(room).toBe(true);
    expect(session.bufferedAmount).toBe(0);
    expect(await outcome(session.emit("say", sayOf(40)))).toBe("ok");
    expect(log.closes).toEqual([]);
  });

  test("waitForRoom resolves once the queue is below the soft mark, with no drain to wait for", async () => {
    // A soft mark under the socket's high-water mark (16 KiB here): the batch that passes the
    // mark is written at once, write() returns true, and the socket never emits drain.
    const { session } = startSession({ limits: { sendSoftBytes: 4096 } });
    void session.emit("greeting", greetingOf(5000));
    expect(session.hasRoom).toBe(false);
    let room = false;
    void session.waitForRoom().then(() => {
      room = true;
    });
    await settle();
    expect(session.bufferedAmount).toBe(0);
    expect(room).toBe(true);
  });

  test("answers the session makes itself pass the cap on a client and close a server", async () => {
    for (const side of ["client", "server"] as const) {
      const { session, log, peer } = startSession({ side, limits, socket });
      peer.socket.stopReading();
      await fill(session, side, 4096);
      peer.send(wire.ping(1));
      await settle();
      if (side === "client") {
        expect(session.bufferedAmount).toBeGreaterThan(4096); // the pong was queued anyway
        expect(log.closes).toEqual([]);
      } else {
        expect(log.closedInfo?.code).toBe(WireCode.SLOW_CONSUMER);
      }
    }
  });

  test("a socket unwritable past the write deadline is closed: SLOW_CONSUMER", async () => {
    const { session, log, peer } = startSession({
      limits: { ...limits, writeDeadlineMs: 100 },
      socket,
    });
    peer.socket.stopReading();
    await session.emit("greeting", greetingOf(2000));
    await elapse(99);
    expect(log.closes).toEqual([]);
    await elapse(1);
    expect(log.closedInfo).toMatchObject({
      code: WireCode.SLOW_CONSUMER,
      error: { remoteCode: WireCode.SLOW_CONSUMER },
    });
  });

  test("a socket that drains before the write deadline stays open", async () => {
    const { session, log, peer } = startSession({
      limits: { ...limits, writeDeadlineMs: 100 },
      socket,
    });
    peer.socket.stopReading();
    await session.emit("greeting", greetingOf(2000));
    await elapse(50);
    peer.socket.startReading();
    await elapse(500);
    expect(log.closes).toEqual([]);
    expect(peer.labels()).toEqual(["event 0 greeting"]);
  });
});

describe("the peer's receive limit", () => {
  const open = { peerMaxFrameBytes: 1024 };

  test("a message over it is refused with ERR_PEER_FRAME_LIMIT; one at it is sent", async () => {
    const { session, peer } = startSession({ open });
    const over = await session.emit("greeting", greetingOf(4 + 1025)).catch((e) => e);
    expect(over).toMatchObject({
      code: ErrorCode.PEER_FRAME_LIMIT,
      details: { bytes: 1025, limit: 1024 },
    });
    await session.emit("greeting", greetingOf(4 + 1024));
    await settle();
    expect(peer.labels()).toEqual(["event 0 greeting"]);
    expect(session.state).toBe("open");
  });

  test("a request over it is refused before it is sent", async () => {
    const { session, peer } = startSession({ side: "client", open });
    expect(await outcome(session.request("join", { room: "r".repeat(2000) }))).toBe(
      ErrorCode.PEER_FRAME_LIMIT,
    );
    await settle();
    expect(peer.frames).toEqual([]);
    expect(session.stats().inFlightOut).toBe(0);
  });

  test("a response over it is replaced by error FRAME_TOO_LARGE and reported here", async () => {
    const { log, peer } = startSession({ open });
    log.onRequest = () => Array(20).fill("t".repeat(100));
    peer.send(encodeRequest(chat, "client", 1, "tags", {}));
    await settle();
    expect(peer.labels()).toEqual([`error 1 ${WireCode.FRAME_TOO_LARGE}`]);
    expect(log.errors.map((e) => e.code)).toEqual([ErrorCode.PEER_FRAME_LIMIT]);
  });
});

test("the session turns Nagle's algorithm off", () => {
  const { socket } = startSession();
  expect(socket.noDelay).toBe(true);
});
