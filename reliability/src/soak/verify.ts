import { ErrorCode, WireCode } from "@sockwire/protocol";
import { IntRanges } from "../ranges.js";
import { handlesAbove } from "../resources.js";
import type { ConnectionReport } from "../server/records.js";
import type { ClientLedger } from "./ledger.js";

/** One invariant, checked. */
export interface Check {
  name: string;
  ok: boolean;
  /** Counts behind the verdict, and the first counterexamples when it failed. */
  detail: string;
}

/** What the driver measured besides the ledgers and reports. */
export interface EndState {
  serverCrashes: string[];
  serverExitedUnexpectedly: boolean;
  driverUnhandled: string[];
  serverInFlight: { inFlightRequests: number; pendingRequests: number; connections: number };
  clientsInFlight: number;
  serverHeapDeltaBytes: number;
  serverHandlesBefore: Record<string, number>;
  serverHandlesAfter: Record<string, number>;
  driverHandlesBefore: Record<string, number>;
  driverHandlesAfter: Record<string, number>;
}

/** Heap a drained server may keep beyond its baseline (JIT code, caches), bytes. */
export const SERVER_HEAP_SLACK = 16 * 1024 * 1024;

/** Codes a soak request may fail with: all are at-most-once outcomes of the chaos. */
const REQUEST_FAILURES = new Set<string>([
  ErrorCode.CONNECTION_LOST,
  ErrorCode.REQUEST_TIMEOUT,
  ErrorCode.NOT_CONNECTED,
  `${ErrorCode.REMOTE_ERROR}/${WireCode.SHUTTING_DOWN}`,
]);
/** Codes an emit may be refused with (it then was never sent). */
const EMIT_REFUSALS = new Set<string>([
  ErrorCode.CONNECTION_LOST,
  ErrorCode.CONNECTION_CLOSED,
  ErrorCode.NOT_CONNECTED,
  ErrorCode.OUTBOUND_BUFFER_FULL,
]);

/** Figures of a run, for the summary table. */
export interface Figures {
  eventsIssued: number;
  eventsAccepted: number;
  eventsRefused: number;
  eventsReceived: number;
  /** Accepted, never received, on connections that ended abruptly (allowed: at most once). */
  eventsLostAbrupt: number;
  /** Accepted, never received, on connections that closed gracefully (must be 0). */
  eventsLostGraceful: number;
  ticksAccepted: number;
  ticksReceived: number;
  ticksLostAbrupt: number;
  requestsIssued: number;
  requestsOk: number;
  requestFailures: Record<string, number>;
  connections: number;
  gracefulConnections: number;
  closesByCode: Record<string, number>;
}

function add(into: Record<string, number>, key: string, n = 1): void {
  into[key] = (into[key] ?? 0) + n;
}

function check(name: string, bad: number, detail: string, samples: string[] = []): Check {
  const more = bad > 0 && samples.length > 0 ? `; e.g. ${samples.slice(0, 3).join("; ")}` : "";
  return { name, ok: bad === 0, detail: `${detail}${more}` };
}

/**
 * Compares what every client says it sent, had accepted and received with what the server says
 * it received and sent on each connection, and turns the comparison into the soak's invariants.
 * See docs/RELIABILITY.md (chaos soak) for what each one means.
 */
export function verify(
  ledgers: readonly ClientLedger[],
  reports: readonly ConnectionReport[],
  end: EndState,
): { checks: Check[]; figures: Figures } {
  const bySession = new Map(reports.map((r) => [r.sessionId, r]));
  const f: Figures = {
    eventsIssued: 0,
    eventsAccepted: 0,
    eventsRefused: 0,
    eventsReceived: 0,
    eventsLostAbrupt: 0,
    eventsLostGraceful: 0,
    ticksAccepted: 0,
    ticksReceived: 0,
    ticksLostAbrupt: 0,
    requestsIssued: 0,
    requestsOk: 0,
    requestFailures: {},
    connections: reports.length,
    gracefulConnections: reports.filter((r) => r.close.graceful).length,
    closesByCode: {},
  };
  for (const r of reports) add(f.closesByCode, r.close.code);
  const bad = {
    order: 0,
    duplicates: 0,
    refusedDelivered: 0,
    missingReports: 0,
    lostGraceful: 0,
    finalNotGraceful: 0,
    finalTicksLost: 0,
    unsettled: 0,
    mismatches: 0,
    unexpectedCodes: 0,
    duplicateExecutions: 0,
  };
  const samples: Record<keyof typeof bad, string[]> = Object.fromEntries(
    Object.keys(bad).map((k) => [k, []]),
  ) as never;
  const note = (key: keyof typeof bad, text: string, n = 1) => {
    bad[key] += n;
    if (samples[key].length < 3) samples[key].push(text);
  };

  const reportsByClient = new Map<number, ConnectionReport[]>();
  for (const r of reports)
    reportsByClient.set(r.client, [...(reportsByClient.get(r.client) ?? []), r]);

  for (const ledger of ledgers) {
    const c = ledger.client;
    const mine = reportsByClient.get(c) ?? [];
    // Everything the server received from this client, over all its connections.
    const received = new IntRanges();
    const executed = new IntRanges();
    for (const r of mine) {
      if (r.eventOrderViolations > 0)
        note(
          "order",
          `client ${c} session ${r.sessionId}: ${r.eventOrderViolations} out of order`,
          r.eventOrderViolations,
        );
      if (r.duplicateExecutions > 0)
        note(
          "duplicateExecutions",
          `client ${c}: ${r.duplicateExecutions} re-run`,
          r.duplicateExecutions,
        );
      for (const n of new IntRanges(r.events).values())
        if (!received.add(n)) note("duplicates", `client ${c} event ${n} received twice`);
      for (const n of new IntRanges(r.executed).values())
        if (!executed.add(n))
          note("duplicateExecutions", `client ${c} request ${n} ran on two connections`);
    }
    f.eventsIssued += ledger.eventsIssued;
    f.eventsAccepted += ledger.accepted.size;
    f.eventsRefused += ledger.refused.size;
    f.eventsReceived += received.size;
    for (const n of ledger.refused.values())
      if (received.has(n)) note("refusedDelivered", `client ${c} event ${n} refused yet delivered`);
    for (const [code, count] of Object.entries(ledger.refusedByCode))
      if (!EMIT_REFUSALS.has(code)) note("unexpectedCodes", `emit refused with ${code}`, count);

    // Accepted events, session by session, against what that very connection delivered.
    for (const [session, accepted] of ledger.acceptedBySession) {
      const report = bySession.get(session);
      if (!report) {
        note("missingReports", `client ${c} session ${session} never reported by the server`);
        continue;
      }
      const example: number[] = [];
      const lost = accepted.missingFrom(new IntRanges(report.events), example);
      // The graceful closes of this run: the server's restarts (goaway, both FINs in order) and
      // each client's final close(). A FIN that reached the server after the client gave up on
      // a link (heartbeat, cut) is not one: the client destroyed that socket, which is lossy.
      const graceful =
        session === ledger.lastSession ||
        (report.close.graceful &&
          report.close.initiator === "local" &&
          report.close.code === WireCode.GOING_AWAY);
      if (!graceful) f.eventsLostAbrupt += lost;
      else if (lost > 0) {
        f.eventsLostGraceful += lost;
        note(
          "lostGraceful",
          `client ${c} session ${session} (${report.close.code}) lost ${lost}, e.g. ${example.join(",")}`,
          lost,
        );
      }
    }
    for (const [session, log] of ledger.ticks) {
      if (log.orderViolations > 0)
        note("order", `client ${c} ticks of ${session} out of order`, log.orderViolations);
      if (log.duplicates > 0)
        note("duplicates", `client ${c} ticks of ${session} twice`, log.duplicates);
      f.ticksReceived += log.got.size;
    }
    for (const session of ledger.sessions) {
      const report = bySession.get(session);
      if (!report) continue;
      const accepted = new IntRanges(report.ticksAccepted);
      f.ticksAccepted += accepted.size;
      const got = ledger.ticks.get(session)?.got ?? new IntRanges();
      const lost = accepted.missingFrom(got);
      if (session === ledger.lastSession && lost > 0)
        note("finalTicksLost", `client ${c}: ${lost} ticks of its final session`, lost);
      else f.ticksLostAbrupt += lost;
    }
    if (!ledger.closed?.graceful)
      note("finalNotGraceful", `client ${c} closed ${JSON.stringify(ledger.closed)}`);

    f.requestsIssued += ledger.requestsIssued;
    f.requestsOk += ledger.requestsOk;
    for (const [code, n] of Object.entries(ledger.requestFailures)) {
      add(f.requestFailures, code, n);
      if (!REQUEST_FAILURES.has(code)) note("unexpectedCodes", `request failed with ${code}`, n);
    }
    const unsettled = ledger.requestsIssued - ledger.requestsSettled;
    if (unsettled !== 0)
      note("unsettled", `client ${c}: ${unsettled} requests never settled`, unsettled);
    if (ledger.requestMismatches > 0)
      note(
        "mismatches",
        `client ${c}: ${ledger.requestMismatches} wrong answers`,
        ledger.requestMismatches,
      );
  }

  const serverHandles = handlesAbove(end.serverHandlesBefore, end.serverHandlesAfter);
  const driverHandles = handlesAbove(end.driverHandlesBefore, end.driverHandlesAfter);
  const inFlight = end.serverInFlight;
  const crashes =
    end.serverCrashes.length + (end.serverExitedUnexpectedly ? 1 : 0) + end.driverUnhandled.length;

  const checks: Check[] = [
    check(
      "server never crashed",
      crashes,
      `${end.serverCrashes.length} crash reports, exit ${end.serverExitedUnexpectedly ? "unexpected" : "clean"}, ${end.driverUnhandled.length} unhandled in driver`,
      [...end.serverCrashes, ...end.driverUnhandled],
    ),
    check(
      "order kept per connection (both directions)",
      bad.order,
      `${f.connections} connections`,
      samples.order,
    ),
    check(
      "no duplicates (events, ticks, handler runs)",
      bad.duplicates + bad.duplicateExecutions,
      `${f.eventsReceived} events received`,
      [...samples.duplicates, ...samples.duplicateExecutions],
    ),
    check(
      "refused sends were never delivered",
      bad.refusedDelivered,
      `${f.eventsRefused} refused`,
      samples.refusedDelivered,
    ),
    check(
      "every session accounted for by the server",
      bad.missingReports,
      `${f.connections} reports`,
      samples.missingReports,
    ),
    check(
      "nothing accepted before a graceful close lost",
      bad.lostGraceful + bad.finalTicksLost + bad.finalNotGraceful,
      `${f.gracefulConnections} graceful connections; final closes graceful for ${ledgers.length - bad.finalNotGraceful}/${ledgers.length} clients`,
      [...samples.lostGraceful, ...samples.finalTicksLost, ...samples.finalNotGraceful],
    ),
    check(
      "every request settled exactly once, with its own answer",
      bad.unsettled + bad.mismatches,
      `${f.requestsIssued} issued, ${f.requestsOk} answered`,
      [...samples.unsettled, ...samples.mismatches],
    ),
    check(
      "only documented error codes",
      bad.unexpectedCodes,
      "emit refusals and request failures",
      samples.unexpectedCodes,
    ),
    check(
      "no work left in flight",
      inFlight.inFlightRequests +
        inFlight.pendingRequests +
        inFlight.connections +
        end.clientsInFlight,
      `server ${JSON.stringify(inFlight)}, clients ${end.clientsInFlight}`,
    ),
    check(
      "server memory and handles back to baseline",
      (end.serverHeapDeltaBytes > SERVER_HEAP_SLACK ? 1 : 0) + serverHandles.length,
      `heap ${(end.serverHeapDeltaBytes / 1048576).toFixed(2)} MiB vs baseline (slack ${SERVER_HEAP_SLACK / 1048576} MiB); handles ${JSON.stringify(end.serverHandlesAfter)}`,
      serverHandles.map((h) => `${h} above baseline`),
    ),
    check(
      "driver handles back to baseline",
      driverHandles.length,
      JSON.stringify(end.driverHandlesAfter),
      driverHandles.map((h) => `${h} above baseline`),
    ),
  ];
  return { checks, figures: f };
}
