import { chat } from "../message.js";
import { type Scenario, scaled } from "./types.js";

/**
 * Pipelined round trips: the client keeps 64 requests in flight on one connection and issues a
 * new one as each reply arrives, until N have completed. Reported as round trips per second.
 */
export const scenario: Scenario = {
  name: "pipelined",
  title: "Pipelined round trips (64 in flight)",
  metrics: [
    {
      key: "rtPerSec",
      label: "pipelined",
      unit: "round trips/s",
      better: "higher",
      headline: true,
    },
  ],
  params: (scale) => ({ roundTrips: scaled(100_000, scale, 200), inFlight: 64 }),
  repetitions: { full: 5, quick: 2 },
  freshProcesses: false,
  warmupSeconds: 3,
  async serverTask(_server, _params, armed) {
    armed();
    return {};
  },
  async clientTask(contender, address, params) {
    const total = params.roundTrips as number;
    const inFlight = params.inFlight as number;
    const client = await contender.connect(address);
    let issued = 0;
    let completed = 0;
    let mismatched = 0;
    const start = performance.now();
    await new Promise<void>((resolve, reject) => {
      const issue = (): void => {
        const seq = issued++;
        client.request(chat(seq)).then((reply) => {
          if (reply.seq !== seq) mismatched++;
          completed++;
          if (issued < total) issue();
          else if (completed === total) resolve();
        }, reject);
      };
      for (let i = 0; i < Math.min(inFlight, total); i++) issue();
    });
    const seconds = (performance.now() - start) / 1000;
    return { measures: { completed, mismatched, seconds }, cleanup: () => client.close() };
  },
  combine(_server, client, params) {
    if (client.completed !== params.roundTrips || client.mismatched !== 0) {
      throw new Error(
        `${client.completed} of ${params.roundTrips} completed, ${client.mismatched} mismatched`,
      );
    }
    return { rtPerSec: (client.completed as number) / (client.seconds as number) };
  },
};
