/**
 * One server instance for the cross-instance benchmark, in its own process. argv[2] is JSON:
 * `{ url?, prefix }`; without `url` the server has no adapter (the single-instance baseline).
 */

import { redisAdapter } from "@sockwire/redis";
import { createServer } from "@sockwire/server";
import { benchContract, CHAT_TEXT, sharedClock } from "./contract.js";

const { url, prefix } = JSON.parse(process.argv[2] ?? "{}") as { url?: string; prefix: string };
const adapter = url ? redisAdapter({ url, prefix }) : undefined;
const server = createServer(benchContract, { adapter });
let problems = 0;
server.onError(() => void problems++);

/** Publishes stay below this backlog: past 8 MiB the adapter would drop (at-most-once). */
const BACKLOG_BYTES = 1024 * 1024;

async function broadcast(messages: number) {
  const startedAt = sharedClock();
  for (let seq = 0; seq < messages; seq++) {
    server.broadcast("chat", { text: CHAT_TEXT, seq });
    if (adapter && seq % 64 === 63) {
      // Redis pub/sub has no flow control: wait for acknowledgements instead of overrunning it.
      while (adapter.stats().pendingBytes > BACKLOG_BYTES) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  return { startedAt, loopMs: sharedClock() - startedAt };
}

process.on("message", (message: { id: number; cmd: string; messages?: number }) => {
  const reply = (result: unknown) => process.send?.({ id: message.id, result });
  if (message.cmd === "ready") {
    (adapter ? adapter.whenReady({ timeoutMs: 10_000 }) : Promise.resolve()).then(() =>
      reply(true),
    );
  } else if (message.cmd === "broadcast") {
    void broadcast(message.messages ?? 0).then(reply);
  } else if (message.cmd === "stats") {
    reply({ adapter: adapter?.stats(), connections: server.connections.size, problems });
  } else if (message.cmd === "close") {
    void server.close({ timeoutMs: 2000 }).then(() => reply(true));
  }
});
process.on("disconnect", () => process.exit(0));

const { port } = await server.listen({ port: 0 });
process.send?.({ port });
