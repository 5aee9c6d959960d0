import { chat } from "../message.js";
import { type Scenario, scaled, sharedClock } from "./types.js";

/**
 * One-way throughput: one client sends N chat messages as fast as its library's backpressure
 * allows; the server counts them, checking every sequence number. Timed from the client's first
 * send to the server's last message received (one clock shared by both processes), so a library
 * that holds messages back to batch them is charged for that wait; the receiver's own first-to-last
 * span is recorded too.
 */
export const scenario: Scenario = {
  name: "oneway",
  title: "One-way throughput",
  metrics: [
    { key: "msgsPerSec", label: "one-way", unit: "msg/s", better: "higher", headline: true },
    {
      key: "receiverMsgsPerSec",
      label: "first-to-last at the receiver",
      unit: "msg/s",
      better: "higher",
    },
  ],
  params: (scale) => ({ messages: scaled(200_000, scale, 100) }),
  repetitions: { full: 5, quick: 2 },
  freshProcesses: false,
  warmupSeconds: 3,
  serverTask(server, params, armed) {
    const total = params.messages as number;
    return new Promise((resolve) => {
      let count = 0;
      let outOfOrder = 0;
      let first = 0;
      server.onChat((payload) => {
        if (count === 0) first = performance.now();
        if (payload.seq !== count) outOfOrder++;
        count++;
        if (count === total) {
          const seconds = (performance.now() - first) / 1000;
          server.onChat(() => {});
          resolve({ received: count, outOfOrder, seconds, lastAt: sharedClock() });
        }
      });
      armed();
    });
  },
  async clientTask(contender, address, params) {
    const total = params.messages as number;
    const client = await contender.connect(address);
    const startedAt = sharedClock();
    for (let seq = 0; seq < total; seq++) {
      client.send(chat(seq));
      if (!client.hasRoom()) await client.waitForRoom();
    }
    return { measures: { sent: total, startedAt }, cleanup: () => client.close() };
  },
  combine(server, client, params) {
    if (server.received !== params.messages || server.outOfOrder !== 0) {
      throw new Error(
        `received ${server.received} of ${params.messages}, ${server.outOfOrder} out of order`,
      );
    }
    const seconds = ((server.lastAt as number) - (client.startedAt as number)) / 1000;
    return {
      msgsPerSec: (server.received as number) / seconds,
      receiverMsgsPerSec: (server.received as number) / (server.seconds as number),
    };
  },
};
