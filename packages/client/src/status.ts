import type { SockwireError } from "@sockwire/protocol";
import type { ConnectionState } from "./connection-state.js";

/**
 * A change of the client's connection state, published to `onStatus` listeners. Branch on
 * `state`; each variant carries what is useful at that moment.
 *
 * @example
 * ```ts
 * client.onStatus((s) => {
 *   if (s.state === "reconnecting") console.log(`retry ${s.attempt} in ${s.delayMs} ms: ${s.error.code}`);
 * });
 * ```
 */
export type ClientStatus =
  /** An attempt started. `attempt` counts from 1 within one outage; `reconnect` is false for the first connect. */
  | { state: "connecting"; previous: ConnectionState; attempt: number; reconnect: boolean }
  /**
   * The server welcomed us. `reconnect` is true after a loss. `disabled` lists the messages
   * (`server.events.news`, `client.requests.join`) that cannot be used on this connection because
   * the server runs another version of the contract; empty when nothing is disabled.
   */
  | {
      state: "open";
      previous: ConnectionState;
      sessionId: string;
      reconnect: boolean;
      disabled: readonly string[];
      /**
       * True when this connection resumed the session a lost link interrupted: nothing was lost
       * or repeated, requests in flight are answered. False for a new session.
       */
      resumed: boolean;
      /**
       * Set after a reconnect that could not resume the previous session (never silently): why,
       * and how many messages sent on it the server had not acknowledged (their fate unknown).
       * The `onResumeFailed` listeners run before anything queued is sent.
       */
      resumeFailure?: ResumeFailure | undefined;
    }
  /**
   * The connection was lost (or the server is going away); attempt `attempt` starts after
   * `delayMs`. `error` says why (its `code` is usually `ERR_CONNECTION_LOST` or `ERR_CONNECT_FAILED`).
   */
  | {
      state: "reconnecting";
      previous: ConnectionState;
      attempt: number;
      delayMs: number;
      error: SockwireError;
    }
  /** A graceful close began; `initiator` is "remote" when the server sent goaway and we will not reconnect. */
  | { state: "closing"; previous: ConnectionState; initiator: "local" | "remote" }
  /**
   * The client is closed for good. `graceful` is true when nothing accepted for sending was lost;
   * `error` is set when it closed because of a failure (first connect failed, permanent reject,
   * reconnect attempts exhausted, lost with reconnect off).
   */
  | {
      state: "closed";
      previous: ConnectionState;
      graceful: boolean;
      error: SockwireError | undefined;
    };

/**
 * Counters of a client, summed over every connection it has had.
 *
 * @example
 * ```ts
 * const { state, reconnects, inFlightRequests } = client.stats();
 * ```
 */
export interface ClientStats {
  state: ConnectionState;
  /** Successful reconnects (opens after the first). */
  reconnects: number;
  /** Frames received and sent (including heartbeats and control frames). */
  messagesIn: number;
  messagesOut: number;
  /** Bytes received and handed to the kernel. */
  bytesIn: number;
  bytesOut: number;
  /** Messages and bytes waiting in the offline queue. */
  queuedMessages: number;
  queuedBytes: number;
  /** Bytes accepted by the open connection and not yet handed to the kernel. */
  bufferedBytes: number;
  /** Our requests awaiting an answer on the open connection. */
  inFlightRequests: number;
  /** Server requests our handlers are working on. */
  inFlightHandlers: number;
  /** Answers that arrived after their request had timed out or been cancelled (dropped). */
  lateResponses: number;
  /** Events discarded because `offline: "drop"` applied. */
  droppedMessages: number;
}

/**
 * Why a reconnect started a new session instead of resuming the one that was interrupted:
 * - `expired`: the resume window passed before the client could reconnect;
 * - `unknown`: the server did not know the session (it restarted, the session expired or was
 *   evicted there, the token was already used, or the reconnect reached another instance);
 * - `overflow`: more was sent than the replay limits keep (`resumeBufferBytes`/`Frames`), on
 *   this side or the server's;
 * - `unsupported`: the server does not resume sessions (resumption off on either side, or an
 *   older server);
 * - `ended`: the session ended on purpose (the server's goaway, as it shuts down or restarts).
 */
export interface ResumeFailure {
  readonly reason: "expired" | "unknown" | "overflow" | "unsupported" | "ended";
  /** Messages (events, requests, answers) sent on the lost session and not acknowledged. */
  readonly unacknowledged: number;
  /** The id of the session that was lost. */
  readonly previousSessionId: string;
}
