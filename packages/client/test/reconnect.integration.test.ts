import { ErrorCode, Kind, type SockwireError, WireCode } from "@sockwire/protocol";
import { afterEach, describe, expect, test } from "vitest";
import type { ClientStatus } from "../src/index.js";
import { authContract, testContract } from "./support/contract.js";
import { Harness, sleep, until } from "./support/harness.js";
import { fakeServer } from "./support/raw-peer.js";

const h = new Harness();
afterEach(() => h.cleanup());

/** A server behind a proxy, and a connected client going through the proxy. */
async function setup(
  clientOptions: Parameters<Harness["client"]>[1] extends infer O ? Partial<O> : never = {},
) {
  const seqs: number[] = [];
  const { server, port } = await h.server(testContract, {}, (s) => {
    s.on("seq", ({ n }) => void seqs.push(n));
    s.on("m", (n) => void seqs.push(n));
    s.handle("echo", (x) => x);
    s.handle("hang", () => new Promise(() => {}));
  });
  const proxy = await h.proxy(port);
  const client = h.client(testContract, { port: proxy.port, ...clientOptions });
  const statuses: ClientStatus[] = [];
  client.onStatus((s) => statuses.push(s));
  await client.connect();
  return { server, proxy, client, seqs, statuses };
}

describe("connection loss", () => {
  test("without resumption, in-flight requests reject with ERR_CONNECTION_LOST carrying the cause; the client reconnects", async () => {
    const { proxy, client, statuses } = await setup({ resume: false });
    const pending = client.request("hang", {});
    await until(() => client.stats().inFlightRequests === 1);
    proxy.cut();
    const error = (await pending.catch((e: unknown) => e)) as SockwireError;
    expect(error.code).toBe(ErrorCode.CONNECTION_LOST);
    expect(error.cause).toBeDefined();
    await until(() => client.state === "open" && client.stats().reconnects === 1);
    expect(statuses.map((s) => s.state)).toEqual([
      "connecting",
      "open",
      "reconnecting",
      "connecting",
      "open",
    ]);
    expect(statuses[2]).toMatchObject({
      previous: "open",
      attempt: 1,
      error: { code: ErrorCode.CONNECTION_LOST },
    });
    expect(statuses[3]).toMatchObject({ reconnect: true, attempt: 1 });
    expect(statuses[4]).toMatchObject({ reconnect: true, resumed: false });
    expect(client.stats().inFlightRequests).toBe(0);
    expect(await client.request("echo", { text: "again" })).toEqual({ text: "again" });
  });

  test("a plain FIN from the server: in-flight requests reject with ERR_CONNECTION_LOST whose cause says so", async () => {
    const port = await h.raw((socket) =>
      fakeServer(socket, {
        onFrame: (envelope) => {
          if (envelope.kind === Kind.REQUEST) socket.end();
        },
      }),
    );
    const client = h.client(testContract, { port, reconnect: false });
    await client.connect();
    await expect(client.request("echo", { text: "x" })).rejects.toMatchObject({
      code: ErrorCode.CONNECTION_LOST,
      cause: { code: ErrorCode.CONNECTION_CLOSED },
    });
  });

  test("reconnect: false closes the client on loss, with the loss as the error", async () => {
    const { proxy, client, statuses } = await setup({ reconnect: false });
    proxy.cut();
    await until(() => client.state === "closed");
    expect(statuses.at(-1)).toMatchObject({
      state: "closed",
      error: { code: ErrorCode.CONNECTION_LOST },
    });
    await expect(client.emit("m", 1)).rejects.toMatchObject({ code: ErrorCode.CONNECTION_CLOSED });
  });

  test("maxAttempts: gives up after that many failed attempts in a row and closes with the last error", async () => {
    const { proxy, client, statuses } = await setup({
      reconnect: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 },
    });
    proxy.refusing = true;
    proxy.cut();
    await until(() => client.state === "closed");
    const attempts = statuses.filter((s) => s.state === "connecting" && s.reconnect);
    expect(attempts.map((s) => (s.state === "connecting" ? s.attempt : 0))).toEqual([1, 2, 3]);
    expect(statuses.at(-1)).toMatchObject({
      state: "closed",
      error: { code: ErrorCode.CONNECT_FAILED },
    });
  });

  test("a permanent reject while reconnecting closes the client instead of retrying forever", async () => {
    let allow = true;
    let hellos = 0;
    const { server, port } = await h.server(authContract, {
      authenticate: () => {
        hellos++;
        if (!allow) throw new Error("revoked");
        return undefined;
      },
    });
    const client = h.client(authContract, { port, credentials: { token: "t" } });
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    await client.connect();
    allow = false;
    for (const conn of server.connections.values()) conn.destroy();
    await until(() => client.state === "closed");
    expect(statuses.at(-1)).toMatchObject({
      state: "closed",
      error: { code: ErrorCode.HANDSHAKE_REJECTED, remoteCode: WireCode.UNAUTHORIZED },
    });
    await sleep(100);
    expect(hellos).toBe(2);
  });
});

describe("offline queue", () => {
  test("emits while reconnecting are delivered once, in order, after the reconnect", async () => {
    const { proxy, client, seqs } = await setup();
    await client.emit("seq", { n: 0 });
    await until(() => seqs.length === 1); // a cut loses whatever is still in flight (RST model)
    proxy.refusing = true;
    proxy.cut();
    await until(() => client.state !== "open");
    const sends = Array.from({ length: 50 }, (_, i) => client.emit("seq", { n: i + 1 }));
    expect(client.stats()).toMatchObject({ queuedMessages: 50 });
    expect(client.bufferedAmount).toBe(client.stats().queuedBytes);
    await sleep(100);
    proxy.refusing = false;
    await Promise.all(sends);
    await until(() => seqs.length === 51);
    expect(seqs).toEqual(Array.from({ length: 51 }, (_, i) => i));
    expect(client.stats()).toMatchObject({ queuedMessages: 0, queuedBytes: 0, reconnects: 1 });
  });

  test("per-call policies: drop resolves without sending, fail rejects, expireAfterMs rejects when it runs out", async () => {
    const { proxy, client, seqs } = await setup();
    proxy.refusing = true;
    proxy.cut();
    await until(() => client.state !== "open");
    await client.emit("seq", { n: 1 }, { offline: "drop" });
    await expect(client.emit("seq", { n: 2 }, { offline: "fail" })).rejects.toMatchObject({
      code: ErrorCode.NOT_CONNECTED,
    });
    const expiring = client.emit("seq", { n: 3 }, { expireAfterMs: 30 });
    const kept = client.emit("seq", { n: 4 });
    await expect(expiring).rejects.toMatchObject({ code: ErrorCode.MESSAGE_EXPIRED });
    expect(client.stats()).toMatchObject({ queuedMessages: 1, droppedMessages: 1 });
    proxy.refusing = false;
    await kept;
    await until(() => seqs.length === 1);
    await sleep(20);
    expect(seqs).toEqual([4]);
  });

  test("the queue is bounded: past its caps, emits reject with ERR_OUTBOUND_BUFFER_FULL", async () => {
    const { proxy, client } = await setup({ offlineQueue: { maxMessages: 3 } });
    proxy.refusing = true;
    proxy.cut();
    await until(() => client.state !== "open");
    const accepted = [1, 2, 3].map((n) => client.emit("m", n));
    await expect(client.emit("m", 4)).rejects.toMatchObject({
      code: ErrorCode.OUTBOUND_BUFFER_FULL,
    });
    proxy.refusing = false;
    await Promise.all(accepted);
  });

  test("requests made while disconnected wait for the reconnect, within their timeout and signal; offline: fail opts out", async () => {
    const { proxy, client } = await setup();
    proxy.refusing = true;
    proxy.cut();
    await until(() => client.state !== "open");
    await expect(
      client.request("echo", { text: "now" }, { offline: "fail" }),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_CONNECTED });
    const later = client.request("echo", { text: "later" });
    const tooLate = client.request("echo", { text: "too late" }, { timeoutMs: 40 });
    const controller = new AbortController();
    const cancelled = client.request("echo", { text: "cancelled" }, { signal: controller.signal });
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: ErrorCode.REQUEST_CANCELLED });
    await expect(tooLate).rejects.toMatchObject({
      code: ErrorCode.REQUEST_TIMEOUT,
      details: { queued: true },
    });
    expect(client.stats().queuedMessages).toBe(1);
    await expect(client.request("echo", { text: 1 } as never)).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
    });
    proxy.refusing = false;
    expect(await later).toEqual({ text: "later" });
  });

  test("without resumption, a request written before the link drops fails with ERR_CONNECTION_LOST; an idempotent one is sent again after the reconnect", async () => {
    const runs: string[] = [];
    const { server, port } = await h.server(testContract, {}, (s) =>
      s.handle("sleep", async ({ ms, tag }) => {
        runs.push(`run ${tag}`);
        await sleep(ms);
        return { tag };
      }),
    );
    const proxy = await h.proxy(port);
    const client = h.client(testContract, {
      port: proxy.port,
      reconnect: { initialDelayMs: 20 },
      resume: false,
    });
    await client.connect();
    const once = client.request("sleep", { ms: 300, tag: 1 });
    const twice = client.request("sleep", { ms: 300, tag: 2 }, { idempotent: true });
    await until(() => runs.length === 2, 2000, "both running");
    proxy.cut();
    await expect(once).rejects.toMatchObject({ code: ErrorCode.CONNECTION_LOST });
    expect(await twice).toEqual({ tag: 2 });
    expect(runs.sort()).toEqual(["run 1", "run 2", "run 2"]);
    expect(client.stats().reconnects).toBe(1);
    expect(server.connections.size).toBe(1);
  });

  test("an idempotent request is not sent again once the client is closing", async () => {
    const { proxy, client } = await setup();
    const pending = client.request("hang", {}, { idempotent: true });
    await until(() => client.stats().inFlightRequests === 1);
    const closing = client.close({ timeoutMs: 200 });
    proxy.cut();
    await expect(pending).rejects.toMatchObject({
      code: expect.stringMatching(/^ERR_CONNECTION_(LOST|CLOSED)$/),
    });
    await closing;
    expect(client.stats().queuedMessages).toBe(0);
  });

  test("before the first open, emits and requests fail by default; an explicit queue waits for the open", async () => {
    const seqs: number[] = [];
    const { port } = await h.server(testContract, {}, (s) => {
      s.on("m", (n) => void seqs.push(n));
      s.handle("echo", (x) => x);
    });
    const client = h.client(testContract, { port });
    const connecting = client.connect();
    await expect(client.emit("m", 1)).rejects.toMatchObject({ code: ErrorCode.NOT_CONNECTED });
    await expect(client.request("echo", { text: "a" })).rejects.toMatchObject({
      code: ErrorCode.NOT_CONNECTED,
    });
    const queued = client.emit("m", 2, { offline: "queue" });
    const asked = client.request("echo", { text: "b" }, { offline: "queue" });
    await connecting;
    await queued;
    expect(await asked).toEqual({ text: "b" });
    await until(() => seqs.length === 1);
    expect(seqs).toEqual([2]);
  });

  test("close() while reconnecting stops retrying and rejects what is queued with ERR_CONNECTION_CLOSED", async () => {
    const { proxy, client } = await setup();
    proxy.refusing = true;
    proxy.cut();
    await until(() => client.state === "reconnecting");
    const queued = client.emit("m", 1);
    const waiting = client.request("echo", { text: "x" });
    await client.close();
    await expect(queued).rejects.toMatchObject({ code: ErrorCode.CONNECTION_CLOSED });
    await expect(waiting).rejects.toMatchObject({ code: ErrorCode.CONNECTION_CLOSED });
    const accepted = proxy.accepted;
    await sleep(100);
    expect(proxy.accepted).toBe(accepted);
    expect(client.state).toBe("closed");
  });

  test("event listeners and streams survive a reconnect", async () => {
    const { server, proxy, client } = await setup();
    const stream = client.events("tick");
    proxy.cut();
    await until(() => client.state === "open" && client.stats().reconnects === 1);
    for (const conn of server.connections.values()) await conn.emit("tick", { n: 5 });
    expect((await stream.next()).value).toEqual({ n: 5 });
  });
});

describe("server goaway", () => {
  test("requests in flight at the goaway still complete; the client reconnects to the restarted server", async () => {
    const { server, port } = await h.server(testContract, {}, (s) =>
      s.handle("sleep", async ({ ms, tag }) => {
        await sleep(ms);
        return { tag };
      }),
    );
    const client = h.client(testContract, { port });
    await client.connect();
    const inFlight = client.request("sleep", { ms: 80, tag: 7 });
    await sleep(10);
    const closing = server.close();
    h.forget(server);
    expect(await inFlight).toEqual({ tag: 7 });
    await closing;
    await h.server(testContract, {}, (s) => s.handle("echo", (x) => x), port);
    await until(() => client.state === "open" && client.stats().reconnects === 1);
    expect(await client.request("echo", { text: "back" })).toEqual({ text: "back" });
  });

  test("the server's reconnectAfterMs hint is honoured", async () => {
    const { server, port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    const statuses: [number, ClientStatus][] = [];
    client.onStatus((s) => statuses.push([performance.now(), s]));
    await client.connect();
    const closing = server.close({ reconnectAfterMs: 300 });
    h.forget(server);
    await closing;
    await h.server(testContract, {}, undefined, port);
    await until(() => client.state === "open" && client.stats().reconnects === 1);
    const reconnecting = statuses.find(([, s]) => s.state === "reconnecting");
    const connecting = statuses.find(([, s]) => s.state === "connecting" && s.reconnect);
    expect(reconnecting?.[1]).toMatchObject({
      delayMs: 300,
      error: { code: ErrorCode.CONNECTION_LOST, remoteCode: WireCode.GOING_AWAY },
    });
    expect((connecting?.[0] ?? 0) - (reconnecting?.[0] ?? 0)).toBeGreaterThanOrEqual(295);
  });

  test("a goaway with an application code closes the client (the server does not want it back)", async () => {
    const { server, port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    await client.connect();
    for (const conn of server.connections.values()) void conn.close("KICKED", "bye");
    await until(() => client.state === "closed");
    expect(statuses.slice(-2)).toMatchObject([
      { state: "closing", initiator: "remote" },
      {
        state: "closed",
        graceful: true,
        error: { code: ErrorCode.CONNECTION_LOST, remoteCode: "KICKED" },
      },
    ]);
  });
});
