import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ServerStats } from "@sockwire/server";
import { within } from "../wait.js";
import type { ChildCommand, ChildConfig } from "./child.js";
import type { SessionReport } from "./records.js";

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** Node flags for a TypeScript child that resolves workspace packages to their sources. */
export const TS_CHILD_ARGV = ["--conditions=@sockwire/source", "--import", TSX];

/** `server.stats()` of the child plus its own counters. */
export type ChildStats = Partial<ServerStats> & { records: number; crashes: number };

/**
 * A reliability server running in a child process (src/server/child.ts). The child's exit is
 * watched: an exit nobody asked for is a crash.
 *
 * @example
 * ```ts
 * const server = await ServerProcess.start({ options: { heartbeatIntervalMs: 100 }, tickMs: 0 });
 * const port = await server.listen();
 * await server.stop();
 * ```
 */
export class ServerProcess {
  /** Session reports, in the order the sessions ended (unless not kept, see start()). */
  readonly reports: SessionReport[] = [];
  /** Session reports received, kept or not. */
  reportsReceived = 0;
  /** Crash notices from the child (uncaught exception, unhandled rejection). */
  readonly crashes: string[] = [];
  /** Set when the process exits; `expected` is false unless {@link stop} asked for it. */
  exit: { code: number | null; signal: string | null; expected: boolean } | undefined;
  port = 0;
  private nextId = 1;
  private stopping = false;
  private readonly waiting = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void }
  >();
  private readonly exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    private readonly keepReports: boolean,
  ) {
    child.on("message", (message: Record<string, unknown>) => this.onMessage(message));
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exit = { code, signal, expected: this.stopping };
        for (const waiter of this.waiting.values())
          waiter.reject(new Error(`server process exited (${code ?? signal})`));
        this.waiting.clear();
        resolve();
      });
    });
  }

  /**
   * Forks the child with `config` and waits until it is ready (not yet listening). With
   * `keepReports` false, reports are only counted: a driver measuring its own memory must not
   * grow with them.
   */
  static async start(config: ChildConfig, keepReports = true): Promise<ServerProcess> {
    const child = fork(CHILD, [JSON.stringify(config)], {
      execArgv: [...TS_CHILD_ARGV, "--expose-gc"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const server = new ServerProcess(child, keepReports);
    const ready = new Promise<void>((resolve, reject) => {
      child.on("message", (m: { type?: string }) => m.type === "ready" && resolve());
      child.once("exit", (code) => reject(new Error(`server process exited early (${code})`)));
    });
    await within(ready, "server process start", 20_000);
    return server;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** True if the process ended without being asked to, or reported a crash. */
  get crashed(): boolean {
    return this.crashes.length > 0 || (this.exit !== undefined && !this.exit.expected);
  }

  /** Listens on 127.0.0.1 (`port` 0 picks one); resolves with the port. */
  async listen(port = 0): Promise<number> {
    const result = await this.call<{ port: number }>({ cmd: "listen", port });
    this.port = result.port;
    return result.port;
  }

  /** Graceful close of the server, `downMs` of nothing, then a new server on the same port. */
  restart(downMs: number, timeoutMs: number): Promise<{ port: number }> {
    return this.call({ cmd: "restart", downMs, timeoutMs }, timeoutMs + downMs + 20_000);
  }

  stats(): Promise<ChildStats> {
    return this.call({ cmd: "stats" });
  }

  /** Memory of the server process after a full garbage collection. */
  memory(): Promise<NodeJS.MemoryUsage> {
    return this.call({ cmd: "memory" });
  }

  /** Memory of the server process now, without collecting (cheap enough for progress lines). */
  usage(): Promise<NodeJS.MemoryUsage> {
    return this.call({ cmd: "usage" });
  }

  handles(): Promise<Record<string, number>> {
    return this.call({ cmd: "handles" });
  }

  /**
   * Ends the sessions still detached (waiting for a client to resume them); resolves with their
   * ids once their reports are out.
   */
  endDetached(): Promise<{ ended: string[] }> {
    return this.call({ cmd: "endDetached" });
  }

  /** Closes the server gracefully (the process keeps running). */
  close(timeoutMs = 2000): Promise<{ records: number }> {
    return this.call({ cmd: "close", timeoutMs }, timeoutMs + 20_000);
  }

  /** Ends the process: graceful server close, then exit; SIGKILL if that fails. */
  async stop(): Promise<void> {
    if (this.exit) return;
    this.stopping = true;
    try {
      if (this.child.signalCode === null) this.child.kill("SIGCONT");
      await this.close(1000);
      this.child.disconnect();
      await within(this.exited, "server process exit", 10_000);
    } catch {
      this.child.kill("SIGKILL");
      await within(this.exited, "server process kill", 10_000).catch(() => {});
    }
  }

  private call<T>(command: ChildCommand, timeoutMs = 30_000): Promise<T> {
    if (this.exit) return Promise.reject(new Error("server process has exited"));
    const id = this.nextId++;
    const result = new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, ...command });
    });
    return within(result, `server process ${command.cmd}`, timeoutMs);
  }

  private onMessage(message: Record<string, unknown>): void {
    if (message.type === "closed") {
      this.reportsReceived++;
      if (this.keepReports) this.reports.push(message.report as SessionReport);
    } else if (message.type === "crash") this.crashes.push(String(message.error));
    else if (typeof message.id === "number") {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (typeof message.error === "string") waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    }
  }
}
