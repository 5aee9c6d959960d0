import type { Side } from "../contract/types.js";
import type { SockwireError } from "../errors/sockwire-error.js";
import { WireCode } from "../errors/wire-codes.js";
import type { CloseInfo } from "./session-types.js";

/**
 * How a session closes (PROTOCOL.md 8.4), as one explicit state machine:
 *
 * ```
 *              begin (close(), a goaway either way, a reject, the peer's FIN)
 *   active ─────────────────────────────────────────────────► draining
 *     │                                                          │ nothing in flight either way
 *     │ protocol error: input discarded,                         │ (at once when discarding)
 *     │ work abandoned (also from draining)                      ├──────────────────────────► fin-sent
 *     └──────────────────────────────► draining (discard)        │ a client in a graceful      ▲
 *                                                                │ close, no FIN from the      │ the server's FIN
 *                                                                ▼ server yet                  │
 *                                                         awaiting-peer-fin ───────────────────┘
 *   fin-sent ── socket closed ──► closed          any state ── destroy, socket gone ──► closed
 * ```
 *
 * - `draining`: no new work; requests in flight finish both ways; input is read (or discarded
 *   after a protocol error). The close timer runs from here on.
 * - `awaiting-peer-fin`: a client in a graceful close (a goaway went either way) has flushed all it
 *   accepted and waits for the server's FIN before its own, so that the connection's TIME_WAIT
 *   state stays with the server instead of holding one of the client host's ephemeral ports.
 * - `fin-sent`: our FIN is out; we read until the peer's FIN and the socket closes.
 *
 * The transitions are the pure function {@link closeTransition}; the effects of entering a phase
 * (start the timer, flush, send the FIN, finish) are the session's, which compares phases before
 * and after. Which reason a close reports is decided here too, in one place ({@link CloseReasons}).
 */
export type CloseState =
  | { readonly phase: "active" }
  | {
      readonly phase: "draining";
      /** A goaway went one way or the other: both sides are closing gracefully. */
      readonly goaway: boolean;
      /** The peer's FIN has been handled. */
      readonly peerEnded: boolean;
      /** Input is read and dropped (after a protocol error), not interpreted. */
      readonly discard: boolean;
    }
  | { readonly phase: "awaiting-peer-fin" }
  | { readonly phase: "fin-sent"; readonly peerEnded: boolean; readonly discard: boolean }
  | { readonly phase: "closed" };

export type ClosePhase = CloseState["phase"];

/** What can happen to a closing session; the input of {@link closeTransition}. */
export type CloseEvent =
  /** A graceful close starts: `goaway` when one was sent or received (the session was open). */
  | { readonly type: "begin"; readonly goaway: boolean }
  /** The peer's FIN, after every frame before it was handled. */
  | { readonly type: "peer-fin" }
  /** A protocol error: from now on input is discarded and the work in flight abandoned. */
  | { readonly type: "protocol-error" }
  /** No request is in flight either way any more (or work was abandoned). */
  | { readonly type: "work-done" }
  /** The socket closed, or was destroyed. */
  | { readonly type: "closed" };

/** The state every session starts in. */
export const ACTIVE: CloseState = Object.freeze({ phase: "active" });
const CLOSED: CloseState = Object.freeze({ phase: "closed" });
const AWAITING: CloseState = Object.freeze({ phase: "awaiting-peer-fin" });

/**
 * The transition table in code. Returns the next state, or the same state object when the event
 * changes nothing there (the session then does nothing). Pure: no clock, no socket.
 *
 * | state \ event     | begin        | peer-fin         | protocol-error   | work-done                     | closed |
 * |-------------------|--------------|------------------|------------------|-------------------------------|--------|
 * | active            | draining     | draining (ended) | draining (disc.) | -                             | closed |
 * | draining          | -            | draining (ended) | draining (disc.) | fin-sent, or awaiting-peer-fin | closed |
 * | awaiting-peer-fin | -            | fin-sent (ended) | fin-sent (disc.) | -                             | closed |
 * | fin-sent          | -            | fin-sent (ended) | fin-sent (disc.) | -                             | closed |
 * | closed            | -            | -                | -                | -                             | -      |
 *
 * `work-done` in `draining` leads to `awaiting-peer-fin` only for a client in a graceful close
 * (goaway) whose peer has not ended and that is not discarding.
 *
 * @example
 * ```ts
 * const draining = closeTransition(ACTIVE, { type: "begin", goaway: true }, "client");
 * closeTransition(draining, { type: "work-done" }, "client").phase; // "awaiting-peer-fin"
 * ```
 */
export function closeTransition(state: CloseState, event: CloseEvent, side: Side): CloseState {
  if (state.phase === "closed") return state;
  if (event.type === "closed") return CLOSED;
  switch (state.phase) {
    case "active":
      switch (event.type) {
        case "begin":
          return draining(event.goaway, false, false);
        case "peer-fin":
          return draining(false, true, false);
        case "protocol-error":
          return draining(false, false, true);
        default:
          return state;
      }
    case "draining":
      switch (event.type) {
        case "peer-fin":
          return draining(state.goaway, true, state.discard);
        case "protocol-error":
          return draining(state.goaway, state.peerEnded, true);
        case "work-done": {
          const waitForServer =
            side === "client" && state.goaway && !state.peerEnded && !state.discard;
          return waitForServer ? AWAITING : finSent(state.peerEnded, state.discard);
        }
        default:
          return state;
      }
    case "awaiting-peer-fin":
      if (event.type === "peer-fin") return finSent(true, false);
      if (event.type === "protocol-error") return finSent(false, true);
      return state;
    case "fin-sent":
      if (event.type === "peer-fin") return finSent(true, state.discard);
      if (event.type === "protocol-error") return finSent(state.peerEnded, true);
      return state;
  }
}

function draining(goaway: boolean, peerEnded: boolean, discard: boolean): CloseState {
  return { phase: "draining", goaway, peerEnded, discard };
}

function finSent(peerEnded: boolean, discard: boolean): CloseState {
  return { phase: "fin-sent", peerEnded, discard };
}

/** Why the session closes, before it knows whether it closed gracefully. */
export type CloseReason = Omit<CloseInfo, "graceful">;

/**
 * The reason a close reports, and the one place a {@link CloseInfo} is built. The first reason
 * recorded wins (a goaway's code, the peer's error frame, a socket error, the peer's FIN), except
 * that a protocol error or a goaway received while open replaces it: they say more than what
 * came before.
 */
export class CloseReasons {
  private reason: CloseReason | undefined;

  /** The reason recorded so far. */
  get current(): CloseReason | undefined {
    return this.reason;
  }

  /** Records `reason` unless one is recorded already (or always, with `replace`). */
  record(
    code: string,
    message: string,
    initiator: "local" | "remote",
    error: SockwireError | undefined,
    options: { replace?: boolean; reconnectAfterMs?: number | undefined } = {},
  ): void {
    if (this.reason !== undefined && options.replace !== true) return;
    this.reason = { code, message, initiator, error, reconnectAfterMs: options.reconnectAfterMs };
  }

  /** Keeps the code and initiator, adds `error` when the reason has none (a close that timed out). */
  failed(error: SockwireError): void {
    if (this.reason === undefined) this.reason = { ...defaultReason(), error };
    else if (this.reason.error === undefined) this.reason = { ...this.reason, error };
  }

  /** The reason's initiator becomes the peer (a protocol error the peer's FIN revealed). */
  blamePeer(): void {
    if (this.reason) this.reason = { ...this.reason, initiator: "remote" };
  }

  /** The final report: the reason (a plain close by the peer when none was recorded) and whether it was graceful. */
  info(graceful: boolean): CloseInfo {
    return { ...(this.reason ?? defaultReason()), graceful };
  }
}

function defaultReason(): CloseReason {
  return {
    code: WireCode.NORMAL,
    message: "",
    initiator: "remote",
    error: undefined,
    reconnectAfterMs: undefined,
  };
}
