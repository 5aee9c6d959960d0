/**
 * A sockwire server in its own process, driven over IPC by {@link ServerProcess}: memory and
 * handles are measured where the server runs, a crash is an exit the driver sees, and the
 * process can be SIGSTOPped. It records, per session and across its resumes, every sequence
 * number it receives, every request it runs and every tick and request it sends, and reports
 * them when the session ends.
 *
 * argv[2]: JSON {@link ChildConfig}.
 */
import { createServer, type ServerOptions, type SockwireServer } from "@sockwire/server";
import { type ReliabilityContract, reliabilityContract } from "../contract.js";
import { handleCounts, memoryAfterGc } from "../resources.js";
import { abortableSleep } from "../wait.js";
import { REJOIN_PREFIX, SessionRecord } from "./records.js";
import { type ServerTrafficConfig, startServerTraffic } from "./server-traffic.js";

/** How the child's server is set up. */
export interface ChildConfig extends ServerTrafficConfig {
  /** Server options (plain values only: they travel as JSON). */
  options: ServerOptions<ReliabilityContract, Context>;
}

/** Commands the driver sends; each gets one reply with the same id. */
export type ChildCommand =
  | { cmd: "listen"; port: number }
  | { cmd: "restart"; downMs: number; timeoutMs: number }
  | { cmd: "stats" }
  | { cmd: "memory" }
  | { cmd: "usage" }
  | { cmd: "handles" }
  | { cmd: "endDetached" }
  | { cmd: "close"; timeoutMs: number };

type Context = { client: number };
type Server = SockwireServer<ReliabilityContract, Context>;

const config = JSON.parse(process.argv[2] ?? "{}") as ChildConfig;
const records = new Map<string, SessionRecord>();
let server: Server | undefined;
let port = 0;
let crashes = 0;
/** Server instances started: the generation of the sessions the current one opens, plus one. */
let generations = 0;
/** Reports waiting for their session's last settlements (see onDisconnect). */
let reportsDue = 0;

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
  const generation = generations++;
  // A resumed session keeps its connection object (and id), so one record spans its links.
  s.onConnection((conn) => {
    records.set(conn.id, new SessionRecord(conn.sessionId, conn.context.client, generation));
  });
  s.onSessionResumed((conn) => {
    const record = records.get(conn.id);
    if (record) record.resumes++;
  });
  s.onSessionExpired((conn, info) => {
    const record = records.get(conn.id);
    const details = info.error?.details as { reason?: unknown } | undefined;
    if (record) record.expired = String(details?.reason ?? info.code);
  });
  s.onDisconnect((conn, info) => {
    const record = records.get(conn.id);
    if (!record) return;
    records.delete(conn.id);
    // The session's own requests reject as it ends, one promise turn later: report after them.
    reportsDue++;
    setImmediate(() => {
      reportsDue--;
      send({ type: "closed", report: record.report(info) });
    });
  });
  s.on("seq", ({ n }, conn) => records.get(conn.id)?.event(n));
  s.on("blob", ({ data }, conn) => {
    if (data.startsWith(REJOIN_PREFIX)) records.get(conn.id)?.rejoin(data);
  });
  s.handle("echo", async ({ n, delayMs }, conn, { signal }) => {
    records.get(conn.id)?.execute(n);
    if (delayMs > 0) await abortableSleep(delayMs, signal);
    return { n };
  });
  return s;
}

startServerTraffic(
  config,
  () => server?.connections.values() ?? [],
  (conn) => records.get(conn.id),
);

/** Resolves once every report of an ended session has gone out (bounded: 2 s). */
async function reportsSent(): Promise<void> {
  for (let i = 0; i < 200 && reportsDue > 0; i++) await new Promise((r) => setTimeout(r, 10));
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
      await reportsSent();
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
    case "endDetached": {
      // Sessions still waiting for a client that will not come back (one whose welcome was
      // lost in a cut never knew its token): ended now, so the run can end with none held.
      const detached = [...(server?.connections.values() ?? [])].filter(
        (conn) => conn.state === "detached",
      );
      for (const conn of detached) void conn.close();
      const ended = detached.map((conn) => conn.sessionId);
      await reportsSent();
      return { ended };
    }
    case "close":
      await server?.close({ timeoutMs: command.timeoutMs });
      server = undefined;
      await reportsSent();
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
