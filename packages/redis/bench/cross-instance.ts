/**
 * Cross-instance broadcast against single-instance broadcast, in the same run.
 *
 *   single      one server, no adapter: it broadcasts to its own clients
 *   local+redis one server with the Redis adapter: same clients, every broadcast also published
 *   cross       two servers with the adapter: A broadcasts, every client is on B, so every
 *               delivery goes A → Redis → B → client
 *
 * Each mode runs in fresh processes (servers, one client process, one redis-server shared by the
 * run); modes are interleaved and rotated per repetition so drift on a shared machine spreads
 * over all of them. Deliveries per second are timed from A's first broadcast to the last delivery
 * in the client process, on a clock both share. Usage:
 *
 *   pnpm --filter @sockwire/redis bench [--quick] [--clients N] [--messages N] [--reps N] [--json]
 *
 * `--json` prints one JSON line instead of the table (the repository's benchmark suite reads it):
 * `{ clients, messages, reps, node, cpus, rates: { single: [...], "local+redis": [...], cross: [...] } }`,
 * deliveries per second per repetition, index-aligned across modes.
 */
import { type ChildProcess, fork } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { RedisServer } from "../test/helpers/redis-server.js";

type Mode = "single" | "local+redis" | "cross";
const MODES: Mode[] = ["single", "local+redis", "cross"];

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const quick = args.includes("--quick");
const json = args.includes("--json");
const clients = flag("clients", quick ? 20 : 100);
const messages = flag("messages", quick ? 500 : 2000);
const reps = flag("reps", quick ? 2 : 5);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const live = new Set<ChildProcess>();

/** A forked child and a request/response channel to it. */
function spawnChild(file: string, argv: unknown) {
  const child = fork(here(file), [JSON.stringify(argv)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  let nextId = 1;
  const first = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`${file} exited early (${code})`)));
  });
  const call = <T>(cmd: string, extra: Record<string, unknown> = {}) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      const onMessage = (m: { id?: number; result?: T }) => {
        if (m.id !== id) return;
        child.off("message", onMessage);
        resolve(m.result as T);
      };
      child.on("message", onMessage);
      child.send({ id, cmd, ...extra });
    });
  return { child, first, call };
}

/** What the client process reports. */
interface Outcome {
  delivered: number;
  expected: number;
  outOfOrder: number;
  firstAt: number;
  lastAt: number;
}

async function runOnce(mode: Mode, url: string, rep: number): Promise<number> {
  const prefix = `bench-${process.pid}-${rep}-${MODES.indexOf(mode)}`;
  const nodes = mode === "cross" ? [0, 1] : [0];
  const servers = nodes.map(() =>
    spawnChild("./node.ts", mode === "single" ? { prefix } : { url, prefix }),
  );
  try {
    const ports = await Promise.all(servers.map(async (s) => (await s.first).port as number));
    await Promise.all(servers.map((s) => s.call("ready")));
    const target = ports[ports.length - 1] as number;
    const peer = spawnChild("./clients.ts", { port: target, clients, messages });
    await peer.first;
    const outcome = new Promise<Outcome>((resolve) =>
      peer.child.on("message", (m: { result?: Outcome }) => m.result && resolve(m.result)),
    );
    const publisher = servers[0] as ReturnType<typeof spawnChild>;
    const { startedAt } = await publisher.call<{ startedAt: number }>("broadcast", { messages });
    const result = await outcome;
    if (result.delivered !== result.expected || result.outOfOrder !== 0) {
      throw new Error(
        `${mode}: delivered ${result.delivered} of ${result.expected}, ${result.outOfOrder} out of order`,
      );
    }
    await Promise.all(servers.map((s) => s.call("close")));
    return result.delivered / ((result.lastAt - startedAt) / 1000);
  } finally {
    for (const child of live) child.kill("SIGKILL");
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const k = (n: number) => `${Math.round(n / 1000).toLocaleString("en-US")}k`;

const redis = await RedisServer.start();
try {
  const rates = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
  for (let rep = 0; rep < reps; rep++) {
    const order = MODES.map((_, i) => MODES[(i + rep) % MODES.length] as Mode);
    for (const mode of order) {
      const rate = await runOnce(mode, redis.url, rep);
      rates.get(mode)?.push(rate);
      process.stderr.write(`rep ${rep + 1}/${reps} ${mode}: ${k(rate)} deliveries/s\n`);
    }
  }
  if (json) {
    const node = process.version;
    const rateLists = Object.fromEntries(rates);
    console.log(
      JSON.stringify({ clients, messages, reps, node, cpus: cpus().length, rates: rateLists }),
    );
  } else printTable(rates);
} finally {
  for (const child of live) child.kill("SIGKILL");
  await redis.stop();
}

function printTable(rates: Map<Mode, number[]>): void {
  const single = rates.get("single") ?? [];
  console.log(
    `\nBroadcast to ${clients} clients × ${messages} messages, ${reps} repetitions, Node ${process.version}, ${cpus().length} CPUs, redis-server on loopback`,
  );
  console.log(
    "| mode | deliveries/s, median [min–max] | vs single, median of per-repetition ratios |",
  );
  console.log("|---|---|---|");
  for (const mode of MODES) {
    const values = rates.get(mode) ?? [];
    const ratios = values.map((v, i) => v / (single[i] as number));
    console.log(
      `| ${mode} | ${k(median(values))} [${k(Math.min(...values))}–${k(Math.max(...values))}] | ${median(ratios).toFixed(2)}× |`,
    );
  }
}
