import { randomBytes } from "node:crypto";

/** What the resumption registry needs of a session it holds. */
export interface Resumable {
  /** Bytes its replay log holds (what a detached session costs). */
  readonly replayBytes: number;
  /**
   * Ends the detached session for good: its window passed, it was evicted to respect the bounds,
   * or a resume of it failed and its token is spent.
   */
  expire(reason: "expired" | "evicted" | "abandoned"): void;
}

/** Bounds of {@link Resumption}. */
export interface ResumptionLimits {
  readonly resumeWindowMs: number;
  readonly maxDetachedSessions: number;
  readonly maxDetachedBytes: number;
}

/**
 * The server's resumable sessions (PROTOCOL.md 8.6): which token names which session, and which
 * sessions are detached (their link lost), each until its window passes. Tokens are 128 random
 * bits. A resume replaces the token, and the one it was presented with stays valid only until
 * the client shows, by sending on the new link, that it received the welcome with the new one:
 * a link lost before the welcome arrived does not lose the session, and once confirmed the old
 * token finds nothing. An unknown token, an expired one and a spent one look the same to whoever
 * presents them.
 *
 * Detached sessions are bounded in number and in replay bytes together; past either bound the
 * session detached longest ago ends first. So a client that drops its connection over and over
 * holds at most one session per token, and many clients together hold at most the bounds.
 */
export class Resumption<S extends Resumable> {
  private readonly byToken = new Map<string, S>();
  /** Each session's tokens: the current one, and the one its last resume was made with. */
  private readonly tokensOf = new Map<S, { current: string; previous: string | undefined }>();
  /** Detached sessions in the order they detached, with their window timers and replay bytes. */
  private readonly waiting = new Map<S, { timer: NodeJS.Timeout; bytes: number }>();
  /** Replay bytes all detached sessions hold together (the sum of `waiting`'s `bytes`). */
  private detachedBytes = 0;

  constructor(private readonly limits: ResumptionLimits) {}

  /** Detached sessions now. */
  get detachedCount(): number {
    return this.waiting.size;
  }

  /**
   * A fresh token for `session`, replacing the ones it had, except `presented` (the token of the
   * resume in progress), which stays valid until {@link confirm}.
   */
  issue(session: S, presented?: string): string {
    this.revoke(session);
    const token = randomBytes(16).toString("base64url");
    this.byToken.set(token, session);
    if (presented !== undefined) this.byToken.set(presented, session);
    this.tokensOf.set(session, { current: token, previous: presented });
    return token;
  }

  /** The session `token` names, if any. */
  find(token: string): S | undefined {
    return this.byToken.get(token);
  }

  /** The client received the welcome of `session`'s last resume: the token it used is spent. */
  confirm(session: S): void {
    const tokens = this.tokensOf.get(session);
    if (tokens?.previous === undefined) return;
    this.byToken.delete(tokens.previous);
    tokens.previous = undefined;
  }

  /** `session` lost its link: it waits for its client until the window passes. */
  detached(session: S): void {
    this.stopWaiting(session);
    const timer = setTimeout(() => {
      this.waiting.delete(session);
      this.revoke(session);
      session.expire("expired");
    }, this.limits.resumeWindowMs);
    timer.unref();
    const bytes = session.replayBytes;
    this.waiting.set(session, { timer, bytes });
    this.detachedBytes += bytes;
    this.evictOverLimits();
  }

  /** A detached session kept more for replay (something was sent to it): the bounds apply. */
  grew(session: S): void {
    const entry = this.waiting.get(session);
    if (entry === undefined) return;
    const bytes = session.replayBytes;
    this.detachedBytes += bytes - entry.bytes;
    entry.bytes = bytes;
    this.evictOverLimits();
  }

  /** `session` has a link again. */
  reattached(session: S): void {
    this.stopWaiting(session);
  }

  /** `session` ended: its token and its wait are forgotten. */
  forget(session: S): void {
    this.stopWaiting(session);
    this.revoke(session);
  }

  /** Ends detached sessions, oldest first, while there are too many or they hold too much. */
  private evictOverLimits(): void {
    const { maxDetachedSessions, maxDetachedBytes } = this.limits;
    for (const session of this.waiting.keys()) {
      if (this.waiting.size <= maxDetachedSessions && this.detachedBytes <= maxDetachedBytes) {
        break;
      }
      this.forget(session);
      session.expire("evicted");
    }
  }

  private stopWaiting(session: S): void {
    const entry = this.waiting.get(session);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.detachedBytes -= entry.bytes;
    this.waiting.delete(session);
  }

  /** Forgets every token of `session`. */
  revoke(session: S): void {
    const tokens = this.tokensOf.get(session);
    if (tokens === undefined) return;
    this.tokensOf.delete(session);
    this.byToken.delete(tokens.current);
    if (tokens.previous !== undefined) this.byToken.delete(tokens.previous);
  }
}
