import { expect, test } from "vitest";
import { runSlowStream } from "../src/slow-stream/run.js";

// A stream read at 1 % of its producer's pace (PROTOCOL.md 8.7; docs/RELIABILITY.md, "A slow
// stream reader"): credit holds the producer to the reader, and neither process's memory grows.
// The full minute is `pnpm --filter sockwire-reliability slow-stream`; CI runs 6 s.

test("a reader at 1 % of the producer's pace: the producer stays within the credit, memory flat on both sides", async () => {
  const result = await runSlowStream({ seconds: 6, itemBytes: 1024, sampleMs: 1500 });
  expect(result.read).toBeGreaterThan(100);
  expect(result.read / result.seconds).toBeLessThan(result.fullSpeed / 50);
  // The producer made what was read plus at most what the credit allows, 1 MiB of ~1 KiB items
  // (streamBufferBytes), and the one item it pulls ahead, whatever it could have made meanwhile.
  expect(result.produced - result.read).toBeLessThanOrEqual(1024 + 1);
  expect(result.samples.length).toBeGreaterThanOrEqual(3);
  const range = (values: number[]) => Math.max(...values) - Math.min(...values);
  // Heap after a collection; before the reader's queue dropped what it had read, the reader's
  // grew by about a MiB a second here.
  expect(range(result.samples.map((s) => s.reader.heap))).toBeLessThan(2 * 2 ** 20);
  expect(range(result.samples.map((s) => s.producer.heap))).toBeLessThan(2 * 2 ** 20);
}, 60_000);
