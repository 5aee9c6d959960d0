/**
 * A sockwire server in its own process, driven over IPC by {@link ServerProcess}: memory and
 * handles are measured where the server runs, a crash is an exit the driver sees, and the
 * process can be SIGSTOPped. It records, per connection, every sequence number it receives and
 * every tick it sends, and reports them when the connection closes.
 *
 * argv[2]: JSON {@link ChildConfig}.
 */
import { createServer, type ServerOptions, type SockwireServer } from "@sockwire/server";
import { type ReliabilityContract, reliabilityContract } from "../contract.js";
import { handleCounts, memoryAfterGc } from "../resources.js";
import { ConnectionRecord } from "./records.js";

/** How the child's server is set up. */
export interface ChildConfig {
  /** Server options (plain values only: they travel as JSON). */
  options: ServerOptions<ReliabilityContract, Context>;
  /** Send a `tick` event to every open connection this often (0 = never). */
  tickMs: number;
}

/** Commands the driver sends; each gets one reply with the same id. */
export type ChildCommand =
  | { cmd: "listen"; port: number }
  | { cmd: "restart"; downMs: number; timeoutMs: number }
  | { cmd: "stats" }
  | { cmd: "memory" }
  | { cmd: "usage" }
  | { cmd: "handles" }
  | { cmd: "close"; timeoutMs: number };

type Context = { client: number };
type Server = SockwireServer<ReliabilityContract, Context>;

const config = JSON.parse(process.argv[2] ?? "{}") as ChildConfig;
const records = new Map<string, ConnectionRecord>();
let server: Server | undefined;
let port = 0;
let crashes = 0;

function send(message: unknown): void {
  process.send?.(message);
}

// A crash is what the soak must never see; count it, tell the driver, and exit as Node would.
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (error: unknown) => {
    crashes++;
    send({ type: "crash", event, error: String((error as Error)?.stack ?? error) });
    process.exitCode = 70;
    setImmediate(() => process.exit(70));
  });
}

function build(): Server {
  const s = createServer(reliabilityContract, {
    ...config.options,
    authenticate: ({ client }) => ({ client }),
  });
  s.onConnection((conn) => {
    records.set(conn.id, new ConnectionRecord(conn.sessionId, conn.context.client));
  });
  s.onDisconnect((conn, info) => {
    const record = records.get(conn.id);
    if (!record) return;
    records.delete(conn.id);
    send({ type: "closed", report: record.report(info) });
  });
  s.on("seq", ({ n }, conn) => records.get(conn.id)?.event(n));
  s.on("blob", () => {});
  s.handle("echo", async ({ n, delayMs }, conn, { signal }) => {
    records.get(conn.id)?.execute(n);
    if (delayMs > 0) await abortableSleep(delayMs, signal);
    return { n };
  });
  return s;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

// Ticks: one event per open connection per period, skipped while its queue is above the soft
// mark (a producer that honours backpressure).
if (config.tickMs > 0) {
  setInterval(() => {
    if (!server) return;
    for (const conn of server.connections.values()) {
      const record = records.get(conn.id);
      if (!record || !conn.hasRoom) continue;
      const n = ++record.nextTick;
      conn.emit("tick", { s: conn.sessionId, n }).then(
        () => record.tick(n, true),
        () => record.tick(n, false),
      );
    }
  }, config.tickMs).unref();
}

async function listen(at: number): Promise<{ port: number }> {
  server = build();
  const address = await server.listen({ host: "127.0.0.1", port: at });
  port = address.port;
  return { port };
}

async function run(command: ChildCommand): Promise<unknown> {
  switch (command.cmd) {
    case "listen":
      return listen(command.port);
    case "restart": {
      await server?.close({ timeoutMs: command.timeoutMs });
      server = undefined;
      await new Promise((resolve) => setTimeout(resolve, command.downMs));
      return listen(port);
    }
    case "stats":
      return { ...server?.stats(), records: records.size, crashes };
    case "memory":
      return memoryAfterGc();
    case "usage":
      return process.memoryUsage();
    case "handles":
      return handleCounts();
    case "close":
      await server?.close({ timeoutMs: command.timeoutMs });
      server = undefined;
      return { records: records.size };
  }
}

process.on("message", (message: { id: number } & ChildCommand) => {
  run(message).then(
    (result) => send({ id: message.id, result }),
    (error: Error) => send({ id: message.id, error: String(error?.stack ?? error) }),
  );
});
process.on("disconnect", () => process.exit(crashes > 0 ? 70 : 0));
send({ type: "ready" });
