import { expect, test } from "vitest";
import { runSlowStream } from "../src/slow-stream/run.js";

// A stream read at 1 % of its producer's pace (PROTOCOL.md 8.7; docs/RELIABILITY.md, case 18b):
// credit holds the producer to the reader, neither process's memory grows, and the rest of the
// connection goes on. The full minute is `pnpm --filter sockwire-reliability slow-stream`; CI
// runs 8 s.

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

test("a reader at 1 % of the producer's pace: the producer stays within the credit, memory flat on both sides", async () => {
  const result = await runSlowStream({ seconds: 8, itemBytes: 1024, sampleMs: 1000 });
  expect(result.read).toBeGreaterThan(100);
  expect(result.read / result.seconds).toBeLessThan(result.fullSpeed / 50);
  // The producer made what was read plus at most what the credit allows, 1 MiB of ~1 KiB items
  // (streamBufferBytes), and the one item it pulls ahead, whatever it could have made meanwhile.
  expect(result.produced - result.read).toBeLessThanOrEqual(1024 + 1);
  // Heap after a collection. The reader fills a window of unread items (about 1 MiB here) in its
  // first second and then holds it, so its heap steps up once; what must not happen is a trend:
  // after that, the later half of the samples averages within 1 MiB of the earlier half (before
  // the reader's queue dropped what it had read, it grew by about half a MiB a second here).
  const settled = result.samples.filter((s) => s.at >= 2000);
  expect(settled.length).toBeGreaterThanOrEqual(4);
  const half = Math.floor(settled.length / 2);
  const trend = (heaps: number[]) => mean(heaps.slice(-half)) - mean(heaps.slice(0, half));
  expect(trend(settled.map((s) => s.reader.heap))).toBeLessThan(2 ** 20);
  expect(trend(settled.map((s) => s.producer.heap))).toBeLessThan(2 ** 20);
  // The rest of the connection is not held back by the stalled stream: another stream and
  // requests still flow on it.
  expect(result.neighbours.during.streamPerSec).toBeGreaterThan(0);
  expect(result.neighbours.during.requestMs).toBeLessThan(1000);
}, 60_000);
