// Micro-benchmark of the protocol hot path, next to bare JSON in the same run.
//   pnpm bench:protocol            (from the repository root)
//   pnpm --filter @sockwire/protocol bench -- --reps 9 --ms 300
// Reports frames/s (median of several timed repetitions after a warm-up) for:
//   encode event         validate against the contract + JSON codec + envelope, one buffer per frame
//   encode in arena      what a session's emit does: accept check (or zod) + schema-planned JSON
//                        written into the shared frame arena + envelope, claimed there
//   decode+validate      FrameDecoder.nextEnvelope (framing + envelope) + JSON codec + schema validation
//   ... general path     the same through a codec without the schema-planned parser (JSON.parse)
//   JSON.stringify       the same object, bare
//   JSON.parse           the same payload text, bare
//   JSON.parse(bytes)    the same payload from its bytes (toString + JSON.parse), for reference
// and the ratio decode+validate / JSON.parse (target: at least 0.5).
import {
  decodeEvent,
  defaultCodec,
  defineContract,
  encodeEvent,
  FrameDecoder,
  type PayloadCodec,
} from "@sockwire/protocol";
import { z } from "zod";
import { PayloadRole } from "../src/contract/validate.js";
import { Kind } from "../src/envelope/kinds.js";
import { encodeInArena } from "../src/message/encode-in-arena.js";
import { frameArena, type RunOwner } from "../src/message/frame-arena.js";
import { outboundValue } from "../src/message/outbound.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
};
const REPS = option("reps", 7);
const REP_MS = option("ms", 250);
const WARMUP_MS = option("warmup", 500);
/** Frames per batch: decode gets them as one chunk, as from a busy socket. */
const BATCH = 1000;

const contract = defineContract({
  name: "bench",
  client: { events: { say: z.object({ text: z.string(), seq: z.number().int() }) } },
});
const TEXT = "Client send Message on 2017/4/19 23:15:24";
const objects = Array.from({ length: BATCH }, (_, seq) => ({ text: TEXT, seq }));
const texts = objects.map((o) => JSON.stringify(o));
const payloadBytes = texts.map((t) => Buffer.from(t));
const stream = Buffer.concat(objects.map((o) => encodeEvent(contract, "client", "say", o)));

let sink = 0; // consumed results, so nothing is optimised away

const sayEvent = contract.client.events.get("say") as z.ZodType;
/** Stands in for an outbound writer: the arena's runs are dropped instead of written. */
const runOwner: RunOwner = {
  runClosed(_buf, start, end) {
    sink += end - start;
  },
};

/** The default codec's functions outside its class: decoding takes the general JSON.parse path. */
const generalCodec: PayloadCodec = {
  name: "json",
  encode: defaultCodec.encode,
  decode: defaultCodec.decode,
  decodeRange: defaultCodec.decodeRange,
};

function decodeAll(options?: { codec: PayloadCodec }): number {
  const decoder = new FrameDecoder();
  decoder.push(stream);
  let n = 0;
  for (let env = decoder.nextEnvelope(); env !== undefined; env = decoder.nextEnvelope()) {
    const event = decodeEvent(contract, "client", env, options);
    sink += event.data.seq;
    n++;
  }
  return n;
}

/** One batch of each operation; returns the frames it handled. */
const operations: Record<string, () => number> = {
  "encode event": () => {
    for (const o of objects) sink += encodeEvent(contract, "client", "say", o).length;
    return BATCH;
  },
  "encode in arena": () => {
    for (const o of objects) {
      const value = outboundValue(sayEvent, o, true, PayloadRole.EVENT, "say");
      const frame = encodeInArena(Kind.EVENT, 0, "say", undefined, defaultCodec, sayEvent, value);
      if (frame !== undefined) frameArena.claim(frame, runOwner);
    }
    return BATCH;
  },
  "decode+validate": () => decodeAll(),
  "... general path": () => decodeAll({ codec: generalCodec }),
  "JSON.stringify": () => {
    for (const o of objects) sink += JSON.stringify(o).length;
    return BATCH;
  },
  "JSON.parse": () => {
    for (const t of texts) sink += (JSON.parse(t) as { seq: number }).seq;
    return BATCH;
  },
  "JSON.parse(bytes)": () => {
    for (const b of payloadBytes) sink += (JSON.parse(b.toString()) as { seq: number }).seq;
    return BATCH;
  },
};

/** Runs `op` repeatedly for about `ms` milliseconds; returns frames per second. */
function measure(op: () => number, ms: number): number {
  let frames = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  do {
    frames += op();
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return frames / (Number(elapsed) / 1e9);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

for (const op of Object.values(operations)) measure(op, WARMUP_MS);
const samples = new Map<string, number[]>(Object.keys(operations).map((name) => [name, []]));
for (let rep = 0; rep < REPS; rep++) {
  // Interleaved, so drift on a shared machine hits every operation alike.
  for (const [name, op] of Object.entries(operations)) samples.get(name)?.push(measure(op, REP_MS));
}

const result = new Map([...samples].map(([name, values]) => [name, median(values)]));
const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(12);
console.log(
  `sockwire protocol bench: node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
);
console.log(
  `payload ${texts[0]?.length} bytes of JSON, frame ${stream.length / BATCH} bytes; median of ${REPS} x ${REP_MS} ms`,
);
for (const [name, value] of result) {
  const spread = samples.get(name) ?? [];
  console.log(
    `${name.padEnd(16)} ${fmt(value)} frames/s   (min ${fmt(Math.min(...spread)).trim()}, max ${fmt(Math.max(...spread)).trim()})`,
  );
}
const ratio = (result.get("decode+validate") ?? 0) / (result.get("JSON.parse") ?? 1);
console.log(`ratio decode+validate / JSON.parse: ${ratio.toFixed(2)} (target >= 0.50)`);
const general = (result.get("... general path") ?? 0) / (result.get("JSON.parse") ?? 1);
console.log(`ratio general path / JSON.parse: ${general.toFixed(2)} (schemas without a plan)`);
if (sink === 0) console.log("(no work done?)");
