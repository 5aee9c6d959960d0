/** The parts of a readable stream (normally `process.stdin`) that {@link waitForEnter} uses. */
export interface LineSource {
  readonly isTTY?: boolean;
  on(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  off(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  off(event: "end" | "close", listener: () => void): unknown;
  off(event: "error", listener: (err: Error) => void): unknown;
  pause(): unknown;
}

/** Why {@link waitForEnter} returned. */
export type EnterResult = "enter" | "end" | "aborted";

/**
 * Resolves when the user presses Enter (`enter`), when the input ends or fails (`end`, e.g.
 * Ctrl+D on a terminal), or when `signal` aborts (`aborted`). Afterwards the input is paused and
 * every listener removed, so the waiting never keeps the process alive on its own.
 *
 * The caller decides whether to wait at all: the apps only wait on a terminal, since a pipe or
 * `/dev/null` nobody types into would make them hang or quit at once.
 *
 * @example
 * ```ts
 * if (process.stdin.isTTY) await waitForEnter(process.stdin);
 * ```
 */
export function waitForEnter(input: LineSource, signal?: AbortSignal): Promise<EnterResult> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve("aborted");
      return;
    }
    let settled = false;
    const finish = (result: EnterResult): void => {
      if (settled) return;
      settled = true;
      input.off("data", onData);
      input.off("end", onEnd);
      input.off("close", onEnd);
      input.off("error", onEnd);
      signal?.removeEventListener("abort", onAbort);
      // A paused stdin no longer holds the event loop open; a flowing one would.
      input.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer | string): void => {
      // A terminal in its normal (cooked) mode delivers input line by line, so the newline
      // arrives with the line it ends; a piped source may deliver text in arbitrary pieces.
      if (String(chunk).includes("\n")) finish("enter");
    };
    const onEnd = (): void => finish("end");
    const onAbort = (): void => finish("aborted");
    input.on("data", onData);
    input.on("end", onEnd);
    input.on("close", onEnd);
    input.on("error", onEnd);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
