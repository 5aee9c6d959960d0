import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ServerStats } from "../../src/index.js";
import { within } from "./wait.js";

const fixture = fileURLToPath(new URL("../fixtures/server-process.ts", import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** Node's argv for a TypeScript child that resolves workspace packages to their sources. */
export const TS_EXEC_ARGV = ["--import", tsx, "--conditions=@sockwire/source"];

export interface BlastResult {
  sent: number;
  refused: number;
  maxQueued: number;
  peakArrayBuffers: number;
  code: string | undefined;
  closeAfterCrossMs: number | undefined;
  closeAfterStartMs: number | undefined;
}

/** A server running in a child process (test/fixtures/server-process.ts). */
export class ServerProcess {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void }
  >();

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on("message", (message: { id?: number; result?: unknown; error?: string }) => {
      const waiter = message.id === undefined ? undefined : this.waiting.get(message.id);
      if (!waiter || message.id === undefined) return;
      this.waiting.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
  }

  /** Forks the fixture with `options` and resolves once it listens on 127.0.0.1:port. */
  static async start(options: Record<string, unknown> = {}): Promise<ServerProcess> {
    const child = fork(fixture, [JSON.stringify(options)], {
      execArgv: [...TS_EXEC_ARGV, "--expose-gc"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const ready = new Promise<{ port: number; gc: boolean }>((resolve, reject) => {
      child.once("message", (m: { ready?: boolean; port: number; gc: boolean }) =>
        m.ready ? resolve(m) : reject(new Error("bad hello")),
      );
      child.once("exit", (code) => reject(new Error(`server process exited early (${code})`)));
    });
    const { port, gc } = await within(ready, "server process start", 20_000);
    if (!gc) throw new Error("server process runs without --expose-gc");
    return new ServerProcess(child, port);
  }

  private call<T>(command: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    const id = this.nextId++;
    const result = new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, ...command });
    });
    return within(result, `server process ${String(command.cmd)}`, timeoutMs);
  }

  stats(): Promise<ServerStats & { disconnects: number }> {
    return this.call({ cmd: "stats" });
  }

  memory(gc = true): Promise<NodeJS.MemoryUsage> {
    return this.call({ cmd: "memory", gc });
  }

  handles(): Promise<Record<string, number>> {
    return this.call({ cmd: "handles" });
  }

  /** Starts (on) or stops (off, returning the peak) sampling arrayBuffers every 2 ms. */
  sample(on: boolean): Promise<number> {
    return this.call({ cmd: "sample", on });
  }

  blast(count: number, bytes: number, timeoutMs = 10_000): Promise<BlastResult> {
    return this.call({ cmd: "blast", count, bytes, timeoutMs }, timeoutMs * 3);
  }

  /** Closes the server gracefully, then ends the process. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    try {
      await this.call({ cmd: "close" }, 5000);
      this.child.disconnect();
      await within(exited, "server process exit", 5000);
    } catch {
      this.child.kill("SIGKILL");
    }
  }
}
