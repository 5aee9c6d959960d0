import { expect, test } from "vitest";
import { testContract } from "./support/contract.js";
import { Harness, sleep, until } from "./support/harness.js";

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

function settled(before: Record<string, number>, after: Record<string, number>): boolean {
  return ["TCPSocketWrap", "TCPServerWrap", "Timeout"].every(
    (k) => (after[k] ?? 0) <= (before[k] ?? 0),
  );
}

test("a client that connected, reconnected, timed out, cancelled and closed leaves no socket or timer behind", async () => {
  const h = new Harness();
  const before = resources();
  try {
    const { server, port } = await h.server(
      testContract,
      { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 100 },
      (s) => {
        s.handle("echo", (x) => x);
        s.handle("hang", () => new Promise(() => {}));
      },
    );
    const client = h.client(testContract, {
      port,
      heartbeatIntervalMs: 100,
      heartbeatTimeoutMs: 100,
    });
    const stream = client.events("tick");
    await client.connect();
    await client.request("echo", { text: "x" });
    await client.request("hang", {}, { timeoutMs: 20 }).catch(() => {});
    const controller = new AbortController();
    const cancelled = client.request("hang", {}, { signal: controller.signal }).catch(() => {});
    controller.abort();
    await cancelled;
    for (const conn of server.connections.values()) conn.destroy();
    await until(() => client.state === "open" && client.stats().reconnects === 1);
    await client.emit("seq", { n: 1 }, { expireAfterMs: 1000 });
    await client.close();
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await server.close();
    h.forget(server);
  } finally {
    await h.cleanup();
  }
  // Closing finishes on a later turn of the loop (later still on a loaded machine): wait, bounded,
  // for the counts to come back; anything still above the baseline after 3 s is a leak.
  let after = resources();
  for (let waited = 0; waited < 3000 && !settled(before, after); waited += 25) {
    await sleep(25);
    after = resources();
  }
  expect(after.TCPSocketWrap ?? 0, JSON.stringify(after)).toBeLessThanOrEqual(
    before.TCPSocketWrap ?? 0,
  );
  expect(after.TCPServerWrap ?? 0).toBeLessThanOrEqual(before.TCPServerWrap ?? 0);
  expect(after.Timeout ?? 0, JSON.stringify(after)).toBeLessThanOrEqual(before.Timeout ?? 0);
});
