/**
 * The benchmark's clients, all in one process. argv[2] is JSON `{ port, clients, messages }`.
 * Each client checks its sequence; the process reports the shared-clock time of the first and
 * last delivery, and what was lost, reordered or duplicated.
 */
import { createClient, type SockwireClient } from "@sockwire/client";
import { benchContract, sharedClock } from "./contract.js";

const { port, clients, messages } = JSON.parse(process.argv[2] ?? "{}") as {
  port: number;
  clients: number;
  messages: number;
};
const expected = clients * messages;
let delivered = 0;
let outOfOrder = 0;
let firstAt = 0;
let lastAt = 0;
let finish: () => void = () => {};
const finished = new Promise<void>((resolve) => {
  finish = resolve;
});

const connected: Array<SockwireClient<typeof benchContract>> = [];
for (let i = 0; i < clients; i++) {
  const client = createClient(benchContract, { port, reconnect: false });
  let next = 0;
  client.on("chat", ({ seq }) => {
    if (delivered === 0) firstAt = sharedClock();
    if (seq !== next) outOfOrder++;
    next = seq + 1;
    if (++delivered === expected) {
      lastAt = sharedClock();
      finish();
    }
  });
  await client.connect();
  connected.push(client);
}
process.send?.({ connected: true });

// Bounded: a lost message must not hang the benchmark.
const timer = setTimeout(finish, 60_000);
await finished;
clearTimeout(timer);
process.send?.({ result: { delivered, expected, outOfOrder, firstAt, lastAt } });
await Promise.all(connected.map((client) => client.close({ timeoutMs: 2000 })));
process.disconnect?.();
