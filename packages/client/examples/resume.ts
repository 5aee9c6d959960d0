// A client that rides out a dropped connection and a server restart. A proxy between the two
// stands in for a network that drops connections. Run: pnpm --filter @sockwire/client example:resume
import { createServer as createTcpServer, type Socket, connect as tcpConnect } from "node:net";
import { createClient, defineContract } from "@sockwire/client";
import { createServer } from "@sockwire/server";
import { z } from "zod";

const chat = defineContract({
  name: "resume-demo",
  client: {
    events: { say: z.object({ seq: z.number().int() }) },
    requests: {
      join: { input: z.object({ room: z.string() }), output: z.object({ members: z.number() }) },
    },
  },
});

async function startServer(port = 0) {
  const server = createServer(chat);
  server.handle("join", ({ room }, conn) => {
    conn.join(room);
    console.log(`server: joined ${room}`);
    return { members: server.to(room).size };
  });
  server.on("say", ({ seq }, conn) => console.log(`server: say ${seq} from ${[...conn.rooms]}`));
  server.onSessionResumed((conn) => console.log(`server: resumed, still in ${[...conn.rooms]}`));
  const address = await server.listen({ host: "127.0.0.1", port });
  return { server, port: address.port };
}

let { server, port } = await startServer();

// The flaky network: forwards to the server, and can drop every connection at once.
const links = new Set<Socket>();
const proxy = createTcpServer((inbound) => {
  const outbound = tcpConnect(port, "127.0.0.1");
  for (const [a, b] of [
    [inbound, outbound],
    [outbound, inbound],
  ] as const) {
    links.add(a);
    a.on("data", (chunk) => b.write(chunk));
    a.on("close", () => b.destroy());
    a.on("error", () => {});
  }
});
await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
const dropConnections = () => {
  for (const socket of links) socket.destroy();
  links.clear();
};

const { port: proxyPort } = proxy.address() as { port: number };
const client = createClient(chat, { port: proxyPort, reconnect: { initialDelayMs: 50 } });
client.onStatus((s) => {
  if (s.state !== "open") return;
  const how = s.resumed
    ? "resumed"
    : `new session${s.resumeFailure ? ` (${s.resumeFailure.reason})` : ""}`;
  console.log(`client: open, ${how}`);
});
// Runs only when a session could not be resumed: re-join before anything queued is sent.
client.onResumeFailed(async () => {
  console.log("client: re-joining");
  await client.request("join", { room: "lobby" });
});
await client.connect();
await client.request("join", { room: "lobby" });

await client.emit("say", { seq: 1 });
dropConnections(); // the link drops: nothing to do, the session resumes with its room
await client.emit("say", { seq: 2 });
await client.delivered(); // the server has it, once
await client.emit("say", { seq: 3 });
await client.delivered();

await server.close(); // a restart ends every session for good
const queued = client.emit("say", { seq: 4 }); // waits for the new session, after the re-join
({ server, port } = await startServer(port));
await queued;
await client.delivered();

await client.close();
await server.close();
proxy.close();
