import { ErrorCode } from "@sockwire/protocol";
import { IntRanges } from "../ranges.js";
import type { SessionReport } from "../server/records.js";
import { add, emptyFigures, type Figures } from "./figures.js";
import { invariants } from "./invariants.js";
import type { ClientLedger } from "./ledger.js";
import { checkOpens, checkSessionEnd } from "./reporting.js";
import { checkEchoes, checkWork } from "./requests.js";
import { joinSessions, type SessionView } from "./sessions.js";
import { compareStreams, where } from "./streams.js";
import { type Check, Violations } from "./violations.js";

export type { Check } from "./violations.js";

/** What the driver measured besides the ledgers and reports. */
export interface EndState {
  serverCrashes: string[];
  serverExitedUnexpectedly: boolean;
  driverUnhandled: string[];
  /** Clients not open again after the chaos, each with its state (a hang, if any). */
  clientsNotBack: string[];
  /** Sessions the server still held detached once every client had closed (ended then). */
  detachedAtEnd: string[];
  serverInFlight: { inFlightRequests: number; pendingRequests: number; connections: number };
  clientsInFlight: number;
  serverHeapDeltaBytes: number;
  serverHandlesBefore: Record<string, number>;
  serverHandlesAfter: Record<string, number>;
  driverHandlesBefore: Record<string, number>;
  driverHandlesAfter: Record<string, number>;
}

/** Codes an emit may be refused with (it then was never sent). */
const EMIT_REFUSALS = new Set<string>([
  ErrorCode.CONNECTION_LOST,
  ErrorCode.CONNECTION_CLOSED,
  ErrorCode.NOT_CONNECTED,
  ErrorCode.OUTBOUND_BUFFER_FULL,
]);

/**
 * Compares what every client says it sent, had accepted, received and ran, session by session
 * over all of a session's links, with what the server says it received, ran and sent on that
 * session, and turns the comparison into the soak's invariants. See docs/RELIABILITY.md (chaos
 * soak) for what each one means.
 */
export function verify(
  ledgers: readonly ClientLedger[],
  reports: readonly SessionReport[],
  end: EndState,
): { checks: Check[]; figures: Figures } {
  const f = emptyFigures();
  const bad = new Violations();
  const joined = joinSessions(ledgers, reports);
  for (const r of reports) add(f.closesByCode, r.close.code);

  for (const ledger of ledgers) {
    const sessions = joined.byClient.get(ledger.client) ?? new Map<string, SessionView>();
    checkOpens(ledger, sessions, f, bad);
    let lostEvents = 0;
    let unacknowledged = 0;
    for (const view of sessions.values()) {
      checkSessionEnd(view, f, bad);
      const lost = compareStreams(view, f, bad);
      checkWork(view, f, bad);
      // A resume failure reports what the server had not acknowledged: that bounds what a lost
      // session lost, since the server acknowledges what it has handled. (A session that ended
      // gracefully reports too: a request crossing the goaway after the server's FIN goes
      // unanswered. Its events may not be lost at all: "nothing lost..." checks that.)
      const reported = view.failure?.unacknowledged ?? 0;
      unacknowledged += reported;
      if (view.fate !== "lost") continue;
      lostEvents += lost;
      if (lost > reported)
        bad.note("unreportedLoss", `${where(view)}: ${lost} events lost, ${reported} reported`);
    }
    const lostRequests = checkEchoes(ledger, sessions, f, bad);
    if (lostEvents + lostRequests > unacknowledged)
      bad.note(
        "unreportedLoss",
        `client ${ledger.client}: ${lostEvents} events and ${lostRequests} requests lost, ${unacknowledged} reported`,
      );
    checkEvents(ledger, sessions, f, bad);
  }
  for (const orphan of joined.orphans) {
    f.orphanSessions++;
    const got = new IntRanges(orphan.events.got).size + new IntRanges(orphan.executed).size;
    if (got > 0 || orphan.rejoins.length > 0 || orphan.resumes > 0)
      bad.note(
        "missingReport",
        `session ${orphan.sessionId} of client ${orphan.client}: no client opened it, yet it received ${got}`,
      );
  }
  const known = new Set(joined.views.map((v) => v.sessionId));
  f.detachedAtEnd = end.detachedAtEnd.length;
  for (const id of end.detachedAtEnd)
    if (known.has(id))
      bad.note(
        "unreported",
        `session ${id}: still detached at the end, though its client moved on`,
      );

  return { checks: invariants(f, bad, end, ledgers.length), figures: f };
}

/** A client's events over all its sessions: refusals coded, none refused delivered, none twice. */
function checkEvents(
  ledger: ClientLedger,
  sessions: Map<string, SessionView>,
  f: Figures,
  bad: Violations,
): void {
  const c = ledger.client;
  f.eventsIssued += ledger.eventsIssued;
  f.eventsAccepted += ledger.accepted.size;
  f.eventsRefused += ledger.refused.size;
  for (const [code, count] of Object.entries(ledger.refusedByCode))
    if (!EMIT_REFUSALS.has(code))
      bad.note("codes", `client ${c}: emit refused with ${code}`, count);
  const received = new IntRanges();
  for (const view of sessions.values())
    for (const n of new IntRanges(view.report?.events.got).values())
      if (!received.add(n))
        bad.note("duplicates", `client ${c}: event ${n} received on two sessions`);
  for (const n of ledger.refused.values())
    if (received.has(n))
      bad.note("refusedDelivered", `client ${c}: event ${n} refused, yet delivered`);
}
