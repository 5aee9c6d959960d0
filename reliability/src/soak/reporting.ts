import { WireCode } from "@sockwire/protocol";
import { add, type Figures } from "./figures.js";
import type { ClientLedger } from "./ledger.js";
import type { SessionView } from "./sessions.js";
import { where } from "./streams.js";
import type { Violations } from "./violations.js";

// Whether each side told the truth about resumes. A session that was not resumed must be
// reported by the client (a later `open` with `resumed: false` and a `resumeFailure` naming it,
// whose `onResumeFailed` listeners ran once, before anything queued) and by the server
// (`onSessionExpired`, or the goaway of its shutdown). In the soak the only legitimate cause is a
// server restart: the window (2 minutes) outlasts every outage, nothing overflows, so any other
// lost link must have resumed.

/** Resume failures the soak expects: a restart's goaway (`ended`), a restarted server (`unknown`). */
const RESTART_REASONS = new Set(["ended", "unknown"]);

/** Checks one client's `open` statuses and `onResumeFailed` calls against its sessions. */
export function checkOpens(
  ledger: ClientLedger,
  sessions: Map<string, SessionView>,
  f: Figures,
  bad: Violations,
): void {
  const c = ledger.client;
  const opens = ledger.opens;
  const named: string[] = [];
  for (let i = 0; i < opens.length; i++) {
    const open = opens[i] as (typeof opens)[number];
    const previous = opens[i - 1]?.sessionId;
    if (open.resumed) {
      if (open.sessionId !== previous || open.failure)
        bad.note(
          "consistency",
          `client ${c}: open ${i} resumed ${open.sessionId} after ${previous}`,
        );
      continue;
    }
    const failure = open.failure;
    if (!failure) {
      if (i > 0)
        bad.note(
          "unreported",
          `client ${c}: new session ${open.sessionId} after ${previous}, no resume failure`,
        );
      continue;
    }
    named.push(failure.previousSessionId);
    add(f.failuresByReason, failure.reason);
    f.unacknowledgedReported += failure.unacknowledged;
    if (failure.previousSessionId !== previous)
      bad.note(
        "consistency",
        `client ${c}: open ${i}'s failure names ${failure.previousSessionId}, not ${previous}`,
      );
    if (opens.slice(i + 1).some((o) => o.resumed && o.sessionId === failure.previousSessionId))
      bad.note(
        "consistency",
        `client ${c}: ${failure.previousSessionId} reported lost, then resumed`,
      );
    if (!RESTART_REASONS.has(failure.reason))
      bad.note(
        "notRestart",
        `client ${c}: ${failure.previousSessionId} not resumed (${failure.reason})`,
      );
    // The listener's rejoin must reach the new session before anything that was queued.
    const next = sessions.get(open.sessionId);
    const rejoin = next?.report?.rejoins.find((r) => r.previous === failure.previousSessionId);
    if (rejoin?.afterSeq)
      bad.note(
        "rejoin",
        `${next ? where(next) : open.sessionId}: the rejoin came after queued events`,
      );
    else if (!rejoin && next?.fate === "intact")
      bad.note(
        "rejoin",
        `${where(next)}: the rejoin for ${failure.previousSessionId} never arrived`,
      );
  }
  const calls = [...ledger.resumeFailedCalls].sort().join(",");
  if (calls !== [...named].sort().join(","))
    bad.note(
      "listener",
      `client ${c}: onResumeFailed ran for [${calls}], failures named [${named}]`,
    );
  if (ledger.strayTicks > 0)
    bad.note(
      "stray",
      `client ${c}: ${ledger.strayTicks} ticks of sessions it never opened`,
      ledger.strayTicks,
    );
  if (!ledger.closed?.graceful)
    bad.note("finalNotGraceful", `client ${c} closed ${JSON.stringify(ledger.closed)}`);
}

/** Counts one session and checks that its end was reported as the soak allows. */
export function checkSessionEnd(view: SessionView, f: Figures, bad: Violations): void {
  const { log, report } = view;
  const at = where(view);
  f.sessions++;
  if (log.resumes > 0) f.resumedSessions++;
  f.resumes += log.resumes;
  if (!report) {
    bad.note("missingReport", `${at}: never reported by the server`);
    return;
  }
  f.serverResumes += report.resumes;
  // The server may have resumed a session whose welcome then went down with the link.
  if (log.resumes > report.resumes)
    bad.note(
      "consistency",
      `${at}: the client saw ${log.resumes} resumes, the server ${report.resumes}`,
    );
  if (!view.final && !view.failure)
    bad.note("unreported", `${at}: its client was never told it ended`);
  if (view.final && view.fate !== "intact")
    bad.note("finalNotGraceful", `${at}: the final close was not graceful`);
  if (view.fate === "intact") {
    f.intactSessions++;
    if (log.resumes > 0) f.intactResumed++;
    return;
  }
  f.lostSessions++;
  const end = report.expired ? `${WireCode.SESSION_EXPIRED}/${report.expired}` : report.close.code;
  add(f.lostByServerEnd, end);
  const restart = report.close.code === WireCode.GOING_AWAY && !report.expired;
  if (!restart && !report.expired)
    bad.note("unreported", `${at}: ended without onSessionExpired or a goaway`);
  if (!restart) bad.note("notRestart", `${at}: lost (${end}) though the server did not restart`);
}
