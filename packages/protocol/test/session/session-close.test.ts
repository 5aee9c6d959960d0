import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import {
  ErrorCode,
  encodeControl,
  encodeEnvelope,
  encodeEvent,
  encodeRequest,
  encodeResponse,
  Kind,
  type SockwireError,
  WireCode,
} from "../../src/index.js";
import { deferred } from "../../src/internal.js";
import { chat } from "../fixtures/chat.js";
import {
  elapse,
  reasonOf,
  settle,
  startSession,
  useSessionClock,
  wire,
} from "./session-harness.js";

// How a session closes (PROTOCOL.md 8.4) over an in-memory socket pair: the graceful close
// started by either side, the order of the FINs, the peer's plain FIN, protocol errors, too many
// pings and the close timeout.

beforeEach(useSessionClock);
afterEach(() => {
  vi.useRealTimers();
});

const join = (id: number, room = "lobby") => encodeRequest(chat, "client", id, "join", { room });
const say = (seq: number) => encodeEvent(chat, "client", "say", { text: "m", seq });
const whoami = (id: number) => encodeResponse(chat, "server", id, "whoami", { id: "u" });

function outcome(promise: Promise<unknown>) {
  return promise.then(
    () => "ok",
    (error: SockwireError) => error.code,
  );
}

describe("graceful close started here", () => {
  test("a server sends goaway and, with nothing in flight, its FIN at once", async () => {
    const { session, log, peer } = startSession();
    session.close(WireCode.GOING_AWAY, "restart", 500);
    await settle();
    expect(peer.labels()).toEqual([`goaway 0 ${WireCode.GOING_AWAY}`]);
    expect(reasonOf(peer.frames[0])).toEqual({
      code: WireCode.GOING_AWAY,
      message: "restart",
      reconnectAfterMs: 500,
    });
    expect(peer.ended).toBe(true);
    expect(session.state).toBe("closing");
    expect(await outcome(session.emit("greeting", { text: "late" }))).toBe(ErrorCode.NOT_CONNECTED);
    expect(log.closes).toEqual([]);
    peer.end();
    await settle();
    expect(log.closedInfo).toEqual({
      code: WireCode.GOING_AWAY,
      message: "restart",
      initiator: "local",
      graceful: true,
      error: undefined,
      reconnectAfterMs: undefined,
    });
    expect(session.state).toBe("closed");
    expect(session.finished).toBe(true);
  });

  test("a client sends goaway and flushes, but its FIN waits for the server's", async () => {
    const { session, log, peer } = startSession({ side: "client" });
    void session.emit("say", { text: "last words", seq: 9 });
    session.close();
    await elapse(1000);
    expect(peer.labels()).toEqual(["event 0 say", `goaway 0 ${WireCode.NORMAL}`]);
    expect(peer.ended).toBe(false);
    peer.end();
    await settle();
    expect(peer.ended).toBe(true);
    expect(log.closedInfo).toMatchObject({
      code: WireCode.NORMAL,
      initiator: "local",
      graceful: true,
    });
  });

  test("requests in flight both ways finish first: their answers flow, then the FIN", async () => {
    const { session, log, peer } = startSession();
    const answer = deferred<unknown>();
    log.onRequest = () => answer.promise;
    const ours = outcome(session.request("whoami", undefined));
    peer.send(join(1));
    await settle();
    session.close();
    await settle();
    expect(peer.labels()).toEqual(["request 1 whoami", `goaway 0 ${WireCode.NORMAL}`]);
    answer.resolve({ members: 1 });
    await settle();
    expect(peer.labels().at(-1)).toBe("response 1");
    expect(peer.ended).toBe(false); // our request is still waiting for its answer
    peer.send(whoami(1));
    expect(await ours).toBe("ok");
    await settle();
    expect(peer.ended).toBe(true);
    peer.end();
    await settle();
    expect(log.closedInfo).toMatchObject({ initiator: "local", graceful: true });
  });

  test("close() twice sends one goaway; in the handshake it sends none", async () => {
    const open = startSession();
    open.session.close();
    open.session.close(WireCode.GOING_AWAY);
    await settle();
    expect(open.peer.labels()).toEqual([`goaway 0 ${WireCode.NORMAL}`]);

    const handshake = startSession({ open: false });
    handshake.session.close();
    await settle();
    expect(handshake.peer.frames).toEqual([]);
    expect(handshake.peer.ended).toBe(true);
  });

  test("closeWith sends its frame, then the FIN, without a goaway", async () => {
    const { session, log, peer } = startSession({ open: false });
    session.closeWith(Kind.REJECT, { code: WireCode.SERVER_FULL, message: "full" });
    await settle();
    expect(peer.labels()).toEqual([`reject 0 ${WireCode.SERVER_FULL}`]);
    expect(peer.ended).toBe(true);
    peer.end();
    await settle();
    expect(log.closedInfo).toMatchObject({ code: WireCode.SERVER_FULL, initiator: "local" });
  });
});

describe("graceful close started by the peer", () => {
  test("a server told goaway answers new requests SHUTTING_DOWN, finishes the rest, then FINs", async () => {
    const { session, log, peer } = startSession();
    const answer = deferred<unknown>();
    log.onRequest = () => answer.promise;
    const ours = outcome(session.request("whoami", undefined));
    peer.send(join(1));
    await settle();
    peer.send(wire.goaway({ code: WireCode.GOING_AWAY, reconnectAfterMs: 250 }), join(2), say(1));
    await settle();
    expect(log.goaways).toEqual([{ code: WireCode.GOING_AWAY, reconnectAfterMs: 250 }]);
    expect(session.state).toBe("closing");
    expect(log.events.map(([name]) => name)).toEqual(["say"]); // events still delivered
    expect(await outcome(session.request("whoami", undefined))).toBe(ErrorCode.NOT_CONNECTED);
    answer.resolve({ members: 1 });
    peer.send(whoami(1));
    expect(await ours).toBe("ok");
    await settle();
    expect(peer.labels()).toEqual([
      "request 1 whoami",
      `error 2 ${WireCode.SHUTTING_DOWN}`,
      "response 1",
    ]);
    expect(peer.ended).toBe(true); // a server does not wait for the client's FIN
    peer.end();
    await settle();
    expect(log.closedInfo).toMatchObject({
      code: WireCode.GOING_AWAY,
      initiator: "remote",
      graceful: true,
      reconnectAfterMs: 250,
    });
  });

  test("a client told goaway waits for the server's FIN before sending its own", async () => {
    const { log, peer } = startSession({ side: "client" });
    peer.send(wire.goaway({ code: WireCode.GOING_AWAY }));
    await elapse(1000);
    expect(peer.frames).toEqual([]); // no goaway back
    expect(peer.ended).toBe(false);
    peer.end();
    await settle();
    expect(peer.ended).toBe(true);
    expect(log.closedInfo).toMatchObject({ initiator: "remote", graceful: true });
  });

  test("a plain FIN fails our requests (a close that is then not graceful), still answers the peer's, then FINs", async () => {
    const { session, log, peer } = startSession();
    const answer = deferred<unknown>();
    log.onRequest = () => answer.promise;
    const ours = outcome(session.request("whoami", undefined));
    peer.send(join(1));
    await settle();
    peer.end();
    expect(await ours).toBe(ErrorCode.CONNECTION_LOST);
    await settle();
    expect(peer.ended).toBe(false);
    answer.resolve({ members: 1 });
    await settle();
    expect(peer.labels()).toEqual(["request 1 whoami", "response 1"]);
    expect(peer.ended).toBe(true);
    // Our request went unanswered: the FINs were in order, but this close lost something.
    expect(log.closedInfo).toMatchObject({
      code: WireCode.NORMAL,
      initiator: "remote",
      graceful: false,
      error: { code: ErrorCode.CONNECTION_CLOSED },
    });
  });

  test("a plain FIN with nothing of ours waiting is graceful", async () => {
    const { log, peer } = startSession();
    peer.end();
    await settle();
    expect(peer.ended).toBe(true);
    expect(log.closedInfo).toMatchObject({ initiator: "remote", graceful: true });
  });
});

describe("graceful close of a resumable session", () => {
  const resume = { resumeBufferBytes: 1 << 20, resumeBufferFrames: 1000 };
  const ack = (count: number) => encodeEnvelope({ kind: Kind.ACK, id: count }, undefined);

  test("each side acknowledges all it read just before its FIN; a peer that did is graceful", async () => {
    const { session, log, peer } = startSession({ resume });
    peer.send(say(1), say(2));
    await settle();
    void session.emit("greeting", { text: "bye" });
    session.close();
    await settle();
    // The ack of both events comes after the goaway and right before our FIN.
    expect(peer.labels().slice(-2)).toEqual(["goaway 0 NORMAL", "ack 2"]);
    expect(peer.ended).toBe(true);
    peer.send(ack(1));
    peer.end();
    await settle();
    expect(log.closedInfo).toMatchObject({ graceful: true });
  });

  test("a peer whose FIN comes without acknowledging what we sent: not graceful, ERR_CONNECTION_LOST", async () => {
    const { session, log, peer } = startSession({ resume });
    void session.emit("greeting", { text: "dropped by a middlebox" });
    session.close();
    await settle();
    peer.end();
    await settle();
    expect(log.closedInfo).toMatchObject({ graceful: false });
    expect(log.closedInfo?.error?.code).toBe(ErrorCode.CONNECTION_LOST);
  });
});

describe("protocol errors", () => {
  /** A frame of kind 0x30: not a kind of version 1, not an ignorable extension. */
  const unknownKind = encodeEnvelope({ kind: 0x30 as Kind }, undefined);

  test("error id 0 with the code, input discarded, work abandoned both ways, then FIN", async () => {
    const { session, log, peer } = startSession();
    const answer = deferred<unknown>();
    let signal: AbortSignal | undefined;
    log.onRequest = (_name, _params, ctx) => {
      signal = ctx.signal;
      return answer.promise;
    };
    const ours = session.request("whoami", undefined).catch((error: SockwireError) => error);
    peer.send(join(1));
    await settle();
    peer.send(unknownKind, say(1), join(2));
    await settle();
    expect(peer.labels()).toEqual(["request 1 whoami", `error 0 ${WireCode.PROTOCOL_ERROR}`]);
    expect(peer.ended).toBe(true);
    expect(log.events).toEqual([]);
    expect(signal?.aborted).toBe(true);
    expect(await ours).toMatchObject({
      code: ErrorCode.CONNECTION_LOST,
      cause: { code: ErrorCode.UNKNOWN_KIND },
    });
    answer.resolve({ members: 1 });
    const before = session.stats();
    peer.send(say(2));
    await settle();
    expect(session.stats().messagesIn).toBe(before.messagesIn);
    expect(session.stats().bytesIn).toBeGreaterThan(before.bytesIn); // still read, not reset
    expect(peer.frames).toHaveLength(2);
    peer.end();
    await settle();
    expect(log.closedInfo).toMatchObject({
      code: WireCode.PROTOCOL_ERROR,
      initiator: "local",
      graceful: false,
      error: { code: ErrorCode.UNKNOWN_KIND },
    });
  });

  const tooLong = Buffer.from([0, 1, 0, 1]); // a length prefix of 65537, over the 64 KiB limit
  const unknownFlag = encodeEnvelope({ kind: Kind.EVENT, type: "say" }, "{}");
  unknownFlag[5] = 0x20;
  test.each([
    [
      "a frame over the receive limit",
      tooLong,
      WireCode.FRAME_TOO_LARGE,
      ErrorCode.FRAME_TOO_LARGE,
    ],
    ["an unknown kind", unknownKind, WireCode.PROTOCOL_ERROR, ErrorCode.UNKNOWN_KIND],
    ["an unknown required flag", unknownFlag, WireCode.PROTOCOL_ERROR, ErrorCode.UNKNOWN_FLAGS],
    [
      "a goaway without a code",
      encodeEnvelope({ kind: Kind.GOAWAY }, encodeControl({ message: "x" })),
      WireCode.VALIDATION_ERROR,
      ErrorCode.VALIDATION_FAILED,
    ],
    [
      "a goaway that is not JSON",
      encodeEnvelope({ kind: Kind.GOAWAY }, "{"),
      WireCode.INVALID_PAYLOAD,
      ErrorCode.PAYLOAD_INVALID,
    ],
  ])("%s: error id 0 %s, then FIN", async (_what, bytes, wireCode, errorCode) => {
    const { log, peer } = startSession();
    peer.send(bytes);
    await settle();
    expect(peer.labels()).toEqual([`error 0 ${wireCode}`]);
    expect(peer.ended).toBe(true);
    peer.end();
    await settle();
    expect(log.closedInfo).toMatchObject({ code: wireCode, error: { code: errorCode } });
  });

  test("a partial frame past the frame deadline: error id 0 FRAME_STALLED", async () => {
    const { log, peer } = startSession({ limits: { frameTimeoutMs: 100 } });
    peer.send(say(1).subarray(0, 9));
    await elapse(999); // the ticker runs every second here
    expect(peer.frames).toEqual([]);
    await elapse(1);
    expect(peer.labels()).toEqual([`error 0 ${WireCode.FRAME_STALLED}`]);
    expect(peer.ended).toBe(true);
    peer.end();
    await settle();
    expect(log.closedInfo?.error?.code).toBe(ErrorCode.FRAME_TIMEOUT);
  });

  test("a FIN inside a frame: the peer is told PROTOCOL_ERROR before our FIN, and blamed", async () => {
    const { log, peer } = startSession();
    peer.send(say(1).subarray(0, 2));
    peer.end();
    await settle();
    expect(peer.labels()).toEqual([`error 0 ${WireCode.PROTOCOL_ERROR}`]);
    expect(peer.ended).toBe(true);
    expect(log.closedInfo).toMatchObject({
      code: WireCode.PROTOCOL_ERROR,
      initiator: "remote",
      graceful: false,
      error: { code: ErrorCode.FRAME_TRUNCATED },
    });
  });

  test("while closing, a protocol error replaces the reason and the FIN no longer waits", async () => {
    const { session, log, peer } = startSession();
    log.onRequest = () => new Promise(() => {});
    peer.send(join(1));
    await settle();
    session.close(WireCode.GOING_AWAY);
    await settle();
    expect(peer.ended).toBe(false); // the request is in flight
    peer.send(unknownKind);
    await settle();
    expect(peer.labels()).toEqual([
      `goaway 0 ${WireCode.GOING_AWAY}`,
      `error 0 ${WireCode.PROTOCOL_ERROR}`,
    ]);
    expect(peer.ended).toBe(true);
    peer.end();
    await settle();
    expect(log.closedInfo).toMatchObject({ code: WireCode.PROTOCOL_ERROR, graceful: false });
  });
});

describe("too many pings", () => {
  test("the pongs of the pings allowed arrive, then error id 0 TOO_MANY_PINGS and FIN", async () => {
    const { log, peer } = startSession({ limits: { maxPingStrikes: 2 } });
    peer.send(wire.ping(1), wire.ping(2), wire.ping(3), wire.ping(4), wire.ping(5));
    await settle();
    expect(peer.labels()).toEqual([
      "pong 1",
      "pong 2",
      "pong 3",
      `error 0 ${WireCode.TOO_MANY_PINGS}`,
    ]);
    expect(peer.ended).toBe(true);
    // The peer does not close its side: it has a short while to do so, not the close timeout.
    await elapse(999);
    expect(log.closes).toEqual([]);
    await elapse(1);
    expect(peer.closed).toBe(true);
    expect(log.closedInfo).toMatchObject({
      code: WireCode.TOO_MANY_PINGS,
      initiator: "local",
      graceful: false,
      error: { code: ErrorCode.CONNECTION_LOST },
    });
  });

  test("well-spaced pings are all answered", async () => {
    const { session, peer } = startSession({ limits: { maxPingStrikes: 0 } });
    for (let id = 1; id <= 4; id++) {
      peer.send(wire.ping(id));
      await elapse(1000);
    }
    expect(peer.labels()).toEqual(["pong 1", "pong 2", "pong 3", "pong 4"]);
    expect(session.state).toBe("open");
  });
});

describe("close timeout", () => {
  test("work that never finishes: the socket is destroyed, the reason keeps its code", async () => {
    const { session, log, peer } = startSession({ limits: { closeTimeoutMs: 500 } });
    let signal: AbortSignal | undefined;
    log.onRequest = (_name, _params, ctx) => {
      signal = ctx.signal;
      return new Promise(() => {});
    };
    peer.send(join(1));
    await settle();
    session.close(WireCode.GOING_AWAY);
    await elapse(499);
    expect(log.closes).toEqual([]);
    await elapse(1);
    expect(peer.closed).toBe(true);
    expect(peer.ended).toBe(false); // destroyed, never half-closed
    expect(signal?.aborted).toBe(true);
    expect(log.closedInfo).toMatchObject({
      code: WireCode.GOING_AWAY,
      initiator: "local",
      graceful: false,
      error: { code: ErrorCode.CONNECTION_CLOSED },
    });
  });

  test.each(["server", "client"] as const)(
    "a %s whose peer never sends its FIN is destroyed at the close timeout",
    async (side) => {
      const { session, log, peer } = startSession({ side, limits: { closeTimeoutMs: 500 } });
      session.close();
      await elapse(500);
      expect(peer.closed).toBe(true);
      expect(log.closedInfo).toMatchObject({
        code: WireCode.NORMAL,
        graceful: false,
        error: { code: ErrorCode.CONNECTION_CLOSED },
      });
    },
  );

  test("no timer is left once the close completes", async () => {
    const { session, peer } = startSession();
    session.close();
    await settle();
    peer.end();
    await settle();
    expect(session.finished).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
