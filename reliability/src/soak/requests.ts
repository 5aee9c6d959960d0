import { ErrorCode, WireCode } from "@sockwire/protocol";
import { OK, Outcomes } from "../outcomes.js";
import { IntRanges } from "../ranges.js";
import { add, type Figures } from "./figures.js";
import type { ClientLedger } from "./ledger.js";
import type { SessionView } from "./sessions.js";
import { where } from "./streams.js";
import type { Violations } from "./violations.js";

// Requests both ways, held against what the other side did with each one: the client's `echo`
// requests (how each ended on the client, on which session the server ran it) and the server's
// `work` requests (how each ended on the server, whether the client ran it). A request in flight
// when a link drops is answered once its session resumes, and its handler runs once; only a lost
// session may lose an answer.

const SHUTTING_DOWN = `${ErrorCode.REMOTE_ERROR}/${WireCode.SHUTTING_DOWN}`;
/** Ends that mean "never sent" (refused at the call, or by a peer that was closing): never run. */
const NEVER_RUN = new Set<string>([ErrorCode.NOT_CONNECTED, SHUTTING_DOWN]);
/** Ends a request may have only when its session was lost (its answer went with it). */
export const LOST_WITH_SESSION = new Set<string>([
  ErrorCode.CONNECTION_LOST,
  ErrorCode.SESSION_EXPIRED,
  ErrorCode.CONNECTION_CLOSED,
]);
/** Every end a soak request may have. */
const DOCUMENTED = new Set<string>([
  OK,
  ErrorCode.REQUEST_TIMEOUT,
  ...NEVER_RUN,
  ...LOST_WITH_SESSION,
]);

/**
 * The client's `echo` requests: settled once, with their own answer; an answer only for a
 * request the server ran; none run twice, over all the client's sessions; none run that was
 * refused; none that ran on a session that ended gracefully failed as lost. Returns how many
 * failed as lost without ever running (lost on the way, with a session that was reported).
 */
export function checkEchoes(
  ledger: ClientLedger,
  sessions: Map<string, SessionView>,
  f: Figures,
  bad: Violations,
): number {
  const c = ledger.client;
  const outcomes = ledger.requests;
  f.requestsIssued += ledger.requestsIssued;
  f.requestsOk += outcomes.get(OK).size;
  for (const [code, n] of Object.entries(outcomes.counts())) {
    if (code !== OK) add(f.requestFailures, code, n);
    if (!DOCUMENTED.has(code)) bad.note("codes", `client ${c}: request failed with ${code}`, n);
  }
  const unsettled = ledger.requestsIssued - ledger.requestsSettled;
  bad.note("unsettled", `client ${c}: ${unsettled} requests never settled`, unsettled);
  bad.note(
    "settledTwice",
    `client ${c}: ${ledger.requestsSettledTwice} settled twice`,
    ledger.requestsSettledTwice,
  );
  bad.note(
    "mismatches",
    `client ${c}: ${ledger.requestMismatches} wrong answers`,
    ledger.requestMismatches,
  );

  const ranOn = new Map<number, SessionView>();
  for (const view of sessions.values()) {
    const report = view.report;
    if (!report) continue;
    f.handlersRunTwice += report.duplicateExecutions;
    bad.note(
      "twice",
      `${where(view)}: ${report.duplicateExecutions} echo handlers ran again`,
      report.duplicateExecutions,
    );
    for (const n of new IntRanges(report.executed).values()) {
      const other = ranOn.get(n);
      if (other) {
        f.handlersRunTwice++;
        bad.note("twice", `client ${c}: echo ${n} ran on ${other.sessionId} and ${view.sessionId}`);
      }
      ranOn.set(n, view);
      const code = outcomes.codeOf(n);
      if (code !== undefined && NEVER_RUN.has(code))
        bad.note("refusedDelivered", `${where(view)}: echo ${n} ended ${code}, yet ran`);
      if (view.fate === "intact" && code !== OK && code !== ErrorCode.REQUEST_TIMEOUT)
        bad.note("unanswered", `${where(view)}: echo ${n} ran, then ended ${code}`);
    }
  }
  for (const n of outcomes.get(OK).values())
    if (!ranOn.has(n)) bad.note("answerWithoutRun", `client ${c}: echo ${n} answered, never ran`);
  let lostOnTheWay = 0;
  for (const code of LOST_WITH_SESSION)
    for (const n of outcomes.get(code).values()) if (!ranOn.has(n)) lostOnTheWay++;
  return lostOnTheWay;
}

/**
 * The server's `work` requests of one session: settled once each on the server, with their own
 * answer; answered only when the client ran them, which it did once each, in order; refused ones
 * never ran; in a session that ended gracefully none failed as lost.
 */
export function checkWork(view: SessionView, f: Figures, bad: Violations): void {
  const report = view.report;
  if (!report) return;
  const at = where(view);
  const runs = view.log.work;
  const outcomes = new Outcomes(report.work.outcomes);
  f.workIssued += report.work.issued;
  f.workOk += outcomes.get(OK).size;
  f.handlersRunTwice += runs.duplicates;
  bad.note("twice", `${at}: ${runs.duplicates} work handlers ran again`, runs.duplicates);
  bad.note(
    "order",
    `${at}: ${runs.orderViolations} work requests ran out of order`,
    runs.orderViolations,
  );
  const unsettled = report.work.issued - outcomes.size;
  bad.note("unsettled", `${at}: ${unsettled} work requests never settled on the server`, unsettled);
  bad.note(
    "mismatches",
    `${at}: ${report.work.mismatches} wrong work answers`,
    report.work.mismatches,
  );
  for (const [code, n] of Object.entries(outcomes.counts())) {
    if (code === OK) continue;
    add(f.workFailures, code, n);
    if (!DOCUMENTED.has(code)) bad.note("codes", `${at}: work failed with ${code}`, n);
    if (view.fate === "intact" && LOST_WITH_SESSION.has(code))
      bad.note("unanswered", `${at}: ${n} work requests ended ${code}`, n);
  }
  for (const n of outcomes.get(OK).values())
    if (!runs.got.has(n)) bad.note("answerWithoutRun", `${at}: work ${n} answered, never ran`);
  for (const code of NEVER_RUN)
    for (const n of outcomes.get(code).values())
      if (runs.got.has(n)) bad.note("refusedDelivered", `${at}: work ${n} ended ${code}, yet ran`);
}
