import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import net from "node:net";
import { tmpdir } from "node:os";

/** Every redis-server this process started, killed if the process exits without cleaning up. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** True when a `redis-server` binary is on PATH. */
export function haveRedisServer(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * True when the tests that need a real Redis should be skipped: no `redis-server` on PATH and not
 * in CI. A developer without Redis sees them reported as skipped, with the reason, instead of a
 * wall of failures; CI installs redis-server, and there a missing binary fails loudly.
 */
export const SKIP_WITHOUT_REDIS = !haveRedisServer() && !process.env.CI;
if (SKIP_WITHOUT_REDIS) {
  console.warn(
    "@sockwire/redis: redis-server is not on PATH; its integration tests are skipped (apt-get install redis-server)",
  );
}

/** A free loopback TCP port (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A throwaway redis-server on 127.0.0.1: no persistence, no daemon, killed by `stop()`. Tests
 * get one each; `kill()` and `restart()` simulate an outage on the same port.
 */
export class RedisServer {
  #child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts one on `port`, or on a free port (retried if another process takes it first). */
  static async start(port?: number): Promise<RedisServer> {
    if (!haveRedisServer()) {
      throw new Error("redis-server is not installed: apt-get install redis-server");
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const server = new RedisServer(port ?? (await freePort()));
      if (await server.#launch()) return server;
      if (port !== undefined) break;
    }
    throw new Error(`redis-server did not start on ${port ?? "a free port"}`);
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null;
  }

  /** Kills the server at once (SIGKILL): an abrupt outage, clients see resets. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL"); // also ends a stopped (SIGSTOP) process
    await exited;
    running.delete(child);
  }

  /** SIGSTOP: Redis keeps its connections open but answers nothing (a stall). */
  pause(): void {
    this.#child?.kill("SIGSTOP");
  }

  /** SIGCONT after {@link pause}. */
  resume(): void {
    this.#child?.kill("SIGCONT");
  }

  /** Starts it again on the same port, empty. */
  async restart(): Promise<void> {
    await this.kill();
    for (let attempt = 0; attempt < 20; attempt++) {
      if (await this.#launch()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`redis-server did not restart on ${this.port}`);
  }

  stop(): Promise<void> {
    return this.kill();
  }

  /** Spawns redis-server and waits for PING; false if it exited (port taken). */
  async #launch(): Promise<boolean> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", ""];
    args.push(
      "--appendonly",
      "no",
      "--daemonize",
      "no",
      "--dir",
      tmpdir(),
      "--loglevel",
      "warning",
    );
    const child = spawn("redis-server", args, { stdio: "ignore" });
    running.add(child);
    let exited = false;
    child.once("exit", () => {
      exited = true;
      running.delete(child);
    });
    const deadline = performance.now() + 10_000;
    while (!exited && performance.now() < deadline) {
      if (await ping(this.port)) {
        this.#child = child;
        return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill("SIGKILL");
    return false;
  }
}

/** One `PING` over a raw socket; true on `+PONG`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}
