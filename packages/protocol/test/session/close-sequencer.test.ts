import { describe, expect, test } from "vitest";
import type { Side } from "../../src/contract/types.js";
import { ErrorCode, SockwireError, WireCode } from "../../src/index.js";
import {
  ACTIVE,
  type CloseEvent,
  CloseReasons,
  type CloseState,
  closeTransition,
} from "../../src/session/close-sequencer.js";

// The close state machine's transition table, every state (each combination of its flags) by
// every event on both sides, written out by hand from PROTOCOL.md 8.4; then CloseReasons, the
// one place a close reason is chosen.

/**
 * A state from its label: the phase, then the flags that are set, in the order goaway, ended
 * (the peer's FIN was handled), discard (input is dropped after a protocol error).
 */
function state(label: string): CloseState {
  const [phase, ...flags] = label.split("+");
  const goaway = flags.includes("goaway");
  const peerEnded = flags.includes("ended");
  const discard = flags.includes("discard");
  switch (phase) {
    case "active":
      return ACTIVE;
    case "draining":
      return { phase, goaway, peerEnded, discard };
    case "awaiting-peer-fin":
    case "closed":
      return { phase };
    case "fin-sent":
      return { phase, peerEnded, discard };
    default:
      throw new Error(`no state ${label}`);
  }
}

const events: Record<string, CloseEvent> = {
  "begin+goaway": { type: "begin", goaway: true },
  begin: { type: "begin", goaway: false },
  "peer-fin": { type: "peer-fin" },
  "protocol-error": { type: "protocol-error" },
  "work-done": { type: "work-done" },
  closed: { type: "closed" },
};

/** `=`: the event changes nothing, and the very same state object comes back. */
type Expected = string | { client: string; server: string };

// biome-ignore format: one row per line reads as the table it is.
const table: [from: string, event: keyof typeof events, to: Expected][] = [
  ["active", "begin+goaway", "draining+goaway"],
  ["active", "begin", "draining"],
  ["active", "peer-fin", "draining+ended"],
  ["active", "protocol-error", "draining+discard"],
  ["active", "work-done", "="],
  ["active", "closed", "closed"],

  ["draining", "begin+goaway", "="],
  ["draining", "begin", "="],
  ["draining", "peer-fin", "draining+ended"],
  ["draining", "protocol-error", "draining+discard"],
  ["draining", "work-done", "fin-sent"],
  ["draining", "closed", "closed"],

  ["draining+goaway", "begin+goaway", "="],
  ["draining+goaway", "begin", "="],
  ["draining+goaway", "peer-fin", "draining+goaway+ended"],
  ["draining+goaway", "protocol-error", "draining+goaway+discard"],
  ["draining+goaway", "work-done", { client: "awaiting-peer-fin", server: "fin-sent" }],
  ["draining+goaway", "closed", "closed"],

  ["draining+ended", "begin+goaway", "="],
  ["draining+ended", "begin", "="],
  ["draining+ended", "peer-fin", "draining+ended"],
  ["draining+ended", "protocol-error", "draining+ended+discard"],
  ["draining+ended", "work-done", "fin-sent+ended"],
  ["draining+ended", "closed", "closed"],

  ["draining+goaway+ended", "begin+goaway", "="],
  ["draining+goaway+ended", "begin", "="],
  ["draining+goaway+ended", "peer-fin", "draining+goaway+ended"],
  ["draining+goaway+ended", "protocol-error", "draining+goaway+ended+discard"],
  ["draining+goaway+ended", "work-done", "fin-sent+ended"],
  ["draining+goaway+ended", "closed", "closed"],

  ["draining+discard", "begin+goaway", "="],
  ["draining+discard", "begin", "="],
  ["draining+discard", "peer-fin", "draining+ended+discard"],
  ["draining+discard", "protocol-error", "draining+discard"],
  ["draining+discard", "work-done", "fin-sent+discard"],
  ["draining+discard", "closed", "closed"],

  ["draining+goaway+discard", "begin+goaway", "="],
  ["draining+goaway+discard", "begin", "="],
  ["draining+goaway+discard", "peer-fin", "draining+goaway+ended+discard"],
  ["draining+goaway+discard", "protocol-error", "draining+goaway+discard"],
  ["draining+goaway+discard", "work-done", "fin-sent+discard"],
  ["draining+goaway+discard", "closed", "closed"],

  ["draining+ended+discard", "begin+goaway", "="],
  ["draining+ended+discard", "begin", "="],
  ["draining+ended+discard", "peer-fin", "draining+ended+discard"],
  ["draining+ended+discard", "protocol-error", "draining+ended+discard"],
  ["draining+ended+discard", "work-done", "fin-sent+ended+discard"],
  ["draining+ended+discard", "closed", "closed"],

  ["draining+goaway+ended+discard", "begin+goaway", "="],
  ["draining+goaway+ended+discard", "begin", "="],
  ["draining+goaway+ended+discard", "peer-fin", "draining+goaway+ended+discard"],
  ["draining+goaway+ended+discard", "protocol-error", "draining+goaway+ended+discard"],
  ["draining+goaway+ended+discard", "work-done", "fin-sent+ended+discard"],
  ["draining+goaway+ended+discard", "closed", "closed"],

  ["awaiting-peer-fin", "begin+goaway", "="],
  ["awaiting-peer-fin", "begin", "="],
  ["awaiting-peer-fin", "peer-fin", "fin-sent+ended"],
  ["awaiting-peer-fin", "protocol-error", "fin-sent+discard"],
  ["awaiting-peer-fin", "work-done", "="],
  ["awaiting-peer-fin", "closed", "closed"],

  ["fin-sent", "begin+goaway", "="],
  ["fin-sent", "begin", "="],
  ["fin-sent", "peer-fin", "fin-sent+ended"],
  ["fin-sent", "protocol-error", "fin-sent+discard"],
  ["fin-sent", "work-done", "="],
  ["fin-sent", "closed", "closed"],

  ["fin-sent+ended", "begin+goaway", "="],
  ["fin-sent+ended", "begin", "="],
  ["fin-sent+ended", "peer-fin", "fin-sent+ended"],
  ["fin-sent+ended", "protocol-error", "fin-sent+ended+discard"],
  ["fin-sent+ended", "work-done", "="],
  ["fin-sent+ended", "closed", "closed"],

  ["fin-sent+discard", "begin+goaway", "="],
  ["fin-sent+discard", "begin", "="],
  ["fin-sent+discard", "peer-fin", "fin-sent+ended+discard"],
  ["fin-sent+discard", "protocol-error", "fin-sent+discard"],
  ["fin-sent+discard", "work-done", "="],
  ["fin-sent+discard", "closed", "closed"],

  ["fin-sent+ended+discard", "begin+goaway", "="],
  ["fin-sent+ended+discard", "begin", "="],
  ["fin-sent+ended+discard", "peer-fin", "fin-sent+ended+discard"],
  ["fin-sent+ended+discard", "protocol-error", "fin-sent+ended+discard"],
  ["fin-sent+ended+discard", "work-done", "="],
  ["fin-sent+ended+discard", "closed", "closed"],

  ["closed", "begin+goaway", "="],
  ["closed", "begin", "="],
  ["closed", "peer-fin", "="],
  ["closed", "protocol-error", "="],
  ["closed", "work-done", "="],
  ["closed", "closed", "="],
];

const sides: Side[] = ["client", "server"];

describe("closeTransition: the table", () => {
  test("covers every state and every event", () => {
    const froms = new Set(table.map(([from]) => from));
    expect(froms.size).toBe(1 + 8 + 1 + 4 + 1);
    for (const from of froms) {
      expect(table.filter(([f]) => f === from).map(([, event]) => event)).toEqual(
        Object.keys(events),
      );
    }
  });

  for (const side of sides) {
    test.each(table)(`${side}: %s + %s -> %o`, (from, event, expected) => {
      const before = state(from);
      const after = closeTransition(before, events[event] as CloseEvent, side);
      const to = typeof expected === "string" ? expected : expected[side];
      if (to === "=") expect(after).toBe(before);
      else expect(after).toEqual(state(to));
    });
  }
});

describe("closeTransition: the two sides at work-done", () => {
  const drained = (flags: string) =>
    closeTransition(state(`draining${flags}`), { type: "work-done" }, "client").phase;

  test("a client in a graceful close waits for the server's FIN; a server never waits", () => {
    const draining = closeTransition(ACTIVE, { type: "begin", goaway: true }, "client");
    expect(closeTransition(draining, { type: "work-done" }, "client").phase).toBe(
      "awaiting-peer-fin",
    );
    expect(closeTransition(draining, { type: "work-done" }, "server").phase).toBe("fin-sent");
  });

  test("a client does not wait without a goaway, after the server's FIN, or when discarding", () => {
    expect(drained("")).toBe("fin-sent");
    expect(drained("+goaway+ended")).toBe("fin-sent");
    expect(drained("+goaway+discard")).toBe("fin-sent");
  });
});

describe("CloseReasons", () => {
  const error = (code: ErrorCode) => new SockwireError(code, "x");

  test("with nothing recorded the report is a plain close by the peer", () => {
    expect(new CloseReasons().info(true)).toEqual({
      code: WireCode.NORMAL,
      message: "",
      initiator: "remote",
      graceful: true,
      error: undefined,
      reconnectAfterMs: undefined,
    });
    expect(new CloseReasons().current).toBeUndefined();
  });

  test("the first reason recorded wins", () => {
    const reasons = new CloseReasons();
    reasons.record(WireCode.GOING_AWAY, "bye", "local", undefined, { reconnectAfterMs: 10 });
    reasons.record(WireCode.NORMAL, "the peer closed", "remote", error(ErrorCode.SOCKET_ERROR));
    expect(reasons.info(false)).toEqual({
      code: WireCode.GOING_AWAY,
      message: "bye",
      initiator: "local",
      graceful: false,
      error: undefined,
      reconnectAfterMs: 10,
    });
  });

  test("replace: a later reason that says more takes its place", () => {
    const reasons = new CloseReasons();
    reasons.record(WireCode.NORMAL, "", "local", undefined);
    const failure = error(ErrorCode.UNKNOWN_KIND);
    reasons.record(WireCode.PROTOCOL_ERROR, "bad kind", "local", failure, { replace: true });
    expect(reasons.current).toMatchObject({ code: WireCode.PROTOCOL_ERROR, error: failure });
  });

  test("failed adds an error to a reason without one, keeping its code and initiator", () => {
    const timeout = error(ErrorCode.CONNECTION_CLOSED);
    const reasons = new CloseReasons();
    reasons.record(WireCode.GOING_AWAY, "bye", "remote", undefined);
    reasons.failed(timeout);
    expect(reasons.current).toMatchObject({
      code: WireCode.GOING_AWAY,
      initiator: "remote",
      error: timeout,
    });

    const first = error(ErrorCode.SOCKET_ERROR);
    const withError = new CloseReasons();
    withError.record(WireCode.SOCKET_ERROR, "reset", "remote", first);
    withError.failed(timeout);
    expect(withError.current?.error).toBe(first);

    const empty = new CloseReasons();
    empty.failed(timeout);
    expect(empty.info(false)).toMatchObject({
      code: WireCode.NORMAL,
      initiator: "remote",
      error: timeout,
    });
  });

  test("blamePeer makes the peer the initiator, and does nothing with no reason", () => {
    const reasons = new CloseReasons();
    reasons.blamePeer();
    expect(reasons.current).toBeUndefined();
    reasons.record(WireCode.PROTOCOL_ERROR, "truncated", "local", error(ErrorCode.FRAME_TRUNCATED));
    reasons.blamePeer();
    expect(reasons.current).toMatchObject({ code: WireCode.PROTOCOL_ERROR, initiator: "remote" });
  });
});
