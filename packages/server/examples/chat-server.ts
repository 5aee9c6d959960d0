import { AppError, createServer } from "@sockwire/server";
import { chat } from "./contract.js";

const server = createServer(chat, {
  // Credentials arrive validated against the contract; the return value becomes conn.context.
  authenticate: ({ user }) => {
    if (user === "root") throw new AppError("NAME_TAKEN", "pick another name");
    return { user };
  },
});

server.handle("join", ({ room }, conn) => {
  conn.join(room);
  return { members: server.to(room).size };
});

server.on("say", ({ room, text }, conn) => {
  if (!conn.rooms.has(room)) return;
  server.to(room).emit("said", { room, user: conn.context.user, text });
});

server.onConnection((conn) =>
  console.log(`+ ${conn.context.user} ${conn.remoteAddress}:${conn.remotePort}`),
);
server.onDisconnect((conn, { code }) => console.log(`- ${conn.context.user} ${code}`));
server.onError((error) => console.warn(`! ${error.code} ${error.message}`));

const { address, port } = await server.listen({ port: Number(process.env.PORT ?? 18888) });
console.log(`listening on ${address}:${port}`);

// Ctrl+C: goaway to every client, let requests in flight finish, flush, then close.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(
    signal,
    () => void server.close({ timeoutMs: 5000 }).then(() => console.log("closed")),
  );
}
