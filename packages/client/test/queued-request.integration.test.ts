import { defineContract, ErrorCode } from "@sockwire/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";
import { Harness, until } from "./support/harness.js";

// A request that waits in the offline queue is validated and encoded once, at the call: the
// frame it is charged for is the frame that is sent, with its id and deadline filled in then.

const h = new Harness();
afterEach(() => h.cleanup());

let checks = 0;
const counted = z.object({ text: z.string() }).refine(() => {
  checks++;
  return true;
});
const contract = defineContract({
  name: "queued-request",
  client: { requests: { echo: { input: counted, output: z.object({ text: z.string() }) } } },
});

describe("a queued request", () => {
  test("is validated once and sent as encoded, with a fresh id and its remaining deadline", async () => {
    const { port } = await h.server(contract, {}, (s) =>
      s.handle("echo", ({ text }, _conn, { signal }) => ({ text: `${text} ${signal.aborted}` })),
    );
    const proxy = await h.proxy(port);
    const client = h.client(contract, { port: proxy.port, reconnect: { initialDelayMs: 20 } });
    await client.connect();
    expect(await client.request("echo", { text: "first" })).toEqual({ text: "first false" });
    proxy.refusing = true;
    proxy.cut();
    await until(() => client.state === "reconnecting");
    checks = 0;
    const queued = client.request("echo", { text: "queued" }, { timeoutMs: 5000 });
    const before = client.stats().queuedBytes;
    expect(checks).toBe(1);
    proxy.refusing = false;
    expect(await queued).toEqual({ text: "queued false" });
    // Validated at the call only; the server validates its own copy (a second run, not ours).
    expect(checks).toBe(2);
    expect(before).toBeGreaterThan(0);
  });

  test("an invalid input fails at the call, before anything is queued", async () => {
    const { proxy, client } = await (async () => {
      const { port } = await h.server(contract, {}, (s) => s.handle("echo", (x) => x));
      const p = await h.proxy(port);
      const c = h.client(contract, { port: p.port, reconnect: { initialDelayMs: 20 } });
      await c.connect();
      return { proxy: p, client: c };
    })();
    proxy.refusing = true;
    proxy.cut();
    await until(() => client.state === "reconnecting");
    await expect(client.request("echo", { text: 1 } as never)).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
    });
    expect(client.stats().queuedMessages).toBe(0);
  });
});
