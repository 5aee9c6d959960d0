import { handlesAbove } from "../resources.js";
import { entries, type Figures, sum } from "./figures.js";
import type { EndState } from "./verify.js";
import { type Check, check, type Violations } from "./violations.js";

/** Heap a drained server may keep beyond its baseline (JIT code, caches), bytes. */
export const SERVER_HEAP_SLACK = 16 * 1024 * 1024;

/**
 * The soak's invariants, in report order: each one's name, the kinds of violation noted while
 * comparing the ledgers that break it, and the figures that say what was checked. What the
 * driver measured at the end (crashes, clients not back, work in flight, memory, handles) is
 * noted here. docs/RELIABILITY.md (the chaos soak) explains each one.
 */
export function invariants(f: Figures, bad: Violations, end: EndState, clients: number): Check[] {
  const serverHandles = handlesAbove(end.serverHandlesBefore, end.serverHandlesAfter);
  const driverHandles = handlesAbove(end.driverHandlesBefore, end.driverHandlesAfter);
  const inFlight = end.serverInFlight;
  for (const text of [...end.serverCrashes, ...end.driverUnhandled]) bad.note("crash", text);
  if (end.serverExitedUnexpectedly) bad.note("crash", "the server process exited unasked");
  for (const text of end.clientsNotBack) bad.note("notBack", text);
  const stuck =
    inFlight.inFlightRequests +
    inFlight.pendingRequests +
    inFlight.connections +
    end.clientsInFlight;
  bad.note("inFlight", `server ${JSON.stringify(inFlight)}, clients ${end.clientsInFlight}`, stuck);
  if (end.serverHeapDeltaBytes > SERVER_HEAP_SLACK)
    bad.note("memory", "server heap above baseline + slack");
  for (const h of serverHandles) bad.note("memory", `server ${h} above baseline`);
  for (const h of driverHandles) bad.note("driverHandles", `driver ${h} above baseline`);
  const resumed = `${f.intactResumed} of them resumed`;
  return [
    check(
      "server never crashed",
      bad,
      ["crash"],
      `${end.serverCrashes.length} crash reports, ${end.driverUnhandled.length} unhandled in driver`,
    ),
    check(
      "every client back after the chaos",
      bad,
      ["notBack"],
      `${clients - end.clientsNotBack.length}/${clients} open again`,
    ),
    check(
      "every session accounted for on both sides",
      bad,
      ["missingReport", "consistency"],
      `${f.sessions} sessions, ${f.orphanSessions} whose welcome was lost; ${f.resumes} resumes seen by clients, ${f.serverResumes} by the server`,
    ),
    check(
      "order kept in every session, both directions",
      bad,
      ["order", "orderAfterFailure"],
      `events, ticks and work requests of ${f.sessions} sessions over all their links`,
    ),
    check(
      "nothing delivered or run twice",
      bad,
      ["duplicates", "twice"],
      `${f.eventsReceived} events and ${f.ticksReceived} ticks received; handlers run twice: ${f.handlersRunTwice}`,
    ),
    check(
      "only what a session accepted was delivered on it",
      bad,
      ["refusedDelivered", "stray"],
      `${f.eventsRefused} events refused, none delivered; nothing arrived on a session it was not sent on`,
    ),
    check(
      "nothing lost in a session that ended gracefully",
      bad,
      ["lostIntact", "finalNotGraceful"],
      `${f.intactSessions} sessions (${resumed}): ${f.eventsLostIntact} events, ${f.ticksLostIntact} ticks lost`,
    ),
    check(
      "every request settled once, answered unless its session was lost",
      bad,
      ["unsettled", "settledTwice", "mismatches", "unanswered", "answerWithoutRun"],
      `${f.requestsIssued} client requests (${f.requestsOk} answered), ${f.workIssued} server requests (${f.workOk} answered)`,
    ),
    check(
      "every session not resumed was reported on both sides",
      bad,
      ["unreported", "listener", "rejoin"],
      `${f.lostSessions} lost, ${sum(f.failuresByReason)} resume failures reported, onResumeFailed before the queue`,
    ),
    check(
      "losses only where reported, only at a session's end",
      bad,
      ["unreportedLoss", "holes"],
      `${f.eventsLostReported} events and ${f.ticksLostReported} ticks lost in reported sessions; ${f.unacknowledgedReported} reported unacknowledged`,
    ),
    check(
      "sessions lost only to server restarts",
      bad,
      ["notRestart"],
      `${f.lostSessions} lost: ${entries(f.lostByServerEnd)}`,
    ),
    check(
      "only documented error codes",
      bad,
      ["codes"],
      "emit refusals and request failures, both directions",
    ),
    check(
      "no work left in flight",
      bad,
      ["inFlight"],
      `server ${JSON.stringify(inFlight)}, clients ${end.clientsInFlight}`,
    ),
    check(
      "server memory and handles back to baseline",
      bad,
      ["memory"],
      `heap ${(end.serverHeapDeltaBytes / 1048576).toFixed(2)} MiB vs baseline (slack ${SERVER_HEAP_SLACK / 1048576} MiB); handles ${JSON.stringify(end.serverHandlesAfter)}`,
    ),
    check(
      "driver handles back to baseline",
      bad,
      ["driverHandles"],
      JSON.stringify(end.driverHandlesAfter),
    ),
  ];
}
