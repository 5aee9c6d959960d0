import { createServer } from "@sockwire/server";
import { feed } from "./contract.js";

// The producer's process: a stream handler that yields as fast as its reader's credit lets it,
// and a request that reports this process's memory after a collection. Started by run.ts with
// --expose-gc; prints its port on stdout and stops on SIGTERM.

/** Items produced, by the tag the streams were opened with. */
const produced = new Map<string, number>();
const server = createServer(feed);
server.handleStream("feed", async function* ({ bytes, tag }, _conn, { signal }) {
  const pad = "x".repeat(bytes);
  let n = 0;
  while (!signal.aborted) {
    n++;
    produced.set(tag, (produced.get(tag) ?? 0) + 1);
    // Nothing here waits: only the reader's credit holds this loop back.
    yield { n, pad };
  }
  return { produced: n };
});
server.handle("ping", () => undefined);
server.handle("memory", ({ tag }) => {
  globalThis.gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heap: heapUsed, rss, produced: produced.get(tag) ?? 0 };
});
const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
console.log(`port ${port}`);
process.once("SIGTERM", () => void server.close({ timeoutMs: 2000 }).then(() => process.exit(0)));
