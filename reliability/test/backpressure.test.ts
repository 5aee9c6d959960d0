import type { SockwireError } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { reliabilityContract } from "../src/contract.js";
import { sleep, until } from "../src/wait.js";
import { client, startServer } from "./support/fixtures.js";

// Case 18 with the real client on the producing side, and the same rule in the other direction:
// the receiving side stops reading at maxInFlight, so a fast producer costs bounded memory and
// loses nothing.

describe("fast producer, slow handler (case 18)", () => {
  test("the client pipelines 10,000 requests against a 10 ms handler: the server never runs more than 1000 at once and every request gets its own answer", async () => {
    let running = 0;
    let maxRunning = 0;
    const run = await startServer(
      reliabilityContract,
      { authenticate: ({ client: id }) => ({ id }) },
      (s) =>
        s.handle("echo", async ({ n, delayMs }) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await sleep(delayMs);
          running--;
          return { n };
        }),
    );
    const c = client(reliabilityContract, { port: run.port, credentials: { client: 1 } });
    await c.connect();
    const answers = await Promise.all(
      Array.from({ length: 10_000 }, (_, i) =>
        c.request("echo", { n: i + 1, delayMs: 10 }).then(
          (a) => a.n,
          (e: SockwireError) => e.code,
        ),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    console.info(`case 18: 10,000 pipelined requests, at most ${maxRunning} handlers at once`);
    expect(maxRunning).toBe(1000);
    expect(run.server.stats().inFlightRequests).toBe(0);
    expect(c.stats().inFlightRequests).toBe(0);
    expect(run.closed).toEqual([]);
  });

  test("the server pipelines 5,000 requests to a client with maxInFlight 100: the client never runs more than 100 handlers and answers all", async () => {
    const run = await startServer(reliabilityContract, {
      authenticate: ({ client: id }) => ({ id }),
    });
    let running = 0;
    let maxRunning = 0;
    const c = client(reliabilityContract, {
      port: run.port,
      credentials: { client: 1 },
      maxInFlight: 100,
    });
    c.handle("work", async ({ n, delayMs }) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(delayMs);
      running--;
      return { n };
    });
    await c.connect();
    await until(() => run.opened.length === 1, "server side open");
    const conn = run.opened[0]?.conn;
    if (!conn) throw new Error("no connection");
    const answers = await Promise.all(
      Array.from({ length: 5000 }, (_, i) =>
        conn.request("work", { n: i + 1, delayMs: 5 }).then(
          (a) => a.n,
          (e: SockwireError) => e.code,
        ),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
    console.info(
      `case 18 (client side): 5,000 pipelined server requests, at most ${maxRunning} client handlers at once`,
    );
    expect(maxRunning).toBe(100);
    expect(conn.stats().inFlightOut).toBe(0);
  });
});
