import { runSlowStream } from "./slow-stream/run.js";

// `pnpm --filter sockwire-reliability slow-stream [--seconds 60] [--bytes 1024]`: a stream read at
// 1 % of its producer's pace; prints both processes' memory over the run (docs/RELIABILITY.md).

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const seconds = arg("seconds", 60);
const itemBytes = arg("bytes", 1024);
const result = await runSlowStream({ seconds, itemBytes, sampleMs: 5000 });
const mib = (n: number) => (n / 2 ** 20).toFixed(2);
console.log(
  `producer at full speed: ${Math.round(result.fullSpeed)} items/s (${itemBytes}-byte pad)`,
);
console.log(
  `slow reader: ${result.read} items in ${result.seconds.toFixed(1)} s (${(result.read / result.seconds).toFixed(1)}/s, ${((100 * result.read) / result.seconds / result.fullSpeed).toFixed(2)} % of full speed); the producer made ${result.produced}`,
);
console.log(
  "| at (s) | reader heap (MiB) | reader RSS (MiB) | producer heap (MiB) | producer RSS (MiB) |",
);
console.log("|---|---|---|---|---|");
for (const s of result.samples) {
  console.log(
    `| ${(s.at / 1000).toFixed(0)} | ${mib(s.reader.heap)} | ${mib(s.reader.rss)} | ${mib(s.producer.heap)} | ${mib(s.producer.rss)} |`,
  );
}
const { before, during } = result.neighbours;
console.log(
  `the rest of the connection, before the slow stream / while it ran: another stream ${Math.round(before.streamPerSec)} / ${Math.round(during.streamPerSec)} items/s, request round trip p50 ${before.requestMs.toFixed(3)} / ${during.requestMs.toFixed(3)} ms`,
);
const range = (values: number[]) => Math.max(...values) - Math.min(...values);
console.log(
  `heap range over the run: reader ${mib(range(result.samples.map((s) => s.reader.heap)))} MiB, producer ${mib(range(result.samples.map((s) => s.producer.heap)))} MiB`,
);
