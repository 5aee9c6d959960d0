import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ChildMessage, ParentMessage } from "./ipc.js";

/**
 * Two ways to run. `pnpm bench` builds every package with tsc and runs the emitted JavaScript, the
 * way applications run sockwire: children resolve the workspace packages to their `dist/`. Tests
 * (and `pnpm bench:source`) run the TypeScript sources through tsx with the source condition, which
 * needs no build but is not representative: tsx wraps every named function in a `__name()` helper
 * that costs time per closure and about 260 bytes of properties per function object.
 */
const COMPILED = import.meta.url.endsWith(".js");
const CHILD_ENTRY = fileURLToPath(new URL(COMPILED ? "./child.js" : "./child.ts", import.meta.url));
const RUNTIME_ARGS = COMPILED ? [] : ["--import", "tsx", "--conditions=@sockwire/source"];
/** How this run executes its contenders; reported with the results. */
export const RUNTIME: "compiled" | "tsx" = COMPILED ? "compiled" : "tsx";
/** The bench package: children start here so `--import tsx` resolves from any caller's cwd. */
const BENCH_DIR = fileURLToPath(new URL("..", import.meta.url));

/**
 * With BENCH_CPU_PROF=<dir>, every child writes a V8 CPU profile there when it exits, named by
 * a folder named by its role (for example `sockwire-server-<pid>-1/`); the main thread's profile is
 * the largest file there. `src/profile-summary.ts` reads them.
 */
let profiled = 0;
function profileArgs(role: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return [];
  profiled++;
  // One folder per child: the tsx loader thread writes a profile of its own next to the main one.
  return [
    "--cpu-prof",
    `--cpu-prof-dir=${dir}/${role.replaceAll(" ", "-")}-${process.pid}-${profiled}`,
  ];
}

/** Every child alive, so an exiting orchestrator can kill them all. */
const live = new Set<ChildProcess>();

/** Kills every child still running (used on exit and on signals). */
export function killAllChildren(): void {
  for (const child of live) child.kill("SIGKILL");
  live.clear();
}

type Pending = {
  resolve(message: ChildMessage): void;
  reject(error: Error): void;
};

/**
 * One forked child (server or client side of a contender), driven by request/reply over IPC.
 * Each request has a sequence number; `expect(seq, op, timeoutMs)` waits for that reply, and any
 * `error` reply or the child's death rejects everything outstanding.
 */
export class Child {
  private readonly process: ChildProcess;
  private nextSeq = 1;
  private readonly waiting = new Map<string, Pending>();
  private readonly early = new Map<string, ChildMessage>();
  private failure: Error | undefined;
  private readonly failedRequests = new Map<number, Error>();
  private stderrTail = "";

  constructor(readonly role: string) {
    this.process = fork(CHILD_ENTRY, [], {
      execArgv: [...RUNTIME_ARGS, "--expose-gc", ...profileArgs(role)],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "json",
      cwd: BENCH_DIR,
    });
    live.add(this.process);
    this.process.stderr?.setEncoding("utf8");
    this.process.stderr?.on("data", (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-2000);
    });
    this.process.on("message", (message: ChildMessage) => this.onMessage(message));
    this.process.on("exit", (code, signal) => {
      live.delete(this.process);
      const tail = this.stderrTail.trim();
      this.failAll(
        new Error(`${role} process exited (${signal ?? code})${tail ? `: ${tail}` : ""}`),
      );
    });
  }

  /** Sends a request and returns its sequence number. */
  send(message: DistributiveOmit<ParentMessage, "seq">): number {
    const seq = this.nextSeq++;
    this.process.send({ ...message, seq } as ParentMessage);
    return seq;
  }

  /** Waits for reply `op` to request `seq`. */
  expect<Op extends ChildMessage["op"]>(
    seq: number,
    op: Op,
    timeoutMs: number,
  ): Promise<Extract<ChildMessage, { op: Op }>> {
    const key = `${seq}:${op}`;
    const already = this.early.get(key);
    if (already) {
      this.early.delete(key);
      return Promise.resolve(already as Extract<ChildMessage, { op: Op }>);
    }
    const failed = this.failedRequests.get(seq) ?? this.failure;
    if (failed) return Promise.reject(failed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        reject(new Error(`${this.role}: no ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(key, {
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message as Extract<ChildMessage, { op: Op }>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  /** Asks the child to close and exit; kills it if it has not within a second. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.process.once("exit", () => resolve()));
    try {
      this.send({ op: "exit" });
    } catch {
      // The channel is already gone; the kill below settles it.
    }
    const timer = setTimeout(() => this.process.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }

  private onMessage(message: ChildMessage): void {
    if (message.op === "error") {
      const error = new Error(`${this.role}: ${message.message}`);
      // A failure may come before anyone waits on that request: remember it for later expect()s.
      this.failedRequests.set(message.seq, error);
      for (const [key, pending] of this.waiting) {
        if (key.startsWith(`${message.seq}:`)) {
          this.waiting.delete(key);
          pending.reject(error);
        }
      }
      return;
    }
    const key = `${message.seq}:${message.op}`;
    const pending = this.waiting.get(key);
    if (pending) {
      this.waiting.delete(key);
      pending.resolve(message);
    } else this.early.set(key, message);
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const pending of this.waiting.values()) pending.reject(error);
    this.waiting.clear();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
