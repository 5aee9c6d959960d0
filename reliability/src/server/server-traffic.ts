import type { ServerConnection } from "@sockwire/server";
import { seededRandom } from "../chaos/faults.js";
import type { ReliabilityContract } from "../contract.js";
import { codeOf, OK } from "../outcomes.js";
import type { SessionRecord } from "./records.js";

/** What the server sends on its own, to every live session. */
export interface ServerTrafficConfig {
  /** A numbered `tick` event to every session this often, ms (0 = none). */
  tickMs: number;
  /** Numbered `work` requests to the clients; none when absent. */
  work?: {
    /** Requests per session per second (drawn at each tick). */
    perSecond: number;
    /** Each request's timeout, ms. */
    timeoutMs: number;
    /** Seed of the draws and of the answer delays asked for. */
    seed: number;
  };
}

type Conn = ServerConnection<ReliabilityContract, { client: number }>;

/**
 * Every `tickMs`, sends each live session (detached ones included: what is sent to them waits
 * for the resume) a numbered tick, and with the configured chance a numbered `work` request,
 * writing down in its record how each ended. A session whose queue is above the soft mark is
 * skipped (a producer that honours backpressure). Returns the stop function.
 */
export function startServerTraffic(
  config: ServerTrafficConfig,
  connections: () => Iterable<Conn>,
  recordOf: (conn: Conn) => SessionRecord | undefined,
): () => void {
  if (config.tickMs <= 0) return () => {};
  const work = config.work;
  const random = seededRandom(work?.seed ?? 0);
  const workChance = work ? (work.perSecond * config.tickMs) / 1000 : 0;
  const timer = setInterval(() => {
    for (const conn of connections()) {
      const record = recordOf(conn);
      if (!record || !conn.hasRoom) continue;
      const n = ++record.nextTick;
      conn.emit("tick", { s: conn.sessionId, n }).then(
        () => record.tick(n, true),
        () => record.tick(n, false),
      );
      if (work && random() < workChance)
        sendWork(conn, record, answerDelay(random), work.timeoutMs);
    }
  }, config.tickMs);
  timer.unref();
  return () => clearInterval(timer);
}

function sendWork(conn: Conn, record: SessionRecord, delayMs: number, timeoutMs: number): void {
  const n = ++record.nextWork;
  conn.request("work", { n, delayMs }, { timeoutMs }).then(
    (answer) => record.workSettled(n, OK, answer.n),
    (error: unknown) => record.workSettled(n, codeOf(error)),
  );
}

/** Mostly quick answers, some slow, a few past the request timeout (late answers). */
export function answerDelay(random: () => number): number {
  const r = random();
  if (r < 0.9) return Math.floor(random() * 20);
  return r < 0.98 ? 100 + Math.floor(random() * 300) : 3000;
}
