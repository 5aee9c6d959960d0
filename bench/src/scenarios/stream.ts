import { type Scenario, scaled } from "./types.js";

/**
 * Streaming: the client asks the server for N chat messages as one stream and reads them in
 * order, under the library's flow control (sockwire's credit, gRPC's HTTP/2 windows). Timed in
 * the client from the call to the last item. sockwire also runs the same N as plain server
 * events (`pushed`): the ratio of the two is what a stream costs over events.
 */
export const scenario: Scenario = {
  name: "stream",
  title: "Server-to-client streaming",
  metrics: [
    { key: "itemsPerSec", label: "streamed", unit: "items/s", better: "higher", headline: true },
    { key: "pushedPerSec", label: "same, as server events", unit: "msg/s", better: "higher" },
  ],
  params: (scale) => ({ items: scaled(200_000, scale, 100) }),
  repetitions: { full: 5, quick: 2 },
  freshProcesses: false,
  warmupSeconds: 3,
  contenders: ["sockwire", "sockwire-noresume", "grpc"],
  async serverTask(_server, _params, armed) {
    armed();
    return {};
  },
  async clientTask(contender, address, params) {
    const total = params.items as number;
    const client = await contender.connect(address);
    if (!client.streamItems) throw new Error(`${contender.name} has no streams`);
    let started = performance.now();
    const streamed = await client.streamItems(total);
    const streamSeconds = (performance.now() - started) / 1000;
    const measures: Record<string, number> = { streamed, streamSeconds };
    if (client.pushedItems) {
      started = performance.now();
      measures.pushed = await client.pushedItems(total);
      measures.pushSeconds = (performance.now() - started) / 1000;
    }
    return { measures, cleanup: () => client.close() };
  },
  combine(_server, client, params) {
    if (client.streamed !== params.items) {
      throw new Error(`streamed ${client.streamed} of ${params.items}`);
    }
    const out: Record<string, number> = {
      itemsPerSec: (client.streamed as number) / (client.streamSeconds as number),
    };
    if (client.pushed !== undefined) {
      if (client.pushed !== params.items)
        throw new Error(`pushed ${client.pushed} of ${params.items}`);
      out.pushedPerSec = (client.pushed as number) / (client.pushSeconds as number);
    }
    return out;
  },
};
