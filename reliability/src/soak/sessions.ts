import type { ResumeFailure } from "@sockwire/client";
import type { SessionReport } from "../server/records.js";
import type { ClientLedger, SessionLog } from "./ledger.js";

/**
 * One session seen from both ends: the client's log of it (all its links) and the server's
 * report. Its fate decides what it may lose:
 * - `intact`: the server closed it gracefully (a goaway, then both FINs in order: the client's
 *   final `close()`, or a server restart while it was attached); nothing may be lost, whether
 *   it was resumed on the way or not;
 * - `lost`: it ended otherwise (a restart while it was detached, a link cut during the goaway,
 *   an expiry); its client must have been told (`failure`), and what the server had not
 *   acknowledged may be lost, only at its end.
 */
export interface SessionView {
  client: number;
  sessionId: string;
  log: SessionLog;
  /** The server's report; missing when the server never reported the session. */
  report: SessionReport | undefined;
  fate: "intact" | "lost";
  /** The resume failure of a later `open` of the same client that names this session. */
  failure: ResumeFailure | undefined;
  /** The resume failure reported by the `open` that started this session, if one was. */
  openedAfter: ResumeFailure | undefined;
  /** True for the client's last session (the one its final `close()` ended). */
  final: boolean;
}

/** Client sessions joined with the server's reports, and the reports no client knows. */
export interface JoinedSessions {
  views: SessionView[];
  /** Per client, its views by session id. */
  byClient: Map<number, Map<string, SessionView>>;
  /**
   * Sessions the server opened that no client ever saw open: the welcome was lost in a cut. The
   * client cannot know their token, so they wait, detached, until a restart or the end.
   */
  orphans: SessionReport[];
}

export function joinSessions(
  ledgers: readonly ClientLedger[],
  reports: readonly SessionReport[],
): JoinedSessions {
  const bySession = new Map(reports.map((r) => [r.sessionId, r]));
  const known = new Set<string>();
  const views: SessionView[] = [];
  const byClient = new Map<number, Map<string, SessionView>>();
  for (const ledger of ledgers) {
    const failures = new Map<string, ResumeFailure>();
    const startedAfter = new Map<string, ResumeFailure>();
    for (const open of ledger.opens) {
      if (!open.failure) continue;
      failures.set(open.failure.previousSessionId, open.failure);
      startedAfter.set(open.sessionId, open.failure);
    }
    const mine = new Map<string, SessionView>();
    for (const [sessionId, log] of ledger.sessions) {
      known.add(sessionId);
      const report = bySession.get(sessionId);
      const view: SessionView = {
        client: ledger.client,
        sessionId,
        log,
        report,
        fate: report?.close.graceful ? "intact" : "lost",
        failure: failures.get(sessionId),
        openedAfter: startedAfter.get(sessionId),
        final: sessionId === ledger.lastSession,
      };
      views.push(view);
      mine.set(sessionId, view);
    }
    byClient.set(ledger.client, mine);
  }
  const orphans = reports.filter((r) => !known.has(r.sessionId));
  return { views, byClient, orphans };
}
