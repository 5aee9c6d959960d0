import { IntRanges } from "../ranges.js";
import { SeqLog } from "../seq-log.js";
import type { Figures } from "./figures.js";
import type { SessionView } from "./sessions.js";
import type { Violations } from "./violations.js";

// The two streams of numbered messages of a session, each compared end to end: client events
// (accepted by the client, received by the server) and server ticks (accepted by the server,
// received by the client). A session delivers each once and in order across its links, so on
// the receiving side a stream must be in order, without repeats, made only of what the sender
// accepted on that session, and complete when the session ended gracefully; when it was lost, it
// may lack only a tail, after the last message that arrived.

/** Where a counterexample happened. */
export function where(view: SessionView): string {
  const after = view.openedAfter
    ? `opened after a resume failure (${view.openedAfter.reason}), `
    : "";
  const resumed = view.log.resumes > 0 ? `, resumed ${view.log.resumes}x` : "";
  const end = view.report ? `, ended ${view.report.close.code}` : "";
  return `client ${view.client} session ${view.sessionId} (${after}${view.fate}${resumed}${end})`;
}

/** Compares one session's events and ticks; returns the events it lost. */
export function compareStreams(view: SessionView, f: Figures, bad: Violations): number {
  const report = view.report;
  if (!report) return 0;
  const events = new SeqLog(report.events);
  f.eventsReceived += events.got.size;
  const eventsLost = compare(view, "events", view.log.accepted, events, new IntRanges(), bad);
  const ticksAccepted = new IntRanges(report.ticksAccepted);
  f.ticksAccepted += ticksAccepted.size;
  f.ticksReceived += view.log.ticks.got.size;
  const refused = new IntRanges(report.ticksRefused);
  const ticksLost = compare(view, "ticks", ticksAccepted, view.log.ticks, refused, bad);
  if (view.fate === "intact") {
    f.eventsLostIntact += eventsLost;
    f.ticksLostIntact += ticksLost;
  } else {
    f.eventsLostReported += eventsLost;
    f.ticksLostReported += ticksLost;
  }
  return eventsLost;
}

function compare(
  view: SessionView,
  what: string,
  sent: IntRanges,
  got: SeqLog,
  refused: IntRanges,
  bad: Violations,
): number {
  const at = where(view);
  // Counted apart: a session that opened after a resume failure starts with the queue flushed
  // behind the onResumeFailed listeners, a different path from the replay of a resumed link.
  const order = view.openedAfter ? "orderAfterFailure" : "order";
  bad.note(order, `${at}: ${got.orderViolations} ${what} out of order`, got.orderViolations);
  bad.note("duplicates", `${at}: ${got.duplicates} ${what} twice`, got.duplicates);
  const stray: number[] = [];
  let strays = 0;
  for (const n of got.got.values()) {
    if (sent.has(n)) continue;
    if (refused.has(n)) bad.note("refusedDelivered", `${at}: ${what} ${n} refused, yet delivered`);
    else if (++strays <= 5) stray.push(n);
  }
  const strayText = `${strays} ${what} that were not accepted on this session arrived on it`;
  bad.note("stray", `${at}: ${strayText}, e.g. ${stray.join(",")}`, strays);

  const example: number[] = [];
  const lost = sent.missingFrom(got.got, example);
  if (lost === 0) return 0;
  if (view.fate === "intact") {
    bad.note("lostIntact", `${at}: ${lost} ${what} lost, e.g. ${example.join(",")}`, lost);
    return lost;
  }
  // A lost session may lack only its tail: anything missing below the last arrival is a hole.
  const last = got.got.max;
  const holes: number[] = [];
  for (const n of sent.values()) {
    if (n >= last) break;
    if (!got.got.has(n)) holes.push(n);
  }
  bad.note(
    "holes",
    `${at}: ${holes.length} ${what} missing before ${what} ${last}, which arrived, e.g. ${holes.slice(0, 5).join(",")}`,
    holes.length,
  );
  return lost;
}
