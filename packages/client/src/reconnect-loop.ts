import { type SockwireError, WireCode } from "@sockwire/protocol";
import {
  type Deferred,
  deferred,
  type RequestContext,
  type Session,
  type StreamContext,
  type StreamHandlerResult,
} from "@sockwire/protocol/internal";
import type { Attempt } from "./attempt.js";
import { type ConnectionEvent, type ConnectionState, transition } from "./connection-state.js";
import { closedError, isPermanentFailure } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import { backoffDelay } from "./reconnect-policy.js";
import type { Interrupted } from "./session-resume.js";
import type { ClientStatus, ResumeFailure } from "./status.js";

/** What the connection manager tells the client facade. */
export interface ManagerHooks {
  event(name: string, data: unknown): unknown;
  request(name: string, params: unknown, context: RequestContext): unknown;
  /** A stream the server opened: its handler's items, or undefined for none. */
  stream(name: string, input: unknown, context: StreamContext): StreamHandlerResult | undefined;
  error(error: SockwireError): void;
  status(status: ClientStatus): void;
  /** A connection opened; called synchronously, before any frame after the welcome is routed. */
  opened(session: Session): void;
  /** `close()` began: hand everything queued to `session` (open) or fail it (not open). */
  closing(session: Session | undefined): void;
  /** The client reached `closed`. */
  finished(error: SockwireError | undefined): void;
  /**
   * A reconnect started a new session instead of resuming the interrupted one: the listeners run
   * (awaited) before `opened` hands the queue to the session.
   */
  resumeFailed(failure: ResumeFailure): Promise<void> | undefined;
}

/**
 * The state of a client's connection and the loop that keeps it up: every state change goes
 * through the pure `transition()` and is published as a status; a lost connection is tried
 * again after a backoff until one opens, the attempts run out or a failure is permanent; and
 * `finish` is the one way into `closed`. The base of `ConnectionManager` (connection-manager.ts),
 * which starts the attempts and acts on what they report.
 */
export abstract class ReconnectLoop {
  state: ConnectionState = "idle";
  /** The state before the last change (for the status's `previous`). */
  private previousState: ConnectionState = "idle";
  /** True once a connection has opened; reconnecting only applies after that. */
  everOpened = false;
  /** A connection the server is closing (goaway) while we already prepare the next one. */
  protected draining: Attempt | undefined;
  /** The session a lost link interrupted, waiting to be resumed (see session-resume.ts). */
  protected interrupted: Interrupted | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  protected attemptDue = false;
  protected closeTimer: NodeJS.Timeout | undefined;
  protected failures = 0;
  /** Bumped whenever a pending asynchronous start must be abandoned. */
  protected generation = 0;
  protected openWaiters: Deferred<void>[] = [];
  protected closeDone: Deferred<void> | undefined;
  /** Error to report when the client reaches `closed` after a remote-initiated close. */
  protected closingError: SockwireError | undefined;
  protected readonly onAbort = () => {
    const reason = this.options.signal?.reason;
    if (this.everOpened) void this.close();
    else this.destroy(closedError("connect was aborted by the client's signal", reason));
  };

  constructor(
    protected readonly options: ResolvedOptions,
    protected readonly hooks: ManagerHooks,
  ) {}

  /** Starts the next attempt (the first, or a reconnect). */
  protected abstract startAttempt(): Promise<void>;
  abstract close(timeoutMs?: number): Promise<void>;
  abstract destroy(error?: SockwireError): void;

  /** Whether a lost connection will be retried. */
  get willReconnect(): boolean {
    return (
      this.options.reconnect !== false &&
      this.everOpened &&
      this.failures < this.options.reconnect.maxAttempts
    );
  }

  protected attemptFailed(error: SockwireError): void {
    if (!this.everOpened) {
      this.giveUp(error);
      return;
    }
    this.failures++;
    if (isPermanentFailure(error)) this.giveUp(error);
    else this.scheduleReconnect(error);
  }

  protected scheduleReconnect(error: SockwireError, hintMs?: number): void {
    if (!this.willReconnect || this.options.reconnect === false) {
      this.giveUp(error);
      return;
    }
    const delayMs = Math.max(hintMs ?? 0, backoffDelay(this.failures, this.options.reconnect));
    this.move(
      { type: "drop", retry: true },
      { state: "reconnecting", attempt: this.failures + 1, delayMs, error },
    );
    if (this.state !== "reconnecting") return; // a status listener closed or destroyed the client
    this.attemptDue = false;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      if (this.draining) this.attemptDue = true;
      else this.beginReconnect();
    }, delayMs);
  }

  protected beginReconnect(): void {
    this.attemptDue = false;
    if (
      !this.move(
        { type: "backoff" },
        { state: "connecting", attempt: this.failures + 1, reconnect: true },
      )
    )
      return;
    void this.startAttempt();
  }

  /** Closes for good because of `error` (first connect failed, permanent failure, attempts exhausted). */
  protected giveUp(error: SockwireError): void {
    this.move({ type: "drop", retry: false });
    this.stopBackoff();
    this.finish(false, error);
  }

  /** The last step into `closed`: release timers, settle waiters, tell the facade, publish. */
  protected finish(graceful: boolean, error: SockwireError | undefined): void {
    if (this.state === "closing") this.move({ type: "ended" });
    const interrupted = this.interrupted;
    this.interrupted = undefined;
    interrupted?.attempt.session.destroy(
      WireCode.NORMAL,
      error ?? closedError("the client was closed"),
    );
    this.stopBackoff();
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = undefined;
    this.generation++;
    this.options.signal?.removeEventListener("abort", this.onAbort);
    this.hooks.finished(error);
    if (this.openWaiters.length > 0) {
      // Built only when someone waits: each error captures a stack.
      const failure = error ?? closedError("the client was closed");
      for (const waiter of this.openWaiters.splice(0)) waiter.reject(failure);
    }
    this.publish({ state: "closed", previous: this.previousState, graceful, error });
    this.closeDone?.resolve();
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────

  /** Applies `event`; publishes `status` (with `previous` filled in) when the state changed. */
  protected move(
    event: ConnectionEvent,
    status?: DistributiveOmit<ClientStatus, "previous">,
  ): boolean {
    const next = transition(this.state, event);
    if (next === undefined) return false;
    this.previousState = this.state;
    this.state = next;
    if (status) this.publish({ ...status, previous: this.previousState } as ClientStatus);
    return true;
  }

  private publish(status: ClientStatus): void {
    this.hooks.status(status);
  }

  protected waitOpen(): Promise<void> {
    const waiter = deferred<void>(true);
    this.openWaiters.push(waiter);
    return waiter.promise;
  }

  protected stopBackoff(): void {
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    this.attemptDue = false;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
