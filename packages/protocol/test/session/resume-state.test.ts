import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ErrorCode, encodeEnvelope, Kind, SockwireError } from "../../src/index.js";
import { type AckHost, ResumeState } from "../../src/session/resume-state.js";

// What makes a session resumable, apart from its links (PROTOCOL.md 8.6): when acks are sent
// (at once at 64 unacknowledged frames, else one timer 20 ms after the first), the ack
// frame's bytes, delivered() waiters settled by the peer's acks or by the end of the session,
// and the one-shot onPeerFrame. Timers are fake.

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
});

const limits = { resumeBufferBytes: 1 << 20, resumeBufferFrames: 1 << 20 };

/** A host that records the acks it is asked to send. */
function ackHost(): AckHost & { acks: number[]; frames: Buffer[] } {
  const host = {
    acks: [] as number[],
    frames: [] as Buffer[],
    sendAck(frame: Buffer) {
      host.frames.push(frame);
      host.acks.push(frame.readUInt32BE(6));
    },
  };
  return host;
}

/** `n` frames arrived in one read. */
function read(state: ResumeState, host: AckHost, n: number): void {
  state.received += n;
  state.afterRead(host);
}

const event = () => encodeEnvelope({ kind: Kind.EVENT, type: "tick" }, "{}");

/** Whether a promise has settled by now (after pending microtasks ran). */
async function settled(promise: Promise<unknown>): Promise<"resolved" | "rejected" | "pending"> {
  let result: "resolved" | "rejected" | "pending" = "pending";
  promise.then(
    () => {
      result = "resolved";
    },
    () => {
      result = "rejected";
    },
  );
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return result;
}

describe("the ack frame", () => {
  test("is 11 bytes: an empty envelope of kind ack carrying the received count in the id field", () => {
    const state = new ResumeState(limits);
    state.received = 0x01020304;
    expect(state.ackFrame().toString("hex")).toBe("00000007" + "41" + "00" + "01020304" + "00");
  });

  test("carries the count modulo 2^32", () => {
    const state = new ResumeState(limits);
    state.received = 2 ** 32 + 5;
    expect(state.ackFrame().readUInt32BE(6)).toBe(5);
    state.received = 2 ** 33 - 1;
    expect(state.ackFrame().readUInt32BE(6)).toBe(0xffff_ffff);
  });
});

describe("when acks are sent", () => {
  test("a lone read is acknowledged by one timer, exactly 20 ms later, with the count at that time", () => {
    const state = new ResumeState(limits);
    const host = ackHost();
    read(state, host, 1);
    expect(host.acks).toEqual([]);
    vi.advanceTimersByTime(10);
    read(state, host, 2); // no second timer
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(9);
    expect(host.acks).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(host.acks).toEqual([3]);
    vi.advanceTimersByTime(1000);
    expect(host.acks).toEqual([3]);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("64 unacknowledged frames are acknowledged at once; 63 wait for the timer", () => {
    const state = new ResumeState(limits);
    const host = ackHost();
    read(state, host, 63);
    expect(host.acks).toEqual([]);
    read(state, host, 1);
    expect(host.acks).toEqual([64]);
    expect(vi.getTimerCount()).toBe(0);
    // Counted from the last ack, not from zero.
    read(state, host, 63);
    expect(host.acks).toEqual([64]);
    read(state, host, 1);
    expect(host.acks).toEqual([64, 128]);
    vi.advanceTimersByTime(100);
    expect(host.acks).toEqual([64, 128]);
  });

  test("no ack, and no timer, when nothing new arrived", () => {
    const state = new ResumeState(limits);
    const host = ackHost();
    state.afterRead(host);
    expect(vi.getTimerCount()).toBe(0);
    read(state, host, 1);
    vi.advanceTimersByTime(20);
    expect(host.acks).toEqual([1]);
    state.afterRead(host);
    state.afterRead(host);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(host.acks).toEqual([1]);
  });

  test("an ack at 64 stops the pending timer, which sends nothing", () => {
    const state = new ResumeState(limits);
    const host = ackHost();
    read(state, host, 2);
    expect(vi.getTimerCount()).toBe(1);
    read(state, host, 62);
    expect(host.acks).toEqual([64]);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(host.acks).toEqual([64]);
  });

  test("the timer sends nothing when an ack frame was taken meanwhile (a handshake carried the count)", () => {
    const state = new ResumeState(limits);
    const host = ackHost();
    read(state, host, 2);
    state.ackFrame();
    vi.advanceTimersByTime(20);
    expect(host.acks).toEqual([]);
  });

  test.each(["linkLost", "ended"] as const)("%s clears the pending timer", (what) => {
    const state = new ResumeState(limits);
    const host = ackHost();
    read(state, host, 1);
    expect(vi.getTimerCount()).toBe(1);
    if (what === "linkLost") state.linkLost();
    else state.ended(new Error("gone"));
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(host.acks).toEqual([]);
  });

  test("after linkLost, the next read arms a timer again (a resumed link)", () => {
    const state = new ResumeState(limits);
    const host = ackHost();
    read(state, host, 1);
    state.linkLost();
    read(state, host, 1);
    vi.advanceTimersByTime(20);
    expect(host.acks).toEqual([2]);
  });
});

describe("delivered()", () => {
  test("resolves at once when everything sent was acknowledged (or nothing was sent)", async () => {
    const state = new ResumeState(limits);
    expect(await settled(state.delivered())).toBe("resolved");
    state.log.append([event(), event()]);
    state.peerAcked(2);
    expect(await settled(state.delivered())).toBe("resolved");
  });

  test("each waiter resolves exactly when the peer's ack reaches the count sent when it asked", async () => {
    const state = new ResumeState(limits);
    state.log.append([event(), event(), event()]);
    const three = state.delivered();
    state.log.append([event(), event()]);
    const five = state.delivered();
    state.peerAcked(2);
    expect([await settled(three), await settled(five)]).toEqual(["pending", "pending"]);
    state.peerAcked(3);
    expect([await settled(three), await settled(five)]).toEqual(["resolved", "pending"]);
    state.peerAcked(4);
    expect(await settled(five)).toBe("pending");
    state.peerAcked(5);
    expect(await settled(five)).toBe("resolved");
  });

  test("a stale or impossible ack resolves nothing and changes nothing", async () => {
    const state = new ResumeState(limits);
    state.log.append([event(), event(), event()]);
    state.peerAcked(2);
    const waiting = state.delivered();
    state.peerAcked(1); // stale
    state.peerAcked(4); // more than was sent
    expect(state.log.acked).toBe(2);
    expect(await settled(waiting)).toBe("pending");
    state.peerAcked(3);
    expect(await settled(waiting)).toBe("resolved");
  });

  test("an ack is read modulo 2^32 against what was sent", async () => {
    const state = new ResumeState(limits);
    // 2^32 frames cannot be sent in a test: the counters are set past the wrap.
    Object.assign(state.log, { sentCount: 2 ** 32 + 2, ackedCount: 2 ** 32 - 1 });
    const waiting = state.delivered();
    state.peerAcked(1);
    expect(state.log.acked).toBe(2 ** 32 + 1);
    expect(await settled(waiting)).toBe("pending");
    state.peerAcked(2);
    expect(state.log.acked).toBe(2 ** 32 + 2);
    expect(await settled(waiting)).toBe("resolved");
  });

  test("ended(error) rejects every waiter with that error", async () => {
    const state = new ResumeState(limits);
    state.log.append([event()]);
    const first = state.delivered();
    const second = state.delivered();
    const error = new SockwireError(ErrorCode.CONNECTION_CLOSED, "closed");
    state.ended(error);
    await expect(first).rejects.toBe(error);
    await expect(second).rejects.toBe(error);
  });
});

describe("onPeerFrame", () => {
  test("fires once, at the peer's next frame", () => {
    const state = new ResumeState(limits);
    const callback = vi.fn();
    state.peerSent(); // before anyone listens: nothing to tell
    state.onPeerFrame(callback);
    expect(callback).not.toHaveBeenCalled();
    state.peerSent();
    state.peerSent();
    expect(callback).toHaveBeenCalledTimes(1);
  });

  test("a second registration replaces the first", () => {
    const state = new ResumeState(limits);
    const first = vi.fn();
    const second = vi.fn();
    state.onPeerFrame(first);
    state.onPeerFrame(second);
    state.peerSent();
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
  });
});
