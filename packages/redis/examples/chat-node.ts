import { redisAdapter } from "@sockwire/redis";
import { createServer } from "@sockwire/server";
import { chat } from "./contract.js";

// One instance of the chat service. Run as many as you like against the same Redis, behind any
// TCP load balancer: REDIS_URL=redis://127.0.0.1:6379 PORT=7001 NAME=A tsx chat-node.ts
const name = process.env.NAME ?? "node";
const adapter = redisAdapter({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
const server = createServer(chat, {
  adapter,
  authenticate: ({ user }) => ({ user }),
});

server.handle("join", async ({ room }, conn) => {
  conn.join(room);
  // Cluster-wide: members of the room on every instance.
  return { id: conn.id, members: await adapter.roomSize(room) };
});

// Validated and encoded once here; the other instances write the same bytes to their clients.
server.on("say", ({ room, text }, conn) => {
  if (conn.rooms.has(room))
    server.to(room).emit("said", { room, user: conn.context.user, via: name, text });
});

// A connection id is cluster-unique, so this reaches the client wherever it is connected.
server.on("whisper", ({ to, text }, conn) => {
  server.emitTo(to, "said", { room: "(whisper)", user: conn.context.user, via: name, text });
});

server.onError((error) => console.error(`[${name}] ! ${error.code} ${error.message}`));
adapter.onStatus((state) => {
  console.log(`[${name}] redis ${state}`);
  if (state === "ready") process.send?.({ ready: true });
});

const { address, port } = await server.listen({ port: Number(process.env.PORT ?? 0) });
console.log(`[${name}] listening on ${address}:${port}`);
process.send?.({ port });

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void server.close({ timeoutMs: 5000 }).then(() => process.exit(0)));
}
