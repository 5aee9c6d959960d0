import { describe, expect, test } from "vitest";
import {
  type ConnectionEvent,
  type ConnectionState,
  isActive,
  transition,
} from "../src/connection-state.js";

const states: ConnectionState[] = [
  "idle",
  "connecting",
  "open",
  "reconnecting",
  "closing",
  "closed",
];
const events: ConnectionEvent[] = [
  { type: "connect" },
  { type: "open" },
  { type: "drop", retry: true },
  { type: "drop", retry: false },
  { type: "backoff" },
  { type: "close" },
  { type: "ended" },
  { type: "destroy" },
];
const label = (e: ConnectionEvent) =>
  e.type === "drop" ? `drop(${e.retry ? "retry" : "no retry"})` : e.type;

// The table from the file header, restated independently: any edit to one must be made to both.
const table: Record<ConnectionState, (ConnectionState | undefined)[]> = {
  //            connect       open    drop(r)         drop(!r)  backoff       close      ended     destroy
  idle: ["connecting", undefined, undefined, undefined, undefined, "closed", undefined, "closed"],
  connecting: [
    undefined,
    "open",
    "reconnecting",
    "closed",
    undefined,
    "closing",
    undefined,
    "closed",
  ],
  open: [undefined, undefined, "reconnecting", "closed", undefined, "closing", undefined, "closed"],
  reconnecting: [
    undefined,
    undefined,
    undefined,
    "closed",
    "connecting",
    "closing",
    undefined,
    "closed",
  ],
  closing: [undefined, undefined, "closed", "closed", undefined, undefined, "closed", "closed"],
  closed: [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined],
};

describe("transition", () => {
  for (const state of states) {
    events.forEach((event, i) => {
      const expected = table[state][i];
      test(`${state} --${label(event)}--> ${expected ?? "(ignored)"}`, () => {
        expect(transition(state, event)).toBe(expected);
      });
    });
  }

  test("closed is final: no event leaves it", () => {
    for (const event of events) expect(transition("closed", event)).toBeUndefined();
  });

  test("every state but closed can reach closed", () => {
    for (const state of states.filter((s) => s !== "closed")) {
      expect(transition(state, { type: "destroy" })).toBe("closed");
    }
  });

  test("a typical life: connect, lose, reconnect, close", () => {
    const path: ConnectionEvent[] = [
      { type: "connect" },
      { type: "open" },
      { type: "drop", retry: true },
      { type: "backoff" },
      { type: "drop", retry: true },
      { type: "backoff" },
      { type: "open" },
      { type: "close" },
      { type: "ended" },
    ];
    const seen: ConnectionState[] = [];
    let state: ConnectionState = "idle";
    for (const event of path) {
      const next = transition(state, event);
      expect(next, `${state} + ${label(event)}`).toBeDefined();
      state = next as ConnectionState;
      seen.push(state);
    }
    expect(seen).toEqual([
      "connecting",
      "open",
      "reconnecting",
      "connecting",
      "reconnecting",
      "connecting",
      "open",
      "closing",
      "closed",
    ]);
  });

  test("isActive is true exactly where the client may still connect by itself", () => {
    expect(states.filter(isActive)).toEqual(["connecting", "open", "reconnecting"]);
  });
});
