import { type LineSource, waitForEnter } from "./console-input.js";

/** What asked the app to stop. */
export type StopReason = "enter" | "SIGINT" | "SIGTERM";

/** The parts of `process` that {@link watchStopRequests} uses (a fake in unit tests). */
export interface SignalSource {
  once(event: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  off(event: "SIGINT" | "SIGTERM", listener: () => void): unknown;
}

/** Options of {@link watchStopRequests}. */
export interface StopRequestOptions {
  /** Where SIGINT and SIGTERM come from; normally `process`. */
  signals: SignalSource;
  /**
   * Input on which Enter (or end of input) asks to stop; omit it to ignore the input. The apps
   * pass `process.stdin` only when it is a terminal, so end-of-file on a pipe or `/dev/null`
   * never stops a server that runs in the background.
   */
  input?: LineSource | undefined;
}

/** A pending stop request; call `dispose()` once it is no longer needed. */
export interface StopRequests {
  /** Resolves with the first request: Enter, Ctrl+C (SIGINT) or SIGTERM. Never rejects. */
  readonly requested: Promise<StopReason>;
  /** Removes the signal listeners and releases the input. Safe to call more than once. */
  dispose(): void;
}

/**
 * Waits for the first request to stop: SIGINT (Ctrl+C), SIGTERM, or Enter on `input`. Signal
 * handlers are installed at once, so a signal never kills the process before it can close its
 * connections gracefully.
 *
 * @example
 * ```ts
 * const stop = watchStopRequests({ signals: process, input: process.stdin.isTTY ? process.stdin : undefined });
 * const reason = await stop.requested;
 * stop.dispose();
 * ```
 */
export function watchStopRequests(options: StopRequestOptions): StopRequests {
  const { signals, input } = options;
  const inputDone = new AbortController();
  let resolveRequested: (reason: StopReason) => void = () => {};
  const requested = new Promise<StopReason>((resolve) => {
    resolveRequested = resolve;
  });
  const onSigint = (): void => resolveRequested("SIGINT");
  const onSigterm = (): void => resolveRequested("SIGTERM");
  signals.once("SIGINT", onSigint);
  signals.once("SIGTERM", onSigterm);
  if (input !== undefined) {
    void waitForEnter(input, inputDone.signal).then((result) => {
      if (result !== "aborted") resolveRequested("enter");
    });
  }
  let disposed = false;
  return {
    requested,
    dispose() {
      if (disposed) return;
      disposed = true;
      signals.off("SIGINT", onSigint);
      signals.off("SIGTERM", onSigterm);
      inputDone.abort();
    },
  };
}
