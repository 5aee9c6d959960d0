/**
 * The client's connection state machine, as a pure function so every move can be tested without
 * sockets or timers. The client feeds it events and publishes each change as a status event.
 *
 * ```
 *            connect()             welcome
 *   idle ───────────────► connecting ─────────► open
 *    │                     ▲   │                 │
 *    │          backoff    │   │ drop            │ drop (lost, goaway, heartbeat)
 *    │          elapsed    │   ▼ (retry)         ▼ (retry)
 *    │                 reconnecting ◄────────────┘
 *    │                     │
 *    │ close()             │ close()      connecting/open ── close() ──► closing ── ended ──► closed
 *    ▼                     ▼
 *  closed ◄──── drop without retry (permanent reject, attempts exhausted, first connect failed)
 *            ◄──── destroy() from any state
 * ```
 *
 * Transition table (`-` means the event is ignored in that state):
 *
 * | state \ event | connect    | open | drop (retry) | drop (no retry) | backoff    | close   | ended  | destroy |
 * |---------------|------------|------|--------------|-----------------|------------|---------|--------|---------|
 * | idle          | connecting | -    | -            | -               | -          | closed  | -      | closed  |
 * | connecting    | -          | open | reconnecting | closed          | -          | closing | -      | closed  |
 * | open          | -          | -    | reconnecting | closed          | -          | closing | -      | closed  |
 * | reconnecting  | -          | -    | -            | closed          | connecting | closing | -      | closed  |
 * | closing       | -          | -    | closed       | closed          | -          | -       | closed | closed  |
 * | closed        | -          | -    | -            | -               | -          | -       | -      | -       |
 *
 * `closed` is final: a closed client is not reused. In `reconnecting` only a drop without retry
 * matters (a permanent failure found while the old connection finishes its graceful close after
 * the server's goaway: the client leaves `open` as soon as the goaway arrives).
 */

/**
 * Where the client is; `client.state` returns it and every status event carries it.
 *
 * @example
 * ```ts
 * if (client.state === "open") await client.emit("say", { text: "hi" });
 * ```
 */
export type ConnectionState =
  | "idle"
  | "connecting"
  | "open"
  | "reconnecting"
  | "closing"
  | "closed";

/**
 * What can happen to the client; the input of {@link transition}.
 *
 * @example
 * ```ts
 * const lost: ConnectionEvent = { type: "drop", retry: true };
 * ```
 */
export type ConnectionEvent =
  /** `connect()` was called. */
  | { type: "connect" }
  /** The server's welcome arrived: the handshake succeeded. */
  | { type: "open" }
  /**
   * The attempt failed or the connection was lost (or is going away). `retry` says whether the
   * reconnect policy allows another attempt (reconnect enabled, the client has been open before,
   * attempts left, the failure is not permanent).
   */
  | { type: "drop"; retry: boolean }
  /** The backoff delay elapsed: start the next attempt. */
  | { type: "backoff" }
  /** `close()` was called. */
  | { type: "close" }
  /** Nothing is left to wait for while closing (the socket is gone). */
  | { type: "ended" }
  /** `destroy()` was called (or the client's signal aborted with nothing to wait for). */
  | { type: "destroy" };

/**
 * Returns the state after `event`, or `undefined` when the event does not apply in `state` (the
 * caller ignores it). Pure: no side effects, no clock.
 *
 * @example
 * ```ts
 * transition("open", { type: "drop", retry: true }); // "reconnecting"
 * transition("closed", { type: "connect" });        // undefined: closed is final
 * ```
 */
export function transition(
  state: ConnectionState,
  event: ConnectionEvent,
): ConnectionState | undefined {
  if (state === "closed") return undefined;
  switch (event.type) {
    case "connect":
      return state === "idle" ? "connecting" : undefined;
    case "open":
      return state === "connecting" ? "open" : undefined;
    case "drop":
      if (state === "idle") return undefined;
      if (state === "closing") return "closed";
      if (state === "reconnecting") return event.retry ? undefined : "closed";
      return event.retry ? "reconnecting" : "closed";
    case "backoff":
      return state === "reconnecting" ? "connecting" : undefined;
    case "close":
      if (state === "idle") return "closed";
      return state === "closing" ? undefined : "closing";
    case "ended":
      return state === "closing" ? "closed" : undefined;
    case "destroy":
      return "closed";
    default:
      return undefined;
  }
}

/** True in the states where the client may still (re)connect by itself. */
export function isActive(state: ConnectionState): boolean {
  return state === "connecting" || state === "open" || state === "reconnecting";
}
