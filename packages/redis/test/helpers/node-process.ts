import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ClusterInstance, RedisAdapterOptions, RedisAdapterStats } from "../../src/index.js";
import { within } from "./wait.js";

const fixture = fileURLToPath(new URL("../fixtures/cluster-node.ts", import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** Node's argv for a TypeScript child that resolves workspace packages to their sources. */
export const TS_EXEC_ARGV = ["--import", tsx, "--conditions=@sockwire/source"];

/** A server instance in its own process (test/fixtures/cluster-node.ts), driven over IPC. */
export class NodeProcess {
  #nextId = 1;
  readonly #waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  readonly #exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly instanceId: string,
  ) {
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.on("message", (m: { id?: number; result?: unknown; error?: string }) => {
      const waiter = m.id === undefined ? undefined : this.#waiting.get(m.id);
      if (!waiter || m.id === undefined) return;
      this.#waiting.delete(m.id);
      if (m.error !== undefined) waiter.reject(new Error(m.error));
      else waiter.resolve(m.result);
    });
    child.once("exit", () => {
      for (const waiter of this.#waiting.values()) waiter.reject(new Error("node process exited"));
      this.#waiting.clear();
    });
  }

  /** Forks an instance and resolves once it listens. */
  static async start(options: RedisAdapterOptions): Promise<NodeProcess> {
    const child = fork(fixture, [JSON.stringify(options)], {
      execArgv: TS_EXEC_ARGV,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    try {
      const hello = new Promise<{ port: number; instanceId: string }>((resolve, reject) => {
        child.once("message", (m: { ready?: boolean; port: number; instanceId: string }) =>
          m.ready ? resolve(m) : reject(new Error("unexpected first message")),
        );
        child.once("exit", (code) => reject(new Error(`node process exited early (${code})`)));
      });
      const { port, instanceId } = await within(hello, "node process start", 20_000);
      return new NodeProcess(child, port, instanceId);
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
  }

  call<T>(command: Record<string, unknown>, timeoutMs = 15_000): Promise<T> {
    const id = this.#nextId++;
    const result = new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, ...command });
    });
    return within(result, `node ${String(command.cmd)}`, timeoutMs);
  }

  whenReady(timeoutMs = 10_000): Promise<void> {
    return this.call({ cmd: "whenReady", timeoutMs }, timeoutMs + 1000);
  }

  roomSize(room: string): Promise<number> {
    return this.call({ cmd: "query", what: "roomSize", room });
  }

  instances(): Promise<ClusterInstance[]> {
    return this.call({ cmd: "query", what: "instances" });
  }

  stats(): Promise<{ adapter: RedisAdapterStats; connections: number; errors: string[] }> {
    return this.call({ cmd: "stats" });
  }

  /** SIGKILL: a crash, with no goodbye to Redis or clients. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await within(this.#exited, "node exit");
  }

  /** Graceful close of the server, then the process exits. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      await this.call({ cmd: "close" }, 10_000);
      this.child.disconnect();
      await within(this.#exited, "node exit", 5000);
    } finally {
      await this.kill();
    }
  }
}
