import type { Side } from "../contract/types.js";
import { encodeEnvelope } from "../envelope/envelope.js";
import { Kind } from "../envelope/kinds.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { WireCode } from "../errors/wire-codes.js";
import type { Reason } from "../handshake/handshake.js";
import { encodeControl } from "../message/control.js";
import {
  ACTIVE,
  type CloseEvent,
  CloseReasons,
  type CloseState,
  closeTransition,
} from "./close-sequencer.js";
import type { InboundReader } from "./inbound-reader.js";
import type { IncomingRequests } from "./incoming-requests.js";
import { lost } from "./session-errors.js";
import type { SessionOutput } from "./session-output.js";
import type { CloseInfo } from "./session-types.js";
import type { SocketLike } from "./socket-like.js";
import { clip, wireCodeOf } from "./wire-error.js";

/**
 * The session as its closer sees it: the parts the close drives, and what the closer tells it.
 * The closer reaches the parts through the session rather than holding a record of them: one
 * object fewer on every idle connection.
 */
export interface CloserHost {
  readonly options: { readonly side: Side; readonly limits: { readonly closeTimeoutMs: number } };
  readonly socket: SocketLike;
  readonly output: SessionOutput;
  readonly reader: InboundReader;
  readonly incoming: IncomingRequests;
  /** Streams open either way: a graceful close waits for them (PROTOCOL.md 8.7). */
  readonly openStreams: number;
  /** Every open stream fails with `cause` (a protocol error, the end). */
  endStreams(cause: SockwireError): void;
  /**
   * True when a lost link would detach the session rather than end it: both peers agreed to
   * resume it, it is open, and its replay log kept everything.
   */
  readonly detachable: boolean;
  /** Sends an ack of everything read so far (resumable sessions), just before our FIN. */
  finalAck(): void;
  /**
   * Sequenced frames we sent that the peer has not acknowledged; 0 when sessions do not resume.
   * Each side acknowledges all it read just before its FIN, so at the peer's FIN anything left
   * here never reached it.
   */
  readonly unacknowledged: number;
  /** The link is lost and the session detaches (see `detachable`), for the reason `info`. */
  linkLost(info: CloseInfo): void;
  /** The session starts closing, to be done within `timeoutMs`: no new work from now on. */
  closingStarted(timeoutMs: number): void;
  /** The session has ended; called once, with how. */
  closed(info: CloseInfo): void;
}

/**
 * Runs a session's close: it holds the close state (close-sequencer.ts has the states, the
 * transition table and its diagram), performs what entering each phase takes (the close timer,
 * flushing, resuming input, the FIN), records the reason (first one wins, see CloseReasons), and
 * at the end fails whatever still waits for an answer or a write.
 *
 * Entering a phase, once (the state is set before the effects, which can come back here: a FIN
 * held back by paused input arrives when reading resumes):
 *
 * | phase entered      | effects                                                      |
 * |--------------------|--------------------------------------------------------------|
 * | draining           | the close timer starts; the FIN follows once nothing is in flight |
 * | awaiting-peer-fin  | flush, read again                                            |
 * | fin-sent           | flush, read again, FIN                                       |
 * | closed             | timer cleared; waiting sends and requests fail; owner told  |
 */
export class SessionCloser {
  private state: CloseState = ACTIVE;
  /** Made when the first reason is recorded: most connections live long before they close. */
  private recorded: CloseReasons | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly host: CloserHost) {}

  /** Why the session closes: the first reason recorded wins (see CloseReasons). */
  get reasons(): CloseReasons {
    this.recorded ??= new CloseReasons();
    return this.recorded;
  }

  /** True until a close begins. */
  get active(): boolean {
    return this.state.phase === "active";
  }

  /** True once the session has ended. */
  get finished(): boolean {
    return this.state.phase === "closed";
  }

  /** True once our FIN is out (or the session ended): nothing more may be written. */
  get outputEnded(): boolean {
    const phase = this.state.phase;
    return phase === "fin-sent" || phase === "closed";
  }

  /** A graceful close begins: `goaway` when one went either way (the session was open). */
  begin(goaway: boolean, timeoutMs?: number): void {
    this.move({ type: "begin", goaway }, timeoutMs);
  }

  /**
   * The peer's FIN, after every frame before it. It sends nothing more, so our requests still
   * waiting will never be answered; its requests in flight are still answered (it may read).
   */
  peerEnded(truncated: SockwireError | undefined): void {
    // A FIN without goaway is a link lost (a crashed peer, a proxy that cut the connection): a
    // resumable session waits for the peer to come back. A truncated frame is not replayed twice:
    // it was never counted, so the peer sends it again whole.
    if (this.active && this.host.detachable) {
      this.reasons.record(WireCode.NORMAL, "the peer closed the connection", "remote", truncated);
      this.detach();
      return;
    }
    if (truncated && this.active) {
      // A protocol error like any other (PROTOCOL.md 8.4): the peer may still read, so it is
      // told why before our FIN. The close is the peer's doing (it ended mid-frame).
      this.fail(truncated);
      this.reasons.blamePeer();
      this.move({ type: "peer-fin" });
      return;
    }
    // Already closing (a goaway, a reject): the reason that started the close stands.
    this.reasons.record(
      truncated ? WireCode.PROTOCOL_ERROR : WireCode.NORMAL,
      truncated ? truncated.message : "the peer closed the connection",
      "remote",
      truncated,
    );
    // A plain FIN has no error of its own; say so in the cause, as finish() does, so callers
    // always learn why. Built only when a request is waiting: an error captures a stack, and
    // most FINs find none.
    let cause: SockwireError | undefined;
    this.host.output.rejectPending((name) => {
      const reason = this.reasons.current;
      cause ??=
        reason?.error ??
        new SockwireError(
          ErrorCode.CONNECTION_CLOSED,
          `the peer closed the connection (${reason?.code ?? WireCode.NORMAL})`,
        );
      return lost(name, cause);
    });
    // The peer sends nothing more: a stream still open either way cannot end as it should.
    if (this.host.openStreams > 0) {
      cause ??= new SockwireError(
        ErrorCode.CONNECTION_CLOSED,
        `the peer closed the connection (${this.reasons.current?.code ?? WireCode.NORMAL})`,
      );
      this.host.endStreams(cause);
    }
    // A request or stream of ours went unfinished, or the peer's last ack (sent just before its FIN) left
    // frames of ours unread (a middlebox that dropped them): whatever the peer thinks, this
    // close lost something.
    const unread = this.host.unacknowledged;
    if (cause === undefined && unread > 0) {
      cause = new SockwireError(
        ErrorCode.CONNECTION_LOST,
        `the peer closed the connection before acknowledging ${unread} frame(s) sent to it`,
      );
    }
    if (cause !== undefined) this.reasons.failed(cause);
    this.move({ type: "peer-fin" });
  }

  /**
   * Fatal protocol error: tell the peer why (error frame, id 0, with `code`), stop interpreting
   * input, abandon work both ways, and close gracefully so that frame is not lost to an RST.
   * `lingerMs` bounds the close when the peer is misbehaving.
   */
  fail(error: SockwireError, code = wireCodeOf(error), lingerMs?: number): void {
    const state = this.state;
    if (state.phase === "closed") return;
    if ((state.phase === "draining" || state.phase === "fin-sent") && state.discard) return;
    const parts = this.host;
    parts.reader.discard();
    this.reasons.record(code, error.message, "local", error, { replace: true });
    const reason: Reason = { code, message: clip(error.message) };
    parts.output.sendRaw(encodeEnvelope({ kind: Kind.ERROR }, encodeControl(reason)));
    parts.incoming.abandonAll({ code, message: "connection failed" });
    parts.output.rejectPending((name) => lost(name, error));
    parts.endStreams(error);
    this.move({ type: "protocol-error" }, lingerMs);
  }

  /** Half-closes once nothing is in flight either way (at once when discarding input). */
  maybeEnd(): void {
    const state = this.state;
    if (state.phase !== "draining") return;
    const parts = this.host;
    const busy = parts.incoming.size > 0 || parts.output.inFlight > 0 || parts.openStreams > 0;
    if (!state.discard && busy) return;
    this.move({ type: "work-done" });
  }

  /** Immediate close: the socket is destroyed, pending output dropped (lossy by design). */
  destroy(code: string, error: SockwireError | undefined): void {
    if (this.finished) return;
    this.reasons.record(code, error?.message ?? "", "local", error);
    // A dead heartbeat is a lost link, which a resumable session survives.
    if (code === WireCode.HEARTBEAT_TIMEOUT && this.active && this.host.detachable) {
      this.detach();
      return;
    }
    this.host.socket.destroy();
    this.finish(false);
  }

  /** The socket failed: its error is the reason, unless one was recorded already. */
  socketError(error: Error): void {
    if (this.finished) return;
    this.reasons.record(
      WireCode.SOCKET_ERROR,
      error.message,
      "remote",
      new SockwireError(ErrorCode.SOCKET_ERROR, `socket error: ${error.message}`, { cause: error }),
    );
  }

  /** The socket closed: graceful when our FIN went out in order and nothing failed. */
  socketClosed(): void {
    if (this.active && this.host.detachable) {
      this.detach();
      return;
    }
    this.finish(this.state.phase === "fin-sent" && this.reasons.current?.error === undefined);
  }

  /** A new link replaces one that still looks alive (a resume won the race): detach now. */
  linkReplaced(): void {
    if (!this.active || !this.host.detachable) return;
    this.reasons.record(WireCode.NORMAL, "replaced by a resumed connection", "local", undefined);
    this.detach();
  }

  /**
   * The link is lost, the session lives on (still `active`): its owner hears why, and the reason
   * is forgotten, so the session's final close reports its own.
   */
  private detach(): void {
    const info = this.reasons.info(false);
    this.recorded = undefined;
    this.host.linkLost(info);
  }

  /** Applies a close event and performs what entering the new phase takes. */
  private move(event: CloseEvent, timeoutMs = this.host.options.limits.closeTimeoutMs): void {
    const before = this.state;
    const after = closeTransition(before, event, this.host.options.side);
    if (after === before) return;
    const parts = this.host;
    // Our last frame before the FIN (written while output is still open): the ack of all we read.
    if (after.phase === "fin-sent" && before.phase !== "fin-sent") parts.finalAck();
    this.state = after;
    if (before.phase === "active") {
      this.host.closingStarted(timeoutMs);
      this.timer = setTimeout(() => this.timedOut(), timeoutMs);
    }
    if (after.phase === "draining") {
      // Nothing in flight (or input discarded): straight on to the FIN.
      this.maybeEnd();
      return;
    }
    if (after.phase === before.phase) return;
    if (after.phase === "awaiting-peer-fin" || after.phase === "fin-sent") {
      parts.output.writer.flush();
      parts.reader.resume();
      if (after.phase === "fin-sent") parts.socket.end();
    }
  }

  private timedOut(): void {
    const error = new SockwireError(
      ErrorCode.CONNECTION_CLOSED,
      "close timed out; socket destroyed",
    );
    // The reason stays (a goaway's code); the timeout becomes its error so the close reads as abnormal.
    this.reasons.failed(error);
    this.destroy(this.reasons.current?.code ?? WireCode.NORMAL, error);
  }

  private finish(graceful: boolean): void {
    if (this.finished) return;
    this.state = closeTransition(this.state, { type: "closed" }, this.host.options.side);
    if (this.timer) clearTimeout(this.timer);
    const info = this.reasons.info(graceful);
    this.failWaiting(info);
    this.host.closed(info);
  }

  /**
   * Fails what still waits: queued sends and our pending requests, and abandons the peer's
   * requests. The errors are built only if something waits: most connections close with nothing
   * in flight, and each error costs a stack capture (~2.5 µs), which showed in the churn profile.
   */
  private failWaiting(info: CloseInfo): void {
    const clean = info.initiator === "local" && info.error === undefined;
    let closedCause: SockwireError | undefined;
    const cause = (): SockwireError => {
      if (info.error) return info.error;
      closedCause ??= new SockwireError(
        ErrorCode.CONNECTION_CLOSED,
        `connection closed (${info.code})`,
      );
      return closedCause;
    };
    const output = this.host.output;
    output.writer.close(() =>
      clean
        ? new SockwireError(ErrorCode.CONNECTION_CLOSED, "the connection was closed")
        : new SockwireError(ErrorCode.CONNECTION_LOST, `the connection was lost (${info.code})`, {
            cause: cause(),
          }),
    );
    output.rejectPending((name) =>
      clean
        ? new SockwireError(
            ErrorCode.CONNECTION_CLOSED,
            `request ${name} was abandoned: the connection was closed`,
          )
        : lost(name, cause()),
    );
    this.host.incoming.clear({ code: info.code, message: "the connection ended" });
  }
}
