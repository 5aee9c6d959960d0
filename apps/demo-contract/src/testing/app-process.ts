import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The two runnable demo apps. */
export type AppName = "demo-server" | "demo-client";

/** How a child process ended. */
export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const APPS_DIR = fileURLToPath(new URL("../../../", import.meta.url));
// tsx's package entry is its ESM loader; preloading it with --import runs the app's TypeScript in
// a single process (the tsx CLI would put a second process between the test and the app, and
// signals sent by the test would then reach the app only by relay).
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const DEFAULT_WAIT_MS = 20_000;
const running = new Set<AppProcess>();

/**
 * Path of an app's entry point (`apps/<name>/src/main.ts`).
 *
 * @example
 * ```ts
 * appEntry("demo-server"); // ".../apps/demo-server/src/main.ts"
 * ```
 */
export function appEntry(name: AppName): string {
  return path.join(APPS_DIR, name, "src", "main.ts");
}

/**
 * A demo app running as a child process: its console split into lines, helpers to wait for a
 * line or for the exit, and signals. Every instance is tracked so {@link stopAllApps} can end
 * whatever a failed test left running.
 *
 * @example
 * ```ts
 * const server = startApp("demo-server", ["--port", "0"]);
 * const [, port] = await server.waitForLine(/^启动监听127\.0\.0\.1:(\d+)成功$/);
 * ```
 */
export class AppProcess {
  /** Complete stdout lines so far, without their newline. */
  readonly stdout: string[] = [];
  /** Complete stderr lines so far. */
  readonly stderr: string[] = [];
  /** Settles when the process has exited and its output is fully read. */
  readonly exited: Promise<AppExit>;
  private exit: AppExit | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const out = collectLines(child.stdout, this.stdout, () => this.notify());
    const err = collectLines(child.stderr, this.stderr, () => this.notify());
    this.exited = new Promise<AppExit>((resolve) => {
      child.once("close", (code, signal) => {
        this.exit = { code, signal };
        out.flush();
        err.flush();
        running.delete(this);
        this.notify();
        resolve(this.exit);
      });
    });
  }

  /** True until the process has exited. */
  get isRunning(): boolean {
    return this.exit === undefined;
  }

  /**
   * Resolves with the match of the first stdout line (already printed or still to come) that
   * matches `pattern`; rejects when the process exits without one or after `timeoutMs`.
   */
  waitForLine(pattern: RegExp, timeoutMs = DEFAULT_WAIT_MS): Promise<RegExpMatchArray> {
    return this.waitFor(`a line matching ${pattern}`, timeoutMs, () => {
      for (const line of this.stdout) {
        const match = pattern.exec(line);
        if (match) return match;
      }
      return undefined;
    });
  }

  /** Resolves once stdout holds at least `count` lines. */
  waitForLineCount(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<number> {
    return this.waitFor(`${count} lines`, timeoutMs, () =>
      this.stdout.length >= count ? this.stdout.length : undefined,
    );
  }

  /** Resolves once `check(stdout)` holds; rejects when the process exits first or after `timeoutMs`. */
  waitUntil(
    what: string,
    check: (stdout: readonly string[]) => boolean,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<true> {
    return this.waitFor(what, timeoutMs, () => (check(this.stdout) ? true : undefined));
  }

  /** Resolves with the exit; rejects if the process is still running after `timeoutMs`. */
  waitForExit(timeoutMs = DEFAULT_WAIT_MS): Promise<AppExit> {
    return this.waitFor("the exit", timeoutMs, () => this.exit, true);
  }

  /** Sends `signal` if the process is still running. */
  signal(signal: NodeJS.Signals): void {
    if (this.isRunning) this.child.kill(signal);
  }

  /** Writes to the child's stdin (started with `stdin: "pipe"`). */
  write(text: string): void {
    this.child.stdin?.write(text);
  }

  /** Ends the child's stdin: what a pipe's writer closing, or `< /dev/null`, looks like. */
  endInput(): void {
    this.child.stdin?.end();
  }

  private waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined, exitOk = false) {
    return new Promise<T>((resolve, reject) => {
      const onChange = (): void => {
        const value = check();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (!exitOk && this.exit !== undefined) {
          done();
          reject(
            new Error(
              `${this.name} exited (${JSON.stringify(this.exit)}) before ${what}\n${this.dump()}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms\n${this.dump()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(onChange);
      };
      this.listeners.add(onChange);
      onChange();
    });
  }

  /** Both consoles, for failure messages. */
  dump(): string {
    return [
      `--- ${this.name} stdout`,
      ...this.stdout,
      `--- ${this.name} stderr`,
      ...this.stderr,
    ].join("\n");
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** Options of {@link startApp}. */
export interface StartAppOptions {
  /** `ignore` (like `< /dev/null`, the default) or `pipe` (drive it with write/endInput). */
  stdin?: "ignore" | "pipe";
  /**
   * Run the app on a pseudo-terminal (through util-linux `script`), so its stdin is a TTY as in
   * an interactive shell; `write("\r")` is then a press of Enter. Check {@link canRunInTerminal}
   * first.
   */
  terminal?: boolean;
}

/**
 * True where {@link startApp} can give an app a terminal: Linux with util-linux `script`.
 *
 * @example
 * ```ts
 * test.runIf(canRunInTerminal())("waits for Enter", async () => {});
 * ```
 */
export function canRunInTerminal(): boolean {
  if (process.platform !== "linux") return false;
  // Actually open one: `script` may exist where no pseudo-terminal can be allocated.
  return (
    spawnSync("script", ["-qec", "true", "/dev/null"], { stdio: "ignore", timeout: 5000 })
      .status === 0
  );
}

/**
 * Starts a demo app from its TypeScript sources, exactly as `pnpm start` would run it but in one
 * process: `node --conditions=@sockwire/source --import tsx apps/<name>/src/main.ts ...args`.
 *
 * @example
 * ```ts
 * const client = startApp("demo-client", ["--port", port, "--count", "3", "--interval", "50"]);
 * expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
 * ```
 */
export function startApp(
  name: AppName,
  args: readonly string[],
  options: StartAppOptions = {},
): AppProcess {
  const node = ["--conditions=@sockwire/source", "--import", TSX_LOADER, appEntry(name), ...args];
  const common = { cwd: path.join(APPS_DIR, name), env: { ...process.env, NO_COLOR: "1" } };
  const child = options.terminal
    ? // -q: no banner; -e: exit with the app's status; -c: the command; /dev/null: no log file.
      spawn(
        "script",
        ["-qec", [process.execPath, ...node].map(shellQuote).join(" "), "/dev/null"],
        {
          ...common,
          stdio: ["pipe", "pipe", "pipe"],
        },
      )
    : spawn(process.execPath, node, {
        ...common,
        stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
      });
  const app = new AppProcess(name, child);
  running.add(app);
  return app;
}

/** Kills (SIGKILL) every app still running and waits for them to exit. For `afterEach`. */
export async function stopAllApps(): Promise<void> {
  const apps = [...running];
  for (const app of apps) app.signal("SIGKILL");
  await Promise.all(apps.map((app) => app.exited));
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'''`)}'`;
}

function collectLines(
  stream: NodeJS.ReadableStream | null,
  into: string[],
  changed: () => void,
): { flush(): void } {
  let partial = "";
  stream?.setEncoding("utf8");
  stream?.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    if (parts.length > 0) {
      // A terminal ends lines with \r\n.
      into.push(...parts.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line)));
      changed();
    }
  });
  return {
    flush() {
      if (partial !== "") into.push(partial);
      partial = "";
    },
  };
}
