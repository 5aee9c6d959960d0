import type { BenchClient } from "../contenders/types.js";
import { type ChatPayload, chat } from "../message.js";
import {
  closeAll,
  previousClientsGone,
  type Scenario,
  scaled,
  sharedClock,
  waitFor,
} from "./types.js";

/**
 * Fan-out: 100 clients connect (all in the client process), then the server broadcasts M
 * messages with its library's broadcast, respecting backpressure. Deliveries per second are timed
 * from the server's first broadcast to the last delivery in the client process (one clock shared
 * by both processes), so holding messages back to batch them is not free; every client checks its
 * sequence.
 */
export const scenario: Scenario = {
  name: "fanout",
  title: "Fan-out (server broadcast to 100 clients)",
  metrics: [
    {
      key: "deliveriesPerSec",
      label: "fan-out",
      unit: "deliveries/s",
      better: "higher",
      headline: true,
    },
    {
      key: "receiverDeliveriesPerSec",
      label: "first-to-last at the clients",
      unit: "deliveries/s",
      better: "higher",
    },
  ],
  params: (scale) => ({ clients: 100, messages: scaled(2_000, scale, 20) }),
  repetitions: { full: 5, quick: 2 },
  freshProcesses: false,
  warmupSeconds: 3,
  async serverTask(server, params, armed) {
    // Otherwise the broadcast could start before every new client is there, and a late one would
    // wait to the task's time limit for messages sent before it connected.
    await previousClientsGone(server);
    armed();
    await waitFor(() => server.clientCount() >= (params.clients as number), "fan-out clients");
    const startedAt = sharedClock();
    const start = performance.now();
    for (let seq = 0; seq < (params.messages as number); seq++) {
      server.broadcast(chat(seq));
      if (!server.hasRoom()) await server.waitForRoom();
    }
    return { broadcastSeconds: (performance.now() - start) / 1000, startedAt };
  },
  async clientTask(contender, address, params) {
    const clientCount = params.clients as number;
    const messages = params.messages as number;
    const expected = clientCount * messages;
    let delivered = 0;
    let outOfOrder = 0;
    let first = 0;
    let last = 0;
    let lastAt = 0;
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const clients: BenchClient[] = [];
    for (let i = 0; i < clientCount; i++) {
      let next = 0;
      // Handed over with connect(): a broadcast can arrive with the handshake's last bytes.
      const onChat = (payload: ChatPayload): void => {
        if (delivered === 0) first = performance.now();
        if (payload.seq !== next) outOfOrder++;
        next++;
        if (++delivered === expected) {
          last = performance.now();
          lastAt = sharedClock();
          done();
        }
      };
      clients.push(await contender.connect(address, { broadcasts: true, onChat }));
    }
    await finished;
    return {
      measures: { delivered, outOfOrder, seconds: (last - first) / 1000, lastAt },
      cleanup: () => closeAll(clients),
    };
  },
  combine(server, client, params) {
    const expected = (params.clients as number) * (params.messages as number);
    if (client.delivered !== expected || client.outOfOrder !== 0) {
      throw new Error(
        `delivered ${client.delivered} of ${expected}, ${client.outOfOrder} out of order`,
      );
    }
    const seconds = ((client.lastAt as number) - (server.startedAt as number)) / 1000;
    return {
      deliveriesPerSec: expected / seconds,
      receiverDeliveriesPerSec: expected / (client.seconds as number),
    };
  },
};
