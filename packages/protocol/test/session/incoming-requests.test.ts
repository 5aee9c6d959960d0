import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import {
  AppError,
  defaultCodec,
  type Envelope,
  ErrorCode,
  encodeEnvelope,
  encodeRequest,
  Kind,
  parseEnvelope,
  type Reason,
  SockwireError,
  WireCode,
} from "../../src/index.js";
import { type MessageCodec, messageCodecFor } from "../../src/internal.js";
import { frameArena } from "../../src/message/frame-arena.js";
import type { OutgoingFrame } from "../../src/message/outgoing-frame.js";
import {
  type IncomingHost,
  IncomingRequests,
  type RequestContext,
} from "../../src/session/incoming-requests.js";
import { chat } from "../fixtures/chat.js";

// The peer's requests on their own, against a recording host: each is decoded, handed to the
// handler and answered exactly once, unless the requester is no longer waiting (deadline,
// cancel, connection ended), when nothing is sent. Timers and Date.now() are fake.

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A host that records answers (`response 1 {...}`, `error 1 CODE`), reports and table sizes. */
class FakeHost implements IncomingHost {
  readonly messages: MessageCodec = messageCodecFor(chat, "server", defaultCodec, true);
  finished = false;
  readonly answers: string[] = [];
  readonly reasons: Reason[] = [];
  readonly reports: SockwireError[] = [];
  /** The table's size each time the host was told that work changed. */
  readonly sizes: number[] = [];
  readonly contexts: RequestContext[] = [];
  requests!: IncomingRequests;
  handler: (name: string, params: unknown) => unknown = (_name, params) => ({
    members: (params as { room: string }).room.length,
  });

  runHandler(name: string, params: unknown, context: RequestContext): unknown {
    this.contexts.push(context);
    return this.handler(name, params);
  }
  /** Event handlers are not this file's subject: none runs. */
  runEventHandlers(): unknown {
    return undefined;
  }
  readonly output = {
    respond: (frame: OutgoingFrame): SockwireError | undefined => {
      const bytes = typeof frame === "number" ? frameArena.take(frame) : frame;
      const envelope = parseEnvelope(bytes.subarray(4)) as Envelope;
      this.answers.push(`response ${envelope.id} ${envelope.payload.toString()}`);
      return undefined;
    },
    answerError: (id: number, reason: Reason): void => {
      this.answers.push(`error ${id} ${reason.code}`);
      this.reasons.push(reason);
    },
  };
  report(error: SockwireError): void {
    this.reports.push(error);
  }
  workChanged(): void {
    this.sizes.push(this.requests.size);
  }
}

function setup() {
  const host = new FakeHost();
  const requests = new IncomingRequests(host);
  host.requests = requests;
  /** Starts request `id` from the bytes a peer would send. */
  const receive = (frame: Buffer) => {
    const envelope = parseEnvelope(frame.subarray(4)) as Envelope;
    const schema = host.messages.inboundRequest(envelope.type);
    if (schema === undefined) throw new Error(`no request ${envelope.type}`);
    requests.start(envelope, schema);
  };
  return { host, requests, receive };
}

const join = (id: number, room = "lobby", deadlineMs?: number) =>
  encodeRequest(chat, "client", id, "join", { room }, { deadlineMs });

/** A handler's answer that arrives after `ms`. */
const after = (ms: number, value: unknown) =>
  new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe("answers", () => {
  test("a handler's value is the response, sent once; the table holds the request meanwhile", async () => {
    const { host, requests, receive } = setup();
    receive(join(1, "abc"));
    expect(host.answers).toEqual(['response 1 {"members":3}']);
    expect(host.sizes).toEqual([1, 0]);
    host.handler = () => after(10, { members: 7 });
    receive(join(2));
    expect(requests.has(2)).toBe(true);
    expect(requests.size).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(host.answers).toEqual(['response 1 {"members":3}', 'response 2 {"members":7}']);
    expect(requests.has(2)).toBe(false);
    expect(host.sizes).toEqual([1, 0, 1, 0]);
  });

  test("input that does not decode is answered with its code; the handler never runs", () => {
    const { host, receive } = setup();
    receive(encodeRequest(chat, "client", 1, "join", { room: "" }, { validate: false }));
    receive(encodeEnvelope({ kind: Kind.REQUEST, id: 2, type: "join" }, "{"));
    expect(host.answers).toEqual([
      `error 1 ${WireCode.VALIDATION_ERROR}`,
      `error 2 ${WireCode.INVALID_PAYLOAD}`,
    ]);
    expect(host.reasons[0]?.details).toMatchObject({ issues: [{ path: "room" }] });
    expect(host.contexts).toEqual([]);
    expect(host.sizes).toEqual([]);
  });

  test.each<[string, () => unknown, string, string[]]>([
    [
      "an AppError keeps its code",
      () => {
        throw new AppError("ROOM_FULL", "full");
      },
      "ROOM_FULL",
      [],
    ],
    [
      "a missing handler is NOT_IMPLEMENTED",
      () => {
        throw new SockwireError(ErrorCode.HANDLER_NOT_FOUND, "none");
      },
      WireCode.NOT_IMPLEMENTED,
      [],
    ],
    [
      "a throw is INTERNAL, reported",
      () => {
        throw new Error("x");
      },
      WireCode.INTERNAL,
      [ErrorCode.HANDLER_FAILED],
    ],
    [
      "a rejection is INTERNAL, reported",
      () => Promise.reject(new Error("x")),
      WireCode.INTERNAL,
      [ErrorCode.HANDLER_FAILED],
    ],
    [
      "an output the schema refuses is INTERNAL, reported",
      () => ({ members: "x" }),
      WireCode.INTERNAL,
      [ErrorCode.VALIDATION_FAILED],
    ],
  ])("%s", async (_what, handler, code, reported) => {
    const { host, receive } = setup();
    host.handler = handler;
    receive(join(1));
    await vi.advanceTimersByTimeAsync(0);
    expect(host.answers).toEqual([`error 1 ${code}`]);
    expect(host.reports.map((e) => e.code)).toEqual(reported);
    expect(host.sizes).toEqual([1, 0]);
  });
});

describe("no answer", () => {
  test("deadline 0: the requester has given up already; nothing runs or enters the table", () => {
    const { host, receive } = setup();
    const frame = join(1, "a", 1000);
    frame.writeUInt32BE(0, 4 + 7 + "join".length);
    receive(frame);
    expect(host.contexts).toEqual([]);
    expect(host.answers).toEqual([]);
    expect(host.sizes).toEqual([]);
  });

  test("a handler that finishes at its deadline is answered; one ms later it is not", async () => {
    const { host, requests, receive } = setup();
    host.handler = (_name, params) =>
      after((params as { room: string }).room === "late" ? 101 : 100, { members: 1 });
    receive(join(1, "on time", 100));
    receive(join(2, "late", 100));
    await vi.advanceTimersByTimeAsync(101);
    expect(host.answers).toEqual(['response 1 {"members":1}']);
    expect(requests.size).toBe(0);
    expect(host.sizes).toEqual([1, 2, 1, 0]);
  });

  test("the signal exists only when read: then it fires at the deadline with TIMEOUT", async () => {
    const { host, receive } = setup();
    host.handler = () => new Promise(() => {});
    receive(join(1, "a", 100));
    expect(vi.getTimerCount()).toBe(0); // nobody listens: no timer
    const signal = host.contexts[0]?.signal as AbortSignal;
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toMatchObject({ code: WireCode.TIMEOUT });
    expect(host.contexts[0]?.id).toBe(1);
  });

  test("cancel fires the signal with CANCELLED and the answer is never sent; unknown ids are ignored", async () => {
    const { host, requests, receive } = setup();
    host.handler = () => after(10, { members: 1 });
    receive(join(1));
    const signal = host.contexts[0]?.signal as AbortSignal;
    requests.cancel(1);
    requests.cancel(1);
    requests.cancel(42);
    expect(signal.reason).toMatchObject({ code: WireCode.CANCELLED });
    await vi.advanceTimersByTimeAsync(10);
    expect(host.answers).toEqual([]);
    expect(host.sizes).toEqual([1, 0]);
  });

  test("a signal first read after the request was abandoned is aborted already", () => {
    const { host, requests, receive } = setup();
    host.handler = () => new Promise(() => {});
    receive(join(1, "a", 100));
    requests.cancel(1);
    expect(host.contexts[0]?.signal.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("abandonAll fires every signal and keeps the requests until they finish; clear forgets them", async () => {
    const { host, requests, receive } = setup();
    host.handler = () => after(10, { members: 1 });
    receive(join(1));
    receive(join(2));
    const signals = host.contexts.map((c) => c.signal);
    requests.abandonAll({ code: WireCode.PROTOCOL_ERROR, message: "failed" });
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
    expect(requests.size).toBe(2);
    receive(join(3));
    requests.clear({ code: WireCode.NORMAL, message: "ended" });
    expect(requests.size).toBe(0);
    expect(host.contexts[2]?.signal.reason).toMatchObject({ code: WireCode.NORMAL });
    await vi.advanceTimersByTimeAsync(10);
    expect(host.answers).toEqual([]);
  });

  test("once the host has finished, a handler's result is dropped", async () => {
    const { host, receive } = setup();
    host.handler = () => after(10, { members: 1 });
    receive(join(1));
    host.finished = true;
    await vi.advanceTimersByTimeAsync(10);
    expect(host.answers).toEqual([]);
    expect(host.sizes).toEqual([1]);
  });
});
