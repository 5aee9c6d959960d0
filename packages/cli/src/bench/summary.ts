import type { BenchRun } from "./runner.js";

/** What a summary says besides the run's numbers. */
export interface BenchFacts {
  readonly name: string;
  readonly kind: "event" | "request";
  /** `host:port`. */
  readonly target: string;
  /** The value sent each time, for the payload rate. */
  readonly value: unknown;
}

/** Bytes of one message's JSON payload. */
function payloadBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : Buffer.byteLength(text);
}

function numbers(run: BenchRun, facts: BenchFacts) {
  const seconds = Math.max(run.endedAt - run.startedAt, 1e-6) / 1000;
  const bytes = payloadBytes(facts.value);
  return {
    seconds,
    bytes,
    msgsPerSec: run.ok / seconds,
    bytesPerSec: (run.ok * bytes) / seconds,
  };
}

/**
 * The summary as text, in the manner of nats bench:
 *
 * ```
 * bench join (request) at 127.0.0.1:7000: 10000 sent, 10000 ok, 0 failed in 1.234 s
 *   8104 msgs/s, 0.31 MB/s of payload (40 bytes each)
 *   latency ms: min 0.041, p50 0.098, p90 0.150, p99 0.390, max 2.100, mean 0.112
 * ```
 */
export function benchText(run: BenchRun, facts: BenchFacts): string {
  const { seconds, bytes, msgsPerSec, bytesPerSec } = numbers(run, facts);
  const lines = [
    `bench ${facts.name} (${facts.kind}) at ${facts.target}: ${run.sent} sent, ${run.ok} ok, ${run.failures} failed in ${seconds.toFixed(3)} s`,
    `  ${Math.round(msgsPerSec)} msgs/s, ${(bytesPerSec / 1e6).toFixed(2)} MB/s of payload (${bytes} bytes each)`,
  ];
  const latency = run.latencies.summary();
  if (latency) {
    const ms = (v: number) => v.toFixed(3);
    lines.push(
      `  latency ms: min ${ms(latency.min)}, p50 ${ms(latency.p50)}, p90 ${ms(latency.p90)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)}, mean ${ms(latency.mean)}`,
    );
  }
  if (run.errors.size > 0) {
    lines.push(`  failed: ${[...run.errors].map(([code, n]) => `${code} ${n}`).join(", ")}`);
  }
  if (run.stop === "interrupted" || run.stop === "lost") lines.push(`  stopped early: ${run.stop}`);
  return `${lines.join("\n")}\n`;
}

/** The summary as one JSON object (`--json`). */
export function benchJson(run: BenchRun, facts: BenchFacts): string {
  const { seconds, bytes, msgsPerSec, bytesPerSec } = numbers(run, facts);
  return `${JSON.stringify({
    name: facts.name,
    kind: facts.kind,
    target: facts.target,
    sent: run.sent,
    ok: run.ok,
    failed: run.failures,
    errors: Object.fromEntries(run.errors),
    stopped: run.stop ?? "done",
    durationMs: Math.round(seconds * 1000 * 1000) / 1000,
    msgsPerSec: Math.round(msgsPerSec),
    payloadBytes: bytes,
    bytesPerSec: Math.round(bytesPerSec),
    latencyMs: run.latencies.summary() ?? null,
  })}\n`;
}
