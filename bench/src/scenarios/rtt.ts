import { chat } from "../message.js";
import { latencySummary } from "../stats.js";
import { type Scenario, scaled } from "./types.js";

/**
 * Sequential round trips: one request at a time, each answered by the server's echo. Latency is
 * recorded per round trip in microseconds after a warm-up of a twentieth of the count.
 */
export const scenario: Scenario = {
  name: "rtt",
  title: "Sequential round trips",
  metrics: [
    { key: "p50", label: "round trip p50", unit: "µs", better: "lower", headline: true },
    { key: "p99", label: "round trip p99", unit: "µs", better: "lower" },
    { key: "p999", label: "round trip p99.9", unit: "µs", better: "lower" },
  ],
  params: (scale) => ({ roundTrips: scaled(20_000, scale, 50) }),
  repetitions: { full: 5, quick: 2 },
  freshProcesses: false,
  warmupSeconds: 3,
  async serverTask(_server, _params, armed) {
    armed();
    return {};
  },
  async clientTask(contender, address, params) {
    const total = params.roundTrips as number;
    const client = await contender.connect(address);
    const warmup = Math.max(10, Math.round(total / 20));
    for (let i = 0; i < warmup; i++) await client.request(chat(i));
    const samples = new Float64Array(total);
    let mismatched = 0;
    for (let i = 0; i < total; i++) {
      const start = performance.now();
      const reply = await client.request(chat(i));
      samples[i] = (performance.now() - start) * 1000;
      if (reply.seq !== i) mismatched++;
    }
    const { p50, p99, p999 } = latencySummary(samples);
    return {
      measures: { p50, p99, p999, mismatched, count: total },
      cleanup: () => client.close(),
    };
  },
  combine(_server, client) {
    if (client.mismatched !== 0)
      throw new Error(`${client.mismatched} replies did not match their request`);
    return { p50: client.p50 as number, p99: client.p99 as number, p999: client.p999 as number };
  },
};
