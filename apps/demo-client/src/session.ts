import type { ClientLines } from "./lines.js";
import { messageText } from "./time-format.js";
import { type ClientTransport, TransportError } from "./transport.js";

/** What the session does, from the command line. */
export interface SessionPlan {
  /** Messages to send. */
  count: number;
  /** Pause before each message (the article slept one second before every send). */
  intervalMs: number;
  /** Longest wait for the server's greeting once connected. */
  greetingTimeoutMs: number;
}

/** The session's surroundings, injected so that it runs the same under test. */
export interface SessionEnvironment {
  lines: ClientLines;
  /** Writes one console line (stdout). */
  print(line: string): void;
  /** Writes one diagnostic line (stderr); the console lines stay exactly the article's. */
  report(line: string): void;
  /** Current time, for the message text. */
  now(): Date;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /**
   * Resolves when the user may leave: on Enter when stdin is a terminal, at once otherwise, or
   * early when `signal` aborts.
   */
  waitForEnter(signal: AbortSignal): Promise<void>;
  /** Resolves when Ctrl+C or SIGTERM asks the client to stop. */
  stopRequested: Promise<unknown>;
}

/** Exit statuses of a session. */
export const SessionExit = {
  /** Ran to the end, or stopped on request. */
  OK: 0,
  /** The server could not be reached, or the connection was lost. */
  FAILED: 1,
} as const;

class Interrupted {
  constructor(
    readonly kind: "lost" | "stop",
    readonly reason?: string,
  ) {}
}

/**
 * Runs the article's client session over `transport`: connect, print the greeting, send
 * `plan.count` messages `plan.intervalMs` apart (each line printed once the message was handed
 * to the connection), print the closing line, wait for Enter, close. Returns the exit status.
 *
 * A lost connection prints one clear line and returns {@link SessionExit.FAILED}; a stop request
 * closes gracefully and returns {@link SessionExit.OK}.
 *
 * @example
 * ```ts
 * const status = await runClientSession(new RawTransport({ host, port }), plan, environment);
 * process.exitCode = status;
 * ```
 */
export async function runClientSession(
  transport: ClientTransport,
  plan: SessionPlan,
  env: SessionEnvironment,
): Promise<number> {
  const { lines } = env;
  // Aborted when the session ends, so no sleep or stdin read outlives it.
  const done = new AbortController();
  const interruption = Promise.race([
    transport.lost.then((reason) => new Interrupted("lost", reason)),
    env.stopRequested.then(() => new Interrupted("stop")),
  ]);
  const step = async <T>(work: Promise<T>): Promise<T> => {
    const outcome = await Promise.race([work, interruption]);
    if (outcome instanceof Interrupted) throw outcome;
    return outcome;
  };

  try {
    try {
      await step(transport.connect());
    } catch (err) {
      if (err instanceof Interrupted) throw err;
      env.print(lines.connectFailed());
      env.report(`connect failed: ${describe(err)}`);
      await Promise.race([env.waitForEnter(done.signal), env.stopRequested]);
      return SessionExit.FAILED;
    }
    env.print(lines.connected());

    const greeting = await step(
      withTimeout(transport.greeting, plan.greetingTimeoutMs, done.signal),
    );
    if (greeting === undefined)
      throw new Interrupted("lost", `no greeting within ${plan.greetingTimeoutMs} ms`);
    env.print(lines.greeting(greeting));

    for (let i = 0; i < plan.count; i++) {
      await step(env.sleep(plan.intervalMs, done.signal));
      const text = messageText(env.now());
      await step(transport.send(text));
      env.print(lines.sent(text));
    }
    env.print(lines.allSent());
    await step(env.waitForEnter(done.signal));
    await transport.close();
    return SessionExit.OK;
  } catch (err) {
    if (err instanceof Interrupted && err.kind === "stop") {
      await transport.close();
      return SessionExit.OK;
    }
    const reason =
      err instanceof Interrupted
        ? err.reason
        : err instanceof TransportError
          ? err.reason
          : undefined;
    env.print(lines.lost(reason));
    if (!(err instanceof Interrupted)) env.report(`connection lost: ${describe(err)}`);
    await transport.close();
    return SessionExit.FAILED;
  } finally {
    done.abort();
  }
}

/** `undefined` if `promise` has not resolved within `ms` (or `signal` aborted first). */
function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  signal: AbortSignal,
): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    const stop = (): void => clearTimeout(timer);
    signal.addEventListener("abort", stop, { once: true });
    void promise.then((value) => {
      stop();
      signal.removeEventListener("abort", stop);
      resolve(value);
    });
  });
}

function describe(err: unknown): string {
  if (err instanceof TransportError) return err.message;
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
