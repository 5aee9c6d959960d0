import { EventEmitter, once } from "node:events";
import { createServer } from "@sockwire/server";
import { logs } from "./log-contract.js";

// The log grows by a line every 5 ms, whoever reads it.
const lines: string[] = [];
const grew = new EventEmitter();
const writer = setInterval(() => {
  lines.push(`line ${lines.length} at ${new Date().toISOString()}`);
  grew.emit("line");
}, 5);

const server = createServer(logs);

// Each `yield` waits until the client has room for the line (its credit): a client that reads
// one line a second holds this loop to one line a second, and nothing piles up in between.
server.handleStream("tail", async function* ({ from }, conn, { signal }) {
  let n = from;
  try {
    while (!signal.aborted) {
      if (n < lines.length) {
        yield { n, line: lines[n] as string };
        n++;
      } else {
        await once(grew, "line", { signal }).catch(() => undefined);
      }
    }
  } finally {
    // Runs when the client leaves its loop, cancels, or goes away.
    console.log(`tail ${conn.id} ended at line ${n} of ${lines.length}`);
  }
});

const { address, port } = await server.listen({ port: Number(process.env.PORT ?? 18889) });
console.log(`listening on ${address}:${port}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    clearInterval(writer);
    void server.close({ timeoutMs: 5000 }).then(() => console.log("closed"));
  });
}
