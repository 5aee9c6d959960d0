import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { createClient, type SockwireClient } from "@sockwire/client";
import { TS_CHILD_ARGV } from "../server/server-process.js";
import { feed } from "./contract.js";

/** What one slow-reader run measured. */
export interface SlowStreamResult {
  seconds: number;
  /** Items the reader took, and how fast it could have been given them (the producer's own count). */
  read: number;
  produced: number;
  /** Memory samples after a collection, both processes, in bytes: [reader, producer]. */
  samples: {
    at: number;
    reader: { heap: number; rss: number };
    producer: { heap: number; rss: number };
  }[];
  /** Items per second the producer managed when read at full speed (its unthrottled pace). */
  fullSpeed: number;
  /**
   * The rest of the connection, measured before the slow stream opened and again while it ran
   * (its producer held at the window): another stream's rate, and request round trips.
   */
  neighbours: { before: Neighbours; during: Neighbours };
}

/** What the other users of the connection get. */
export interface Neighbours {
  /** Items per second of a second stream read at full speed. */
  streamPerSec: number;
  /** Median round trip of sequential requests, ms. */
  requestMs: number;
}

type SlowClient = SockwireClient<typeof feed>;

async function neighbours(client: SlowClient, itemBytes: number): Promise<Neighbours> {
  const start = performance.now();
  let n = 0;
  for await (const _ of client.stream("feed", { bytes: itemBytes, tag: "neighbour" }))
    if (++n === 20_000) break;
  const streamPerSec = n / ((performance.now() - start) / 1000);
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await client.request("ping", undefined);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { streamPerSec, requestMs: times[100] as number };
}

export interface SlowStreamOptions {
  seconds: number;
  /** Bytes of padding per item. */
  itemBytes: number;
  /** Sample memory this often, ms. */
  sampleMs: number;
}

const PRODUCER = fileURLToPath(new URL("./producer.ts", import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A full collection, with or without --expose-gc (a test runner's worker has no such flag). */
const collect: () => void =
  globalThis.gc ??
  (() => {
    v8.setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  })();

function gcMemory(): { heap: number; rss: number } {
  collect();
  const { heapUsed, rss } = process.memoryUsage();
  return { heap: heapUsed, rss };
}

/**
 * A server streams items as fast as it may to a client that reads at 1 % of that pace, for
 * `seconds`; both processes' memory is sampled after a collection. The producer first runs
 * unthrottled for one second to learn its pace; the slow reader then takes one item every
 * 100 / pace seconds (at most 1 %).
 */
export async function runSlowStream(options: SlowStreamOptions): Promise<SlowStreamResult> {
  const child: ChildProcess = spawn(process.execPath, ["--expose-gc", ...TS_CHILD_ARGV, PRODUCER], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /port (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once("exit", (code) => reject(new Error(`producer exited (${code})`)));
    });
    const client = createClient(feed, { port, host: "127.0.0.1" });
    await client.connect();
    try {
      // The producer's pace, read at full speed for a second.
      const fast = client.stream("feed", { bytes: options.itemBytes, tag: "full-speed" });
      let fastCount = 0;
      const fastStart = performance.now();
      for await (const _ of fast)
        if (++fastCount >= 1 && performance.now() - fastStart >= 1000) break;
      const fullSpeed = fastCount / ((performance.now() - fastStart) / 1000);
      await sleep(200);
      const neighboursBefore = await neighbours(client, options.itemBytes);
      let neighboursDuring: Neighbours | undefined;
      const before = await client.request("memory", { tag: "slow" });
      const everyMs = Math.max(1, Math.ceil(100_000 / fullSpeed)); // at most 1 % of the producer's pace (timers take whole ms)
      const slow = client.stream("feed", { bytes: options.itemBytes, tag: "slow" });
      const samples: SlowStreamResult["samples"] = [];
      const start = performance.now();
      let nextSample = 0;
      let read = 0;
      for await (const _ of slow) {
        read++;
        const at = performance.now() - start;
        if (at >= nextSample) {
          const producer = await client.request("memory", { tag: "slow" });
          samples.push({ at: Math.round(at), reader: gcMemory(), producer });
          nextSample += options.sampleMs;
        }
        if (neighboursDuring === undefined && at >= (options.seconds * 1000) / 2) {
          // Midway, with the slow stream's producer held at its window: the rest of the
          // connection must not be held with it.
          neighboursDuring = await neighbours(client, options.itemBytes);
        }
        if (at >= options.seconds * 1000) break;
        await sleep(everyMs);
      }
      const after = await client.request("memory", { tag: "slow" });
      return {
        neighbours: {
          before: neighboursBefore,
          during: neighboursDuring ?? (await neighbours(client, options.itemBytes)),
        },
        seconds: (performance.now() - start) / 1000,
        read,
        produced: after.produced - before.produced,
        samples,
        fullSpeed,
      };
    } finally {
      await client.close();
    }
  } finally {
    child.kill("SIGTERM");
  }
}
