import type { ServerLines } from "./lines.js";

/** A server that is listening, whichever wire it speaks. */
export interface RunningServer {
  /** Where it listens (the real port when started with port 0). */
  readonly endpoint: string;
  /**
   * Stops accepting, closes every connection gracefully (the peers get our FIN and may finish),
   * destroys what is still open after `timeoutMs`, and resolves once everything is closed.
   */
  stop(timeoutMs: number): Promise<void>;
}

/** What a server prints and where. */
export interface ServerEnvironment {
  lines: ServerLines;
  /** Writes one console line (stdout). */
  print(line: string): void;
  /** Writes one diagnostic line (stderr), keeping stdout exactly the article's lines. */
  report(line: string): void;
}

/** Listen settings common to both wires. */
export interface ListenOptions {
  host: string;
  port: number;
}

/**
 * A failure to start listening, with the short reason the console shows (`EADDRINUSE`, ...).
 *
 * @example
 * ```ts
 * throw new ListenError("EADDRINUSE", "127.0.0.1:18888", err);
 * ```
 */
export class ListenError extends Error {
  constructor(
    readonly reason: string,
    readonly endpoint: string,
    cause: unknown,
  ) {
    super(`cannot listen on ${endpoint}: ${reason}`, { cause });
    this.name = "ListenError";
  }
}
