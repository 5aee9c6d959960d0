import { ErrorCode, type Hello, SockwireError, type Welcome } from "@sockwire/protocol";
import type { Session } from "@sockwire/protocol/internal";
import type { ResolvedOptions } from "./options.js";
import type { Resumable, Resumption } from "./resumption.js";

// What a welcome says about resumption, and the limits a resumable session runs with
// (PROTOCOL.md 8.6). The registry of tokens and detached sessions is resumption.ts; the
// takeover itself is ConnectionCore.adopt.

/** The resumption registry to use for `hello`: only when the client asked and speaks 1.1. */
export function resumptionFor(
  hello: Hello,
  resumption: Resumption<Resumable> | undefined,
): Resumption<Resumable> | undefined {
  return hello.resume !== undefined && hello.protocol.minor >= 1 ? resumption : undefined;
}

/** The welcome's `resume` for a new session. */
export function newSessionTerms(
  token: string,
  options: ResolvedOptions,
): NonNullable<Welcome["resume"]> {
  return { token, windowMs: options.resumeWindowMs, resumed: false };
}

/** The welcome's `resume` for a resumed session: what the server received of it, modulo 2^32. */
export function resumedTerms(
  token: string,
  options: ResolvedOptions,
  session: Session,
): NonNullable<Welcome["resume"]> {
  const received = (session.resume?.received ?? 0) % 2 ** 32;
  return { token, windowMs: options.resumeWindowMs, resumed: true, received };
}

/** Why a detached session ended without being resumed. */
export function sessionExpired(reason: "expired" | "evicted" | "abandoned"): SockwireError {
  const message =
    reason === "expired"
      ? "the session was not resumed within its window"
      : reason === "evicted"
        ? "the session was ended to make room for others (too many detached sessions, or too much kept for them)"
        : "a resume of the session could not be served (another contract, or a count its replay buffer no longer covers)";
  return new SockwireError(ErrorCode.SESSION_EXPIRED, message, { details: { reason } });
}
