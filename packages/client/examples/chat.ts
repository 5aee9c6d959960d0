// A client and a server for one contract, in one process: typed events both ways, a request, a
// coded error, and a server restart that the client rides out (the event sent while the server
// was down arrives once, after the reconnect). Run: pnpm --filter @sockwire/client example
import { createClient, defineContract, isSockwireError } from "@sockwire/client";
import { createServer } from "@sockwire/server";
import { z } from "zod";

const chat = defineContract({
  name: "chat",
  client: {
    events: { say: z.object({ text: z.string().max(1000) }) },
    requests: {
      join: {
        input: z.object({ room: z.string().min(1) }),
        output: z.object({ members: z.number().int() }),
      },
    },
  },
  server: { events: { greeting: z.object({ text: z.string() }) } },
});

async function startServer(port = 0) {
  const server = createServer(chat);
  server.onConnection((conn) => void conn.emit("greeting", { text: "Server Say Hello" }));
  server.on("say", ({ text }) => console.log(`server got: ${text}`));
  server.handle("join", ({ room }, conn) => {
    conn.join(room);
    return { members: server.to(room).size };
  });
  const address = await server.listen({ host: "127.0.0.1", port });
  return { server, port: address.port };
}

let { server, port } = await startServer();

const client = createClient(chat, { port, reconnect: { initialDelayMs: 100 } });
client.onStatus((s) =>
  console.log(`status: ${s.state}${s.state === "open" && s.reconnect ? " (reconnected)" : ""}`),
);
client.on("greeting", ({ text }) => console.log(`client got: ${text}`)); // before connect: the greeting follows the welcome at once
await client.connect();

await client.emit("say", { text: "Client send Message" });
const { members } = await client.request("join", { room: "lobby" });
console.log(`joined lobby with ${members} member(s)`);

try {
  await client.request("join", { room: "" }); // refused locally by the contract, before sending
} catch (err) {
  if (isSockwireError(err)) console.log(`refused: ${err.code}`);
}

// The server restarts. Meanwhile the client queues what it is asked to send.
await server.close();
const pending = client.emit("say", { text: "sent while the server was down" });
({ server, port } = await startServer(port));
await pending;
const again = await client.request("join", { room: "lobby" }); // answered after the queued event
console.log(`rejoined lobby with ${again.members} member(s)`);

await client.close();
await server.close();
console.log(`reconnects: ${client.stats().reconnects}`);
