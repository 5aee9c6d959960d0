import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import {
  AppError,
  decodeEvent,
  ErrorCode,
  encodeEnvelope,
  encodeEvent,
  encodeRequest,
  encodeResponse,
  Kind,
  type SockwireError,
  WireCode,
} from "../../src/index.js";
import { deferred, type RequestContext } from "../../src/internal.js";
import { chat } from "../fixtures/chat.js";
import {
  elapse,
  jsonOf,
  reasonOf,
  settle,
  startSession,
  useSessionClock,
  wire,
} from "./session-harness.js";

// The session facade over an in-memory socket pair: the handshake boundary, events both ways,
// requests both ways (each answered or settled exactly once), round trips and the counters.
// Closing: session-close.test.ts; backpressure, heartbeat and limits: session-flow.test.ts.

beforeEach(useSessionClock);
afterEach(() => {
  vi.useRealTimers();
});

/** How a promise settled, for assertions on codes. */
function outcome(promise: Promise<unknown>) {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: SockwireError) => ({ ok: false as const, code: error.code, error }),
  );
}

const join = (id: number, room = "lobby", deadlineMs?: number) =>
  encodeRequest(chat, "client", id, "join", { room }, { deadlineMs });

/** A request frame whose DEADLINE field says `ms` (the encoders never write 0: it means none). */
function withDeadline(frame: Buffer, ms: number): Buffer {
  const at = 4 + 7 + frame.readUInt8(10); // length prefix, fixed header, type name
  frame.writeUInt32BE(ms, at);
  return frame;
}

describe("handshake boundary", () => {
  test("before open() every frame but ping, pong and error id 0 goes to the handshake hook", async () => {
    const { session, log, peer } = startSession({ open: false });
    peer.send(
      wire.hello(),
      encodeEvent(chat, "client", "say", { text: "early", seq: 1 }),
      join(1),
      wire.error(5, { code: "NOPE" }),
      wire.goaway({ code: WireCode.NORMAL }),
    );
    await settle();
    expect(log.handshakes.map((e) => [e.kind, e.id])).toEqual([
      [Kind.HELLO, 0],
      [Kind.EVENT, 0],
      [Kind.REQUEST, 1],
      [Kind.ERROR, 5],
      [Kind.GOAWAY, 0],
    ]);
    expect(log.events).toEqual([]);
    expect(log.goaways).toEqual([]);
    expect(peer.frames).toEqual([]);
    expect(session.state).toBe("handshake");
  });

  test("pings are answered with their id and pongs taken, in the handshake as when open", async () => {
    const { session, log, peer } = startSession({ open: false });
    peer.send(wire.ping(7), wire.pong(3), wire.ping(0));
    await settle();
    session.open(1024, { intervalMs: 0, timeoutMs: 0 });
    peer.send(wire.ping(8));
    await settle();
    expect(peer.labels()).toEqual(["pong 7", "pong 0", "pong 8"]);
    expect(log.handshakes).toEqual([]);
  });

  test("an error with id 0 in the handshake is reported and becomes the close reason", async () => {
    const { log, peer } = startSession({ open: false });
    peer.send(wire.error(0, { code: WireCode.UNAUTHORIZED, message: "no" }));
    await settle();
    expect(log.handshakes).toEqual([]);
    expect(log.errors.map((e) => [e.code, e.remoteCode])).toEqual([
      [ErrorCode.REMOTE_ERROR, WireCode.UNAUTHORIZED],
    ]);
    peer.end();
    await settle();
    expect(log.closedInfo).toMatchObject({
      code: WireCode.UNAUTHORIZED,
      initiator: "remote",
      graceful: false,
      error: { code: ErrorCode.REMOTE_ERROR },
    });
  });

  test("before open() only control frames leave: emit, request and ping are refused", async () => {
    const { session, peer } = startSession({ open: false });
    const refused = await Promise.all([
      outcome(session.emit("greeting", { text: "hi" })),
      outcome(session.request("whoami", undefined)),
      outcome(session.ping()),
    ]);
    expect(refused.map((r) => (r.ok ? "ok" : r.code))).toEqual([
      ErrorCode.NOT_CONNECTED,
      ErrorCode.NOT_CONNECTED,
      ErrorCode.NOT_CONNECTED,
    ]);
    session.sendControl(Kind.WELCOME, { hello: "back" });
    await settle();
    expect(peer.frames.map((f) => [f.kind, jsonOf(f)])).toEqual([
      [Kind.WELCOME, { hello: "back" }],
    ]);
  });

  test("open() happens once; a handshake frame after it is a protocol error", async () => {
    const { session, log, peer } = startSession({ open: false });
    session.open(2048, { intervalMs: 0, timeoutMs: 0 });
    session.open(4096, { intervalMs: 0, timeoutMs: 0 });
    expect(session.state).toBe("open");
    expect(session.peerFrameLimit).toBe(2048);
    peer.send(wire.hello(), encodeEvent(chat, "client", "say", { text: "after", seq: 1 }));
    await settle();
    expect(peer.labels()).toEqual([`error 0 ${WireCode.PROTOCOL_ERROR}`]);
    expect(peer.ended).toBe(true);
    expect(log.handshakes).toEqual([]);
    expect(log.events).toEqual([]); // input after the error is discarded
    peer.end();
    await settle();
    expect(log.closedInfo).toMatchObject({
      code: WireCode.PROTOCOL_ERROR,
      initiator: "local",
      graceful: false,
      error: { code: ErrorCode.UNEXPECTED_FRAME },
    });
  });
});

describe("events", () => {
  test("the peer's events reach the event hook validated, defaults applied, in order", async () => {
    const { log, peer } = startSession();
    peer.send(
      encodeEvent(chat, "client", "say", { text: "héllo", seq: 1 }),
      encodeEvent(chat, "client", "typing", {}),
      encodeEvent(chat, "client", "bye", undefined),
    );
    await settle();
    expect(log.events).toEqual([
      ["say", { text: "héllo", seq: 1 }],
      ["typing", { on: true }],
      ["bye", undefined],
    ]);
    expect(log.errors).toEqual([]);
  });

  test("an invalid, unknown or failing event is reported and dropped; the connection stays open", async () => {
    const { session, log, peer } = startSession();
    log.onEvent = (name) => {
      if (name === "typing") throw new Error("handler broke");
      if (name === "bye") return Promise.reject(new Error("async handler broke"));
      return undefined;
    };
    peer.send(
      encodeEvent(chat, "client", "say", { text: "x", seq: -1 }, { validate: false }),
      encodeEnvelope({ kind: Kind.EVENT, type: "shout" }, "{}"),
      encodeEnvelope({ kind: Kind.EVENT, type: "say" }, "{not json"),
      encodeEvent(chat, "client", "typing", { on: false }),
      encodeEvent(chat, "client", "bye", undefined),
      encodeEvent(chat, "client", "say", { text: "still here", seq: 2 }),
    );
    await settle();
    expect(log.errors.map((e) => e.code)).toEqual([
      ErrorCode.VALIDATION_FAILED,
      ErrorCode.UNKNOWN_MESSAGE_TYPE,
      ErrorCode.PAYLOAD_INVALID,
      ErrorCode.HANDLER_FAILED,
      ErrorCode.HANDLER_FAILED,
    ]);
    expect(log.events.map(([name]) => name)).toEqual(["typing", "bye", "say"]);
    expect(session.state).toBe("open");
    expect(peer.frames).toEqual([]);
  });

  test("emit sends the validated event, declared keys only; refusals send nothing", async () => {
    const { session, peer, socket } = startSession();
    const writesBefore = socket.writes.length;
    const sent = await Promise.all([
      outcome(session.emit("greeting", { text: "hi", secret: "s" })),
      outcome(session.emit("greeting", { text: 1 })),
      outcome(session.emit("shout", {})),
      outcome(session.sendFrame(encodeEvent(chat, "server", "greeting", { text: "shared" }))),
    ]);
    expect(sent.map((r) => (r.ok ? "ok" : r.code))).toEqual([
      "ok",
      ErrorCode.VALIDATION_FAILED,
      ErrorCode.UNKNOWN_MESSAGE_TYPE,
      "ok",
    ]);
    await settle();
    expect(socket.writes.length - writesBefore).toBe(1); // one tick, one write
    expect(peer.frames.map((f) => decodeEvent(chat, "server", f))).toEqual([
      { name: "greeting", data: { text: "hi" } },
      { name: "greeting", data: { text: "shared" } },
    ]);
    expect(jsonOf(peer.frames[0])).toEqual({ text: "hi" });
  });
});

describe("the peer's requests", () => {
  test("each is answered once with the handler's value, sync or async, in its own id", async () => {
    const { log, peer } = startSession();
    log.onRequest = async (name, params) => {
      await new Promise((resolve) => setTimeout(resolve, name === "join" ? 20 : 0));
      return name === "join" ? { members: (params as { room: string }).room.length } : ["a"];
    };
    peer.send(join(1, "abc"), encodeRequest(chat, "client", 2, "tags", { k: "v" }));
    await elapse(20);
    await elapse(100);
    expect(peer.labels()).toEqual(["response 2", "response 1"]);
    expect(peer.frames.map(jsonOf)).toEqual([["a"], { members: 3 }]);
  });

  test("failures are answered once with their wire code", async () => {
    const { log, peer } = startSession();
    log.onRequest = (_name, params) => {
      const room = (params as { room: string }).room;
      if (room === "full") throw new AppError("ROOM_FULL", "full", { max: 3 });
      if (room === "broken") throw new Error("secret detail");
      if (room === "async") return Promise.reject(new Error("secret detail"));
      return { members: "many" }; // fails the output schema
    };
    peer.send(
      join(1, "full"),
      join(2, "broken"),
      join(3, "async"),
      join(4, "wrong output"),
      encodeEnvelope({ kind: Kind.REQUEST, id: 5, type: "leave" }, "{}"),
      encodeRequest(chat, "client", 6, "join", { room: "" }, { validate: false }),
      encodeEnvelope({ kind: Kind.REQUEST, id: 7, type: "join" }, "[1,"),
    );
    await settle();
    expect(peer.labels()).toEqual([
      "error 1 ROOM_FULL",
      `error 2 ${WireCode.INTERNAL}`,
      `error 4 ${WireCode.INTERNAL}`,
      `error 5 ${WireCode.UNKNOWN_TYPE}`,
      `error 6 ${WireCode.VALIDATION_ERROR}`,
      `error 7 ${WireCode.INVALID_PAYLOAD}`,
      `error 3 ${WireCode.INTERNAL}`,
    ]);
    expect(reasonOf(peer.frames[0])).toMatchObject({ details: { max: 3 } });
    // What a handler threw, or the output's own validation error; the AppError is the peer's.
    expect(log.errors.map((e) => e.code)).toEqual([
      ErrorCode.HANDLER_FAILED,
      ErrorCode.VALIDATION_FAILED,
      ErrorCode.HANDLER_FAILED,
    ]);
  });

  test("a cancelled request fires its handler's signal and is never answered", async () => {
    const { session, log, peer } = startSession();
    const answer = deferred<unknown>();
    let context: RequestContext | undefined;
    log.onRequest = (_name, _params, ctx) => {
      context = ctx;
      return answer.promise;
    };
    peer.send(join(1), wire.cancel(1), wire.cancel(99));
    await settle();
    expect(context?.signal.aborted).toBe(true);
    expect(context?.signal.reason).toMatchObject({ code: WireCode.CANCELLED });
    answer.resolve({ members: 1 });
    await settle();
    expect(peer.frames).toEqual([]);
    expect(session.stats().inFlightIn).toBe(0);
  });

  test("deadline 0 has passed already: the handler never runs and nothing is answered", async () => {
    const { log, peer } = startSession();
    const calls: string[] = [];
    log.onRequest = (name) => {
      calls.push(name);
      return { members: 1 };
    };
    peer.send(withDeadline(join(1, "a", 1000), 0), join(2, "b", 1000));
    await settle();
    expect(calls).toEqual(["join"]);
    expect(peer.labels()).toEqual(["response 2"]);
  });

  test("past its deadline a request's signal fires and its late answer is not sent", async () => {
    const { log, peer } = startSession();
    const signals: AbortSignal[] = [];
    log.onRequest = (_name, params, ctx) => {
      signals.push(ctx.signal);
      const ms = (params as { room: string }).room === "slow" ? 150 : 50;
      return new Promise((resolve) => setTimeout(() => resolve({ members: ms }), ms));
    };
    peer.send(join(1, "slow", 100), join(2, "quick", 100), join(3, "slow"));
    await elapse(99);
    expect(signals.map((s) => s.aborted)).toEqual([false, false, false]);
    await elapse(1);
    expect(signals.map((s) => s.aborted)).toEqual([true, false, false]);
    expect(signals[0]?.reason).toMatchObject({ code: WireCode.TIMEOUT });
    await elapse(100);
    expect(peer.labels()).toEqual(["response 2", "response 3"]);
  });

  test("an id already in flight, or id 0, is a protocol error", async () => {
    for (const second of [
      join(1, "again"),
      encodeEnvelope({ kind: Kind.REQUEST, type: "join" }, '{"room":"a"}'),
    ]) {
      const { log, peer } = startSession();
      log.onRequest = () => new Promise(() => {});
      peer.send(join(1), second);
      await settle();
      expect(peer.labels()).toEqual([`error 0 ${WireCode.PROTOCOL_ERROR}`]);
      peer.end();
      await settle();
      expect(log.closedInfo?.error?.code).toBe(ErrorCode.FRAME_MALFORMED);
    }
  });

  test("when the connection is lost, handlers' signals fire and nothing is answered", async () => {
    const { log, peer } = startSession();
    const answer = deferred<unknown>();
    let signal: AbortSignal | undefined;
    log.onRequest = (_name, _params, ctx) => {
      signal = ctx.signal;
      return answer.promise;
    };
    peer.send(join(1));
    await settle();
    peer.socket.destroy();
    await settle();
    expect(signal?.aborted).toBe(true);
    answer.resolve({ members: 1 });
    await settle();
    expect(peer.frames).toEqual([]);
    expect(log.closedInfo).toMatchObject({ graceful: false, initiator: "remote" });
  });
});

describe("our requests", () => {
  const whoami = (id: number, value: unknown = { id: "u1" }) =>
    encodeResponse(chat, "server", id, "whoami", value as { id: string });

  test("the peer's response resolves it once; a second answer is counted as late", async () => {
    const { session, peer } = startSession();
    const result = session.request("whoami", undefined);
    await settle();
    expect(peer.labels()).toEqual(["request 1 whoami"]);
    expect(peer.frames[0]?.deadlineMs).toBeUndefined();
    peer.send(whoami(1), whoami(1), wire.error(1, { code: "LATE" }));
    await expect(result).resolves.toEqual({ id: "u1" });
    await settle();
    expect(session.stats()).toMatchObject({ inFlightOut: 0, lateResponses: 2 });
  });

  test("an error answer rejects with ERR_REMOTE and its code; a bad response with its decode error", async () => {
    const { session, peer } = startSession();
    const failed = outcome(session.request("whoami", undefined));
    const invalid = outcome(session.request("whoami", undefined));
    peer.send(
      wire.error(1, { code: "NO_USER", message: "who?" }),
      encodeEnvelope({ kind: Kind.RESPONSE, id: 2 }, '{"id":5}'),
    );
    expect(await failed).toMatchObject({
      ok: false,
      code: ErrorCode.REMOTE_ERROR,
      error: { remoteCode: "NO_USER" },
    });
    expect(await invalid).toMatchObject({ ok: false, code: ErrorCode.VALIDATION_FAILED });
  });

  test("a timeout rejects at the deadline it sent, and a cancel follows", async () => {
    const { session, peer } = startSession({ limits: { requestTimeoutMs: 300 } });
    const explicit = outcome(session.request("whoami", undefined, { timeoutMs: 100 }));
    const byDefault = outcome(session.request("whoami", undefined));
    await settle();
    expect(peer.frames.map((f) => f.deadlineMs)).toEqual([100, 300]);
    await elapse(99);
    expect(session.stats().inFlightOut).toBe(2);
    await elapse(1);
    expect(await explicit).toMatchObject({ ok: false, code: ErrorCode.REQUEST_TIMEOUT });
    expect(peer.labels().slice(2)).toEqual(["cancel 1"]);
    await elapse(200);
    expect(await byDefault).toMatchObject({ ok: false, code: ErrorCode.REQUEST_TIMEOUT });
    expect(peer.labels().slice(2)).toEqual(["cancel 1", "cancel 2"]);
  });

  test("an abort rejects with ERR_REQUEST_CANCELLED and sends a cancel; an aborted signal sends nothing", async () => {
    const { session, peer } = startSession();
    const controller = new AbortController();
    const call = outcome(session.request("whoami", undefined, { signal: controller.signal }));
    controller.abort("changed my mind");
    const early = outcome(session.request("whoami", undefined, { signal: controller.signal }));
    expect(await call).toMatchObject({ ok: false, code: ErrorCode.REQUEST_CANCELLED });
    expect(await early).toMatchObject({ ok: false, code: ErrorCode.REQUEST_CANCELLED });
    await settle();
    expect(peer.labels()).toEqual(["request 1 whoami", "cancel 1"]);
  });

  test("the peer's FIN rejects them with ERR_CONNECTION_LOST", async () => {
    const { session, peer } = startSession();
    const call = outcome(session.request("whoami", undefined));
    await settle();
    peer.end();
    await settle();
    const settled = await call;
    expect(settled).toMatchObject({ ok: false, code: ErrorCode.CONNECTION_LOST });
    expect((settled as { error: SockwireError }).error.cause).toMatchObject({
      code: ErrorCode.CONNECTION_CLOSED,
    });
  });

  test("a socket error rejects them with ERR_CONNECTION_LOST caused by ERR_SOCKET", async () => {
    const { session, log, socket } = startSession();
    const call = outcome(session.request("whoami", undefined));
    await settle(); // sent: the socket fails while the answer is awaited
    socket.destroy(new Error("connection reset"));
    await settle();
    const settled = await call;
    expect(settled).toMatchObject({ ok: false, code: ErrorCode.CONNECTION_LOST });
    expect((settled as { error: SockwireError }).error.cause).toMatchObject({
      code: ErrorCode.SOCKET_ERROR,
    });
    expect(log.closedInfo).toMatchObject({ code: WireCode.SOCKET_ERROR, graceful: false });
  });

  test("our own destroy() rejects them with ERR_CONNECTION_CLOSED", async () => {
    const { session } = startSession();
    const call = outcome(session.request("whoami", undefined));
    session.destroy();
    expect(await call).toMatchObject({ ok: false, code: ErrorCode.CONNECTION_CLOSED });
  });

  test("unknown names and invalid input are refused before an id is used", async () => {
    const { session, peer } = startSession({ side: "client" });
    const refused = await Promise.all([
      outcome(session.request("whoami", undefined)),
      outcome(session.request("join", { room: "" })),
    ]);
    expect(refused.map((r) => (r.ok ? "ok" : r.code))).toEqual([
      ErrorCode.UNKNOWN_MESSAGE_TYPE,
      ErrorCode.VALIDATION_FAILED,
    ]);
    void session.request("join", { room: "a" });
    await settle();
    expect(peer.labels()).toEqual(["request 3 join"]);
  });
});

describe("ping()", () => {
  test("resolves with the round trip in ms when its pong comes back", async () => {
    const { session, peer } = startSession();
    const rtt = session.ping();
    await settle();
    expect(peer.labels()).toEqual(["ping 1"]);
    await elapse(30);
    peer.send(wire.pong(1));
    await expect(rtt).resolves.toBe(30);
  });

  test("rejects with ERR_REQUEST_TIMEOUT without a pong; settles with NaN when the connection ends", async () => {
    const { session } = startSession();
    const late = outcome(session.ping(100));
    const cut = session.ping(1000);
    await elapse(100);
    expect(await late).toMatchObject({ ok: false, code: ErrorCode.REQUEST_TIMEOUT });
    session.destroy();
    await expect(cut).resolves.toBeNaN();
  });
});

test("stats count messages and bytes both ways, work in flight and late answers", async () => {
  const { session, log, peer, socket } = startSession();
  const answer = deferred<unknown>();
  log.onRequest = () => answer.promise;
  void session.request("whoami", undefined).catch(() => {});
  await session.emit("greeting", { text: "hi" });
  const inbound = [
    encodeEvent(chat, "client", "say", { text: "a", seq: 1 }),
    join(1),
    encodeResponse(chat, "server", 7, "whoami", { id: "late" }),
  ];
  peer.send(...inbound);
  const partial = encodeEvent(chat, "client", "say", { text: "b", seq: 2 });
  peer.send(partial.subarray(0, 6));
  await settle();
  const inBytes = inbound.reduce((sum, frame) => sum + frame.length, 0) + 6;
  expect(session.stats()).toEqual({
    messagesIn: 3,
    messagesOut: 2,
    bytesIn: inBytes,
    bytesOut: socket.written().length,
    bufferedBytes: 0,
    retainedChunks: 1,
    inFlightIn: 1,
    inFlightOut: 1,
    lateResponses: 1,
  });
  answer.resolve({ members: 2 });
  await settle();
  expect(session.stats()).toMatchObject({ messagesOut: 3, inFlightIn: 0 });
  expect(session.stats().bytesOut).toBe(socket.written().length);
});
