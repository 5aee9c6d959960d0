import { ErrorCode, type Hello, SockwireError, type Welcome, WireCode } from "@sockwire/protocol";
import type { Attempt } from "./attempt.js";
import type { ConnectionState } from "./connection-state.js";
import type { ResolvedOptions } from "./options.js";
import type { ResumeFailure } from "./status.js";

// The client's side of resumable sessions (PROTOCOL.md 8.6). When an open connection's link is
// lost, its session (requests in flight, what the server has not acknowledged) waits while the
// client reconnects; the next hello names it with the token of the last welcome, and a welcome
// that resumes it hands the new link over (Attempt.adopt). A welcome that does not is reported
// with its reason, never silently: the interrupted session then ends (what it still waited for
// fails as lost, idempotent requests are sent again).

/** The session a lost link interrupted, and since when. */
export interface Interrupted {
  readonly attempt: Attempt;
  /** `Date.now()` when the link was lost. */
  readonly since: number;
  /** Set when the last hello could not name the session, with why. */
  withheld?: ResumeFailure["reason"] | undefined;
}

/**
 * The hello's `resume` member for the next attempt: the interrupted session's token and what we
 * received of it when it can still be resumed; `{}` (a new, resumable session) otherwise; nothing
 * when resumption is off.
 */
export function helloResume(
  options: ResolvedOptions,
  interrupted: Interrupted | undefined,
  terms: Welcome["resume"],
): Hello["resume"] {
  // A client that will not reconnect could never resume: it does not pay for acknowledgements.
  if (!options.resume || options.reconnect === false) return undefined;
  if (interrupted === undefined) return {};
  interrupted.withheld = whyNot(interrupted, terms);
  if (interrupted.withheld !== undefined || terms === undefined) return {};
  const received = (interrupted.attempt.session.resume?.received ?? 0) % 2 ** 32;
  return { token: terms.token, received };
}

/**
 * Ends the interrupted session after a welcome that did not resume it, and says why and what
 * may be lost: the coded failure the status carries.
 */
export function endInterrupted(interrupted: Interrupted, welcome: Welcome): ResumeFailure {
  const session = interrupted.attempt.session;
  const previousSessionId = interrupted.attempt.welcome?.sessionId ?? "";
  const reason = welcome.resume === undefined ? "unsupported" : (interrupted.withheld ?? "unknown");
  const unacknowledged = session.resume?.log.unacked ?? 0;
  const message = `the session was not resumed (${reason}); ${unacknowledged} message(s) unacknowledged`;
  session.destroy(
    WireCode.SESSION_EXPIRED,
    new SockwireError(ErrorCode.SESSION_EXPIRED, message, { details: { reason } }),
  );
  return { reason, unacknowledged, previousSessionId };
}

/**
 * The failure to report for a session that ended instead of detaching (a goaway, or a session
 * that was never resumable), when the client reconnects after it.
 */
export function endedSession(attempt: Attempt): ResumeFailure {
  const resume = attempt.session.resume;
  return {
    reason: resume === undefined ? "unsupported" : "ended",
    unacknowledged: resume?.log.unacked ?? 0,
    previousSessionId: attempt.welcome?.sessionId ?? "",
  };
}

/** Why the interrupted session cannot be presented for resumption, if it cannot. */
function whyNot(
  interrupted: Interrupted,
  terms: Welcome["resume"],
): "expired" | "overflow" | "unsupported" | undefined {
  const resume = interrupted.attempt.session.resume;
  if (terms === undefined || resume === undefined) return "unsupported";
  if (resume.log.overflowed) return "overflow";
  if (Date.now() - interrupted.since >= terms.windowMs) return "expired";
  return undefined;
}

/** The server said it resumed, from a count our replay log cannot serve: the attempt fails. */
export function resumeOutOfRange(): SockwireError {
  return new SockwireError(
    ErrorCode.CONNECT_FAILED,
    "the server resumed the session from a point the replay log no longer covers",
  );
}

/** `delivered()` with no session to ask. */
export function notConnectedError(state: ConnectionState): SockwireError {
  return new SockwireError(ErrorCode.NOT_CONNECTED, `the client is ${state}`);
}
