// A rolling upgrade: a client built from version 1 of a contract keeps working across a server
// deploy of version 2, which adds an optional field to an answer, a new event and a new request.
// The client is never rebuilt. Run: pnpm --filter @sockwire/client example:upgrade
import { createClient, defineContract, isSockwireError } from "@sockwire/client";
import { createServer } from "@sockwire/server";
import { z } from "zod";

const job = z.object({ job: z.string() });

/** Version 1: what the client was built with, and the server ran at first. */
const v1 = defineContract({
  name: "jobs",
  client: { requests: { run: { input: job, output: z.object({ ok: z.boolean() }) } } },
  server: { events: { done: job } },
});

/** Version 2, deployed to the server only. */
const v2 = defineContract({
  name: "jobs",
  client: {
    requests: {
      run: { input: job, output: z.object({ ok: z.boolean(), queuedMs: z.number().optional() }) },
      cancel: { input: job, output: z.object({ ok: z.boolean() }) },
    },
  },
  server: { events: { done: job, progress: z.object({ job: z.string(), pct: z.number() }) } },
});

const host = "127.0.0.1";
const before = createServer(v1);
before.handle("run", () => ({ ok: true }));
const { port } = await before.listen({ host, port: 0 });

const client = createClient(v1, { host, port, reconnect: { initialDelayMs: 100 } });
client.onStatus((s) => {
  if (s.state !== "open") return;
  const disabled = s.disabled.length > 0 ? `, disabled here: ${s.disabled.join(", ")}` : "";
  console.log(`client: open${s.reconnect ? " again" : ""}${disabled}`);
});
client.on("done", ({ job }) => console.log(`client: ${job} is done`));
await client.connect();
console.log("client: run a ->", await client.request("run", { job: "a" }));

// The deploy: version 1 stops, version 2 starts on the same port. The client reconnects by itself.
await before.close();
const after = createServer(v2);
after.handle("run", () => ({ ok: true, queuedMs: 12 }));
after.handle("cancel", () => ({ ok: true }));
after.onError((error) => {
  // Once per connection whose client runs another version with something disabled.
  if (error.code === "ERR_CONTRACT_DIFFERS") console.log(`server: ${error.message}`);
});
await after.listen({ host, port });

// The old client's request waits for the reconnect; the new optional field is stripped.
console.log("client: run b ->", await client.request("run", { job: "b" }));

// The server may not send the old client the event it does not have; the rest flows.
const conn = [...after.connections.values()][0];
if (conn === undefined) throw new Error("the client is not connected");
try {
  await conn.emit("progress", { job: "b", pct: 50 });
} catch (error) {
  if (isSockwireError(error)) console.log(`server: progress refused: ${error.code}`);
}
console.log(`server: progress broadcast to ${after.broadcast("progress", { job: "b", pct: 90 })}`);
console.log(`server: done broadcast to ${after.broadcast("done", { job: "b" })}`);
await new Promise((resolve) => setTimeout(resolve, 100));

await client.close();
await after.close();
