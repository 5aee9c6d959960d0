import { describe, expect, test } from "vitest";
import { OK } from "../src/outcomes.js";
import { IntRanges } from "../src/ranges.js";
import { SeqLog } from "../src/seq-log.js";
import type { SessionReport } from "../src/server/records.js";
import { ClientLedger } from "../src/soak/ledger.js";
import { type EndState, verify } from "../src/soak/verify.js";

// The soak's verdicts on made-up histories: one clean history, then one fault at a time, each of
// which must fail exactly the invariant that covers it. Client 0 opens S1, loses a link and
// resumes S1, sees the server restart (S1 ends with a goaway), opens S2 (told that S1 ended) and
// closes. Events 1-10 go on S1's first link, 11-20 on its resumed link, 21-30 on S2.

const S1 = "session-1";
const S2 = "session-2";

interface History {
  /** Event numbers the server received on each session, in arrival order. */
  received: Record<string, number[]>;
  /** How each session ended on the server. */
  close: Record<string, { code: string; graceful: boolean }>;
  /** Whether S2's open reports S1, and with how many unacknowledged. */
  failure: { unacknowledged: number } | undefined;
  /** Request numbers the server ran on each session. */
  executed: Record<string, number[]>;
  /** How request 2 (run on S2) ended on the client. */
  request2: string;
  /** Whether S2's rejoin event reached the server after a queued event. */
  rejoinAfterSeq: boolean;
}

function clean(): History {
  return {
    received: { [S1]: range(1, 20), [S2]: range(21, 30) },
    close: {
      [S1]: { code: "GOING_AWAY", graceful: true },
      [S2]: { code: "NORMAL", graceful: true },
    },
    failure: { unacknowledged: 0 },
    executed: { [S1]: [1], [S2]: [2] },
    request2: OK,
    rejoinAfterSeq: false,
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function run(h: History) {
  const ledger = new ClientLedger(0);
  ledger.opened({ sessionId: S1, resumed: false, failure: undefined });
  for (const n of range(1, 10)) ledger.accept(n);
  ledger.requestsIssued = 2;
  ledger.requestSettled(1, OK, 1);
  ledger.opened({ sessionId: S1, resumed: true, failure: undefined });
  for (const n of range(11, 20)) ledger.accept(n);
  const failure = h.failure && { reason: "ended" as const, previousSessionId: S1, ...h.failure };
  ledger.opened({ sessionId: S2, resumed: false, failure });
  if (failure) ledger.resumeFailedCalls.push(S1);
  for (const n of range(21, 30)) ledger.accept(n);
  ledger.eventsIssued = 30;
  ledger.requestSettled(2, h.request2, 2);
  for (const s of [S1, S2]) for (const n of [1, 2]) ledger.tick(s, n);
  ledger.closed = { graceful: true, error: undefined };
  const reports = [S1, S2].map((s) => report(s, h));
  return verify([ledger], reports, endState());
}

function report(sessionId: string, h: History): SessionReport {
  const events = new SeqLog();
  for (const n of h.received[sessionId] ?? []) events.receive(n);
  const close = h.close[sessionId] ?? { code: "NORMAL", graceful: true };
  return {
    sessionId,
    client: 0,
    generation: sessionId === S1 ? 0 : 1,
    resumes: sessionId === S1 ? 1 : 0,
    expired: undefined,
    close: { ...close, initiator: "local", error: undefined },
    events: events.toJSON(),
    rejoins: sessionId === S2 ? [{ previous: S1, afterSeq: h.rejoinAfterSeq }] : [],
    executed: flat(h.executed[sessionId] ?? []),
    duplicateExecutions: 0,
    ticksAccepted: [1, 2],
    ticksRefused: [],
    work: { issued: 0, outcomes: {}, mismatches: 0 },
  };
}

function flat(numbers: number[]): number[] {
  const set = new IntRanges();
  for (const n of numbers) set.add(n);
  return set.toJSON();
}

function endState(): EndState {
  const handles = { TCPSocketWrap: 0, Timeout: 0 };
  return {
    serverCrashes: [],
    serverExitedUnexpectedly: false,
    driverUnhandled: [],
    clientsNotBack: [],
    detachedAtEnd: [],
    serverInFlight: { inFlightRequests: 0, pendingRequests: 0, connections: 0 },
    clientsInFlight: 0,
    serverHeapDeltaBytes: 0,
    serverHandlesBefore: handles,
    serverHandlesAfter: handles,
    driverHandlesBefore: handles,
    driverHandlesAfter: handles,
  };
}

/** The names of the invariants that failed. */
function failed(h: History): string[] {
  return run(h)
    .checks.filter((c) => !c.ok)
    .map((c) => c.name);
}

describe("verify (the soak's invariants)", () => {
  test("a clean history with a resume, a restart and a new session passes every invariant", () => {
    const { checks, figures } = run(clean());
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(figures).toMatchObject({
      sessions: 2,
      resumes: 1,
      intactResumed: 1,
      eventsReceived: 30,
    });
    expect(figures.failuresByReason).toEqual({ ended: 1 });
  });

  test("an event lost on the resumed link of a session that ended gracefully", () => {
    const h = clean();
    h.received[S1] = range(1, 20).filter((n) => n !== 15);
    expect(failed(h)).toEqual(["nothing lost in a session that ended gracefully"]);
  });

  test("an event replayed twice across the resume, and one out of order", () => {
    const h = clean();
    h.received[S1] = [...range(1, 12), 11, ...range(13, 20)];
    expect(failed(h)).toEqual([
      "order kept in every session, both directions",
      "nothing delivered or run twice",
    ]);
  });

  test("a session lost at a restart may lose its tail, as far as its client was told", () => {
    const h = clean();
    h.close[S1] = { code: "GOING_AWAY", graceful: false };
    h.received[S1] = range(1, 18);
    h.failure = { unacknowledged: 2 };
    expect(failed(h)).toEqual([]);
    expect(run(h).figures).toMatchObject({ lostSessions: 1, eventsLostReported: 2 });
  });

  test("a lost session that lost more than its client was told", () => {
    const h = clean();
    h.close[S1] = { code: "GOING_AWAY", graceful: false };
    h.received[S1] = range(1, 18);
    h.failure = { unacknowledged: 1 };
    expect(failed(h)).toEqual(["losses only where reported, only at a session's end"]);
  });

  test("a lost session with a hole before its last arrival", () => {
    const h = clean();
    h.close[S1] = { code: "GOING_AWAY", graceful: false };
    h.received[S1] = range(1, 20).filter((n) => n !== 12);
    h.failure = { unacknowledged: 5 };
    expect(failed(h)).toEqual(["losses only where reported, only at a session's end"]);
  });

  test("a new session whose open does not report the one it replaced", () => {
    const h = clean();
    h.failure = undefined;
    expect(failed(h)).toEqual(["every session not resumed was reported on both sides"]);
  });

  test("a session lost without a restart (the server expired it)", () => {
    const h = clean();
    h.close[S1] = { code: "SESSION_EXPIRED", graceful: false };
    expect(failed(h)).toContain("sessions lost only to server restarts");
  });

  test("a request handler run on both sessions", () => {
    const h = clean();
    h.executed[S2] = [1, 2];
    expect(failed(h)).toEqual(["nothing delivered or run twice"]);
  });

  test("the onResumeFailed listener's rejoin reached the new session after a queued event", () => {
    const h = clean();
    h.rejoinAfterSeq = true;
    expect(failed(h)).toEqual(["every session not resumed was reported on both sides"]);
  });

  test("a request that ran on a session that ended gracefully, then failed as lost", () => {
    const h = clean();
    h.request2 = "ERR_CONNECTION_LOST";
    expect(failed(h)).toContain("every request settled once, answered unless its session was lost");
  });
});
