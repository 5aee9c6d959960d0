import { type ChildProcess, spawn } from "node:child_process";
import { onTestFinished } from "vitest";
import { BIN } from "./build.js";

/** What a finished run of the bin printed and how it exited. */
export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, which is then closed; without it stdin is closed at once (not a terminal). */
  stdin?: string;
  env?: Record<string, string>;
  cwd?: string;
  /** The run is killed after this long (the test then fails on its exit code). Default 20 s. */
  timeoutMs?: number;
}

/**
 * A running `sockwire` (the built bin, in a child process), for commands that run until told to
 * stop (tail, bench, emit from a pipe). It is killed when the test finishes, whatever happened.
 */
export class Sockwire {
  stdout = "";
  stderr = "";
  readonly done: Promise<Run>;
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];

  constructor(args: readonly string[], options: RunOptions = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const killer = setTimeout(() => this.child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    this.child.stdout?.on("data", (chunk: Buffer) => this.got(() => (this.stdout += chunk)));
    this.child.stderr?.on("data", (chunk: Buffer) => this.got(() => (this.stderr += chunk)));
    if (options.stdin !== undefined) this.child.stdin?.end(options.stdin);
    this.done = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        clearTimeout(killer);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
    onTestFinished(() => {
      if (this.child.exitCode === null && this.child.signalCode === null)
        this.child.kill("SIGKILL");
    });
  }

  /** Writes to stdin. */
  write(text: string): void {
    this.child.stdin?.write(text);
  }

  /** Closes stdin. */
  endInput(): void {
    this.child.stdin?.end();
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Resolves once `test` holds of what was printed, within `timeoutMs`. */
  until(
    test: (out: { stdout: string; stderr: string }) => boolean,
    what: string,
    timeoutMs = 10_000,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `timed out waiting for ${what}; stdout: ${this.stdout}; stderr: ${this.stderr}`,
            ),
          ),
        timeoutMs,
      );
      const check = () => {
        if (test(this)) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  private got(append: () => void): void {
    append();
    const waiters = this.waiters;
    this.waiters = [];
    for (const check of waiters) check();
  }
}

/**
 * Runs the built bin to its end. Stdin is never a terminal here: it gets `options.stdin`, or is
 * closed at once.
 *
 * @example
 * ```ts
 * const run = await sockwire("call", `127.0.0.1:${port}`, "whoami");
 * expect(run.code).toBe(0);
 * ```
 */
export function sockwire(...args: (string | RunOptions)[]): Promise<Run> {
  const options = (typeof args.at(-1) === "object" ? args.pop() : {}) as RunOptions;
  const run = new Sockwire(args as string[], { ...options, stdin: options.stdin ?? "" });
  return run.done;
}
