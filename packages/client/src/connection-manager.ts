import {
  type AnyContract,
  ErrorCode,
  type Reason,
  SockwireError,
  type Welcome,
  WireCode,
} from "@sockwire/protocol";
import {
  type CloseInfo,
  deferred,
  differsReport,
  periodFor,
  rejected,
  type Session,
  Ticker,
} from "@sockwire/protocol/internal";
import { Attempt, type AttemptHooks } from "./attempt.js";
import type { ConnectionState } from "./connection-state.js";
import { ConnectionTotals, type Counters } from "./counters.js";
import { resolveCredentials } from "./credentials.js";
import { closedError, isPermanentWireCode, lostError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import { type ManagerHooks, ReconnectLoop } from "./reconnect-loop.js";
import {
  endedSession,
  endInterrupted,
  helloResume,
  notConnectedError,
  resumeOutOfRange,
} from "./session-resume.js";
import type { ResumeFailure } from "./status.js";

export type { ManagerHooks } from "./reconnect-loop.js";

/**
 * Owns the connection lifecycle: attempts, the reconnect loop with backoff, the server's goaway,
 * graceful close and destroy. Every state change goes through the pure `transition()` and is
 * published as a status (the state machine and the reconnect loop are its base class,
 * {@link ReconnectLoop}). It knows nothing about queues or listeners; the client facade does.
 */
export class ConnectionManager extends ReconnectLoop {
  reconnects = 0;
  welcome: Welcome | undefined;
  /** The attempt in progress, or the open connection. */
  private current: Attempt | undefined;
  /** A session that ended (not resumable, or by goaway) while the client goes on: reported at the next open. */
  private ended: ResumeFailure | undefined;
  /** What the last welcome said about resuming: the token for the next resume and its window. */
  private resumeTerms: Welcome["resume"];
  /** True while `onResumeFailed` listeners run: their sends go out before the queue. */
  holdingQueue = false;
  private readonly ticker: Ticker;
  private readonly totals = new ConnectionTotals();
  private readonly attemptHooks: AttemptHooks;

  constructor(
    private readonly contract: AnyContract,
    options: ResolvedOptions,
    hooks: ManagerHooks,
  ) {
    super(options, hooks);
    this.ticker = new Ticker(periodFor(options.frameTimeoutMs || 30_000));
    this.attemptHooks = {
      opened: (attempt, welcome) => this.onOpened(attempt, welcome),
      resumed: (attempt, welcome) => this.onResumed(attempt, welcome),
      detached: (attempt, info) => this.onDetached(attempt, info),
      event: hooks.event,
      request: hooks.request,
      stream: hooks.stream,
      error: hooks.error,
      goaway: (attempt, reason) => this.onGoaway(attempt, reason),
      closed: (attempt, info, failure) => this.onClosed(attempt, info, failure),
    };
  }

  /** The open connection's session, if the client is open. */
  get session(): Session | undefined {
    // After the server's FIN the session no longer accepts messages while its socket closes;
    // in that moment messages take the offline path instead of failing.
    const session = this.state === "open" ? this.current?.session : undefined;
    return session?.state === "open" ? session : undefined;
  }

  /** The open connection's socket, if the client is open. */
  get socket(): Attempt["socket"] | undefined {
    return this.state === "open" ? this.current?.socket : undefined;
  }

  connect(): Promise<void> {
    switch (this.state) {
      case "idle": {
        if (this.options.signal?.aborted) {
          const error = closedError(
            "connect was aborted by the client's signal",
            this.options.signal.reason,
          );
          this.destroy(error);
          return rejected(error);
        }
        this.options.signal?.addEventListener("abort", this.onAbort, { once: true });
        const waiter = this.waitOpen();
        this.move({ type: "connect" }, { state: "connecting", attempt: 1, reconnect: false });
        void this.startAttempt();
        return waiter;
      }
      case "open":
        return Promise.resolve();
      case "connecting":
      case "reconnecting":
        return this.waitOpen();
      default:
        return rejected(closedError(`the client is ${this.state}`));
    }
  }

  close(timeoutMs: number = this.options.closeTimeoutMs): Promise<void> {
    if (this.state === "closed") return Promise.resolve();
    this.closeDone ??= deferred<void>(true);
    if (this.state === "closing") return this.closeDone.promise;
    const previous = this.state;
    if (previous === "idle") {
      this.move({ type: "close" });
      this.finish(true, undefined);
      return this.closeDone.promise;
    }
    this.stopBackoff();
    this.generation++;
    this.move({ type: "close" }, { state: "closing", initiator: "local" });
    // A status listener may have destroyed the client (move() changes state; TS cannot see it).
    if ((this.state as ConnectionState) !== "closing") return this.closeDone.promise;
    const open = previous === "open" ? this.current : undefined;
    this.hooks.closing(open?.session);
    if (open) open.session.close(WireCode.NORMAL, "", undefined, timeoutMs);
    else this.current?.abort(closedError("connect was cancelled by close()"));
    this.closeTimer = setTimeout(() => {
      const error = closedError(`close did not complete within ${timeoutMs} ms; socket destroyed`);
      this.current?.session.destroy(WireCode.NORMAL, error);
      this.draining?.session.destroy(WireCode.NORMAL, error);
    }, timeoutMs);
    if (!this.current && !this.draining) this.finish(true, undefined);
    return this.closeDone.promise;
  }

  destroy(error?: SockwireError): void {
    if (this.state === "closed") return;
    this.move({ type: "destroy" });
    this.stopBackoff();
    this.generation++;
    const attempts = [this.current, this.draining];
    this.current = undefined;
    this.draining = undefined;
    // No error on the session: a local close without one rejects what is pending with
    // ERR_CONNECTION_CLOSED, which is what the caller of destroy() asked for.
    for (const attempt of attempts) attempt?.destroy();
    this.finish(false, error);
  }

  /** Frames and bytes over every connection so far, plus what the live ones hold now. */
  counters(): Counters {
    return this.totals.read([
      this.current?.session,
      this.draining?.session,
      this.interrupted?.attempt.session,
    ]);
  }

  /**
   * Resolves once the server has acknowledged everything sent so far, across resumes (see
   * `Session.delivered`); while a link is being replaced, it waits for the resumed one.
   */
  delivered(): Promise<void> {
    const attempt =
      this.current?.session.state === "open" ? this.current : this.interrupted?.attempt;
    if (attempt === undefined) return rejected(notConnectedError(this.state));
    return attempt.session.delivered();
  }

  // ── attempts ───────────────────────────────────────────────────────────────────────────

  protected async startAttempt(): Promise<void> {
    const generation = ++this.generation;
    const stale = () => generation !== this.generation || this.state !== "connecting";
    let credentials: unknown;
    try {
      credentials = await resolveCredentials(this.contract, this.options);
    } catch (error) {
      if (!stale()) this.attemptFailed(error as SockwireError);
      return;
    }
    if (stale()) return;
    try {
      this.current = new Attempt(
        this.contract,
        this.options,
        credentials,
        this.ticker,
        this.attemptHooks,
        helloResume(this.options, this.interrupted, this.resumeTerms),
      );
    } catch (error) {
      // node:tls throws synchronously for unusable options (a malformed CA, key or certificate).
      this.attemptFailed(
        new SockwireError(ErrorCode.CONNECT_FAILED, "could not start the connection", {
          cause: error,
        }),
      );
    }
  }

  private onOpened(attempt: Attempt, welcome: Welcome): void {
    if (attempt !== this.current) return;
    const reconnect = this.everOpened;
    if (reconnect) this.reconnects++;
    this.everOpened = true;
    this.failures = 0;
    this.welcome = welcome;
    this.resumeTerms = welcome.resume;
    const failure = this.interrupted ? endInterrupted(this.interrupted, welcome) : this.ended;
    this.interrupted = undefined;
    this.ended = undefined;
    const disabled = attempt.terms?.disabled ?? [];
    this.move(
      { type: "open" },
      {
        state: "open",
        sessionId: welcome.sessionId,
        reconnect,
        disabled,
        resumed: false,
        ...(failure ? { resumeFailure: failure } : {}),
      },
    );
    if (this.state !== "open") return; // a status listener closed the client
    // Once per connection: what the server's other contract version disables here.
    if (attempt.terms !== undefined && disabled.length > 0) {
      this.hooks.error(differsReport(attempt.terms, welcome.contract?.digest ?? ""));
    }
    // The application re-joins rooms and re-subscribes first; what was queued waits for it, and
    // what the listeners send goes out at once (the flag is up before they run).
    this.holdingQueue = failure !== undefined;
    const rejoin = failure && this.hooks.resumeFailed(failure);
    if (rejoin === undefined) {
      this.holdingQueue = false;
      this.ready(attempt);
    } else {
      void rejoin.finally(() => {
        this.holdingQueue = false;
        if (this.current === attempt && this.state === "open") this.ready(attempt);
      });
    }
  }

  /** The session is ready for what was queued; `connect()` callers resume. */
  private ready(attempt: Attempt): void {
    this.hooks.opened(attempt.session);
    for (const waiter of this.openWaiters.splice(0)) waiter.resolve();
  }

  /** The welcome resumed the interrupted session: it takes this attempt's link (session-resume.ts). */
  private onResumed(attempt: Attempt, welcome: Welcome): void {
    const interrupted = this.interrupted;
    if (attempt !== this.current || interrupted === undefined) return;
    if (!interrupted.attempt.adopt(attempt, welcome)) {
      attempt.abort(resumeOutOfRange());
      return;
    }
    this.interrupted = undefined;
    this.current = interrupted.attempt;
    this.reconnects++;
    this.failures = 0;
    this.welcome = welcome;
    this.resumeTerms = welcome.resume;
    const disabled = this.current.terms?.disabled ?? [];
    const sessionId = welcome.sessionId;
    const status = { state: "open", sessionId, reconnect: true, disabled, resumed: true } as const;
    this.move({ type: "open" }, status);
    if (this.state !== "open") return;
    this.ready(this.current);
  }

  /** The open connection's link is lost; its session waits to be resumed on the next one. */
  private onDetached(attempt: Attempt, info: CloseInfo): void {
    if (attempt !== this.current || this.state !== "open") return;
    this.current = undefined;
    this.interrupted = { attempt, since: Date.now() };
    const error = lostError(info.code, info.message, info.error);
    this.scheduleReconnect(error, info.reconnectAfterMs);
  }

  private onGoaway(attempt: Attempt, reason: Reason): void {
    if (attempt !== this.current || this.state !== "open") return;
    this.current = undefined;
    this.draining = attempt;
    this.ended = endedSession(attempt);
    const error = new SockwireError(
      ErrorCode.CONNECTION_LOST,
      `the server is going away (${reason.code})`,
      {
        remoteCode: reason.code,
        details: { message: reason.message ?? "", reconnectAfterMs: reason.reconnectAfterMs },
      },
    );
    if (!this.willReconnect || isPermanentWireCode(reason.code)) {
      // The server ends this connection and we will not come back: close along with it.
      this.closingError = error;
      this.closeDone ??= deferred<void>(true);
      this.move({ type: "close" }, { state: "closing", initiator: "remote" });
      this.hooks.closing(undefined);
      return;
    }
    this.scheduleReconnect(error, reason.reconnectAfterMs);
  }

  private onClosed(attempt: Attempt, info: CloseInfo, failure: SockwireError | undefined): void {
    this.totals.retire(attempt.session);
    if (attempt === this.interrupted?.attempt) {
      // Ended while waiting (close(), or the client gave up): nothing more to resume.
      this.interrupted = undefined;
      return;
    }
    if (attempt === this.draining) {
      this.draining = undefined;
      if (this.state === "closing" && !this.current) this.finish(info.graceful, this.closingError);
      else if (this.state === "reconnecting" && this.attemptDue) this.beginReconnect();
      return;
    }
    if (attempt !== this.current) return;
    this.current = undefined;
    if (this.state === "closing") {
      // An attempt cut short by close() had nothing accepted in flight: that close lost nothing.
      if (!this.draining) this.finish(attempt.opened ? info.graceful : true, this.closingError);
    } else if (this.state === "connecting") {
      this.attemptFailed(failure ?? lostError(info.code, info.message, info.error));
    } else if (this.state === "open") {
      this.ended = endedSession(attempt);
      const error = lostError(info.code, info.message, info.error);
      if (info.initiator === "remote" && isPermanentWireCode(info.code)) this.giveUp(error);
      else this.scheduleReconnect(error, info.reconnectAfterMs);
    }
  }
}
