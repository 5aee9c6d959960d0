import { getSystemErrorMap } from "node:util";
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
  /** Framed wire: describe the contract to clients that ask (the server's `reflection` option). */
  reflection?: boolean;
}

/**
 * A failure to start listening, with the short reason the console shows (`EADDRINUSE`, ...). Its
 * message says it once, in words: `cannot listen on 127.0.0.1:18888: address already in use
 * (EADDRINUSE)`, whatever wrapped the system error on its way up.
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
    super(`cannot listen on ${endpoint}: ${describeSystemError(cause) ?? reason}`, { cause });
    this.name = "ListenError";
  }
}

/**
 * The system error (`ECONNRESET`, `EADDRINUSE`...) behind an error, following `cause` through
 * the layers that wrap it, if there is one.
 *
 * @example
 * ```ts
 * systemErrorOf(err)?.code; // "EADDRINUSE", also when err wraps the socket error as its cause
 * ```
 */
export function systemErrorOf(err: unknown): NodeJS.ErrnoException | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return e;
  }
  return undefined;
}

/** `address already in use (EADDRINUSE)`: the system's own words for the code, then the code. */
function describeSystemError(err: unknown): string | undefined {
  const system = systemErrorOf(err);
  if (system?.code === undefined) return undefined;
  const words = system.errno === undefined ? undefined : getSystemErrorMap().get(system.errno)?.[1];
  return words === undefined ? system.code : `${words} (${system.code})`;
}
