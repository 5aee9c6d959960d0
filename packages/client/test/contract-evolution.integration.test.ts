import {
  type AnyContract,
  defineContract,
  ErrorCode,
  type SockwireError,
  WireCode,
} from "@sockwire/protocol";
import type { SockwireServer } from "@sockwire/server";
import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";
import type { ClientStatus } from "../src/index.js";
import { Harness, sleep, until } from "./support/harness.js";

// Rolling upgrades: a client and a server built from different versions of the same contract
// connect, and each message works or is disabled according to PROTOCOL.md 7.6, in the direction
// it flows: a few scenarios of a deploy, the offline queue across an upgrade, and what still
// refuses a connection. Every row of the rules table, tried both ways (an old client against a
// new server, a new client against an old server), is in
// contract-evolution-matrix.integration.test.ts.

const h = new Harness();
afterEach(() => h.cleanup());

const job = z.object({ job: z.string() });
const state = z.enum(["queued", "done"]);

/** Version 1 of the contract, as the old peer has it. */
function v1(overrides: { client?: object; server?: object } = {}) {
  return defineContract({
    name: "jobs",
    client: {
      events: { log: z.object({ line: z.string() }) },
      requests: {
        run: { input: job, output: z.object({ ok: z.boolean() }) },
        status: { input: job, output: z.object({ state }) },
      },
      ...overrides.client,
    },
    server: {
      events: { done: job },
      requests: {
        confirm: { input: z.object({ q: z.string() }), output: z.object({ yes: z.boolean() }) },
      },
      ...overrides.server,
    },
  });
}

const v1Tables = {
  clientEvents: { log: z.object({ line: z.string() }) },
  clientRequests: {
    run: { input: job, output: z.object({ ok: z.boolean() }) },
    status: { input: job, output: z.object({ state }) },
  },
  serverEvents: { done: job },
  serverRequests: {
    confirm: { input: z.object({ q: z.string() }), output: z.object({ yes: z.boolean() }) },
  },
};

/** Version 2: v1 with one change, given as replaced tables. */
function v2(change: Record<string, unknown>) {
  const t = { ...v1Tables, ...change } as typeof v1Tables;
  return defineContract({
    name: "jobs",
    client: { events: t.clientEvents, requests: t.clientRequests },
    server: { events: t.serverEvents, requests: t.serverRequests },
  });
}

// The two ends are built from different versions on purpose: their message names are checked at
// run time here (that is what the test is about), not by the compiler.
// biome-ignore lint/suspicious/noExplicitAny: see above.
type Loose = any;

interface Pair {
  server: Loose;
  client: Loose;
  serverErrors: SockwireError[];
  clientErrors: SockwireError[];
  opened: ClientStatus[];
}

/** A server on `serverContract` with handlers for every message it has, and a connected client. */
async function connectPair(
  serverContract: AnyContract,
  clientContract: AnyContract,
): Promise<Pair> {
  const serverErrors: SockwireError[] = [];
  const { server, port } = await h.server(serverContract, {}, (s) => {
    s.onError((e) => serverErrors.push(e));
    for (const name of serverContract.client.requests.keys()) {
      s.handle(
        name as never,
        ((input: { job?: string }) =>
          name === "status"
            ? { state: input.job === "x" ? "failed" : "done" }
            : { ok: true, detail: "fine" }) as never,
      );
    }
    for (const name of serverContract.client.events.keys()) s.on(name as never, () => {});
  });
  const client = h.client(clientContract, { port });
  const clientErrors: SockwireError[] = [];
  const opened: ClientStatus[] = [];
  client.onError((e) => clientErrors.push(e));
  client.onStatus((s) => {
    if (s.state === "open") opened.push(s);
  });
  for (const name of clientContract.server.requests.keys()) {
    client.handle(name as never, (() => ({ yes: true })) as never);
  }
  await client.connect();
  return { server: server as never, client: client as never, serverErrors, clientErrors, opened };
}

function onlyConnection(server: SockwireServer<AnyContract, undefined>): Loose {
  const conn = [...(server as SockwireServer<AnyContract, undefined>).connections.values()][0];
  if (!conn) throw new Error("no connection");
  return conn;
}

const disabled = { code: ErrorCode.MESSAGE_DISABLED };

describe("the same contract", () => {
  test("connects as before: nothing disabled, no report", async () => {
    const pair = await connectPair(v1(), v1());
    expect(pair.client.disabledMessages).toEqual([]);
    expect(pair.opened[0]).toMatchObject({ disabled: [] });
    expect(await pair.client.request("run", { job: "a" })).toEqual({ ok: true });
    expect(pair.serverErrors).toEqual([]);
  });
});

describe("a server deploy that adds an optional field, a new event and a new request", () => {
  const next = () =>
    v2({
      clientRequests: {
        ...v1Tables.clientRequests,
        run: { input: job, output: z.object({ ok: z.boolean(), detail: z.string().optional() }) },
        cancel: { input: job, output: z.object({ ok: z.boolean() }) },
      },
      serverEvents: { ...v1Tables.serverEvents, progress: z.object({ pct: z.number() }) },
    });

  test("old client, new server: everything old works; the new event never reaches the old client", async () => {
    const pair = await connectPair(next(), v1());
    // The optional field the old client does not know is stripped by its schema.
    expect(await pair.client.request("run", { job: "a" })).toEqual({ ok: true });
    const conn = onlyConnection(pair.server);
    expect(conn.disabledMessages).toEqual(["server.events.progress"]);
    await expect(conn.emit("progress" as never, { pct: 5 } as never)).rejects.toMatchObject({
      ...disabled,
      details: { message: "server.events.progress", status: "unknown-to-receiver" },
    });
    expect(pair.server.broadcast("progress" as never, { pct: 6 } as never)).toBe(0);
    expect(pair.server.broadcast("done", { job: "a" })).toBe(1);
    await until(() => pair.serverErrors.length === 1, 2000, "the report");
    expect(pair.serverErrors[0]).toMatchObject({
      code: ErrorCode.CONTRACT_DIFFERS,
      details: { disabled: [{ message: "server.events.progress" }] },
    });
    // Both ends hold the same terms for the connection.
    expect(pair.client.disabledMessages).toEqual(["server.events.progress"]);
  });

  test("new client, old server: the new request is refused at the call site, the rest works", async () => {
    const pair = await connectPair(v1(), next());
    await expect(
      pair.client.request("cancel" as never, { job: "a" } as never),
    ).rejects.toMatchObject({
      ...disabled,
      details: { message: "client.requests.cancel", status: "unknown-to-receiver" },
    });
    expect(await pair.client.request("run", { job: "a" })).toEqual({ ok: true });
    expect(pair.opened[0]).toMatchObject({ disabled: ["client.requests.cancel"] });
    expect(pair.clientErrors).toMatchObject([{ code: ErrorCode.CONTRACT_DIFFERS }]);
  });
});

describe("breaking changes disable the one message, in the direction it breaks", () => {
  test("a request input field made required: old clients may not call it; new clients may call old servers", async () => {
    const required = v2({
      clientRequests: {
        ...v1Tables.clientRequests,
        run: {
          input: z.object({ job: z.string(), priority: z.number() }),
          output: z.object({ ok: z.boolean() }),
        },
      },
    });
    const oldClient = await connectPair(required, v1());
    await expect(oldClient.client.request("run", { job: "a" })).rejects.toMatchObject({
      ...disabled,
      details: { message: "client.requests.run", status: "incompatible" },
    });
    expect(await oldClient.client.request("status", { job: "a" })).toEqual({ state: "done" });
    const newClient = await connectPair(v1(), required);
    expect(await newClient.client.request("run", { job: "a", priority: 1 } as never)).toEqual({
      ok: true,
    });
    expect(newClient.client.disabledMessages).toEqual([]);
  });

  test("an enum member added to a server answer: old clients may not ask; new clients may ask old servers", async () => {
    const wider = v2({
      clientRequests: {
        ...v1Tables.clientRequests,
        status: { input: job, output: z.object({ state: z.enum(["queued", "done", "failed"]) }) },
      },
    });
    const oldClient = await connectPair(wider, v1());
    await expect(oldClient.client.request("status", { job: "a" })).rejects.toMatchObject(disabled);
    expect(onlyConnection(oldClient.server).disabledMessages).toEqual(["client.requests.status"]);
    const newClient = await connectPair(v1(), wider);
    expect(await newClient.client.request("status", { job: "a" })).toEqual({ state: "done" });
  });

  test("an event the client sends, removed from the server: old clients may not send it", async () => {
    const removed = v2({ clientEvents: {} as never });
    const oldClient = await connectPair(removed, v1());
    await expect(oldClient.client.emit("log", { line: "x" })).rejects.toMatchObject({
      ...disabled,
      details: { message: "client.events.log", status: "unknown-to-receiver" },
    });
    const newClient = await connectPair(v1(), removed);
    expect(newClient.client.disabledMessages).toEqual([]);
  });

  test("a server request whose answer the client changes incompatibly: the server may not send it", async () => {
    const answer = v2({
      serverRequests: {
        confirm: { input: z.object({ q: z.string() }), output: z.object({ yes: z.literal(true) }) },
      },
    });
    // The new server reads only `true`; an old client may answer false: the server must not ask.
    const oldClient = await connectPair(answer, v1());
    const conn = onlyConnection(oldClient.server);
    await expect(conn.request("confirm", { q: "?" })).rejects.toMatchObject({
      ...disabled,
      details: { message: "server.requests.confirm", status: "incompatible" },
    });
    // A new client only ever answers true, which an old server reads.
    const newClient = await connectPair(v1(), answer);
    const oldConn = onlyConnection(newClient.server);
    expect(await oldConn.request("confirm", { q: "?" })).toEqual({ yes: true });
  });
});

describe("a rolling upgrade with events queued while the server was down", () => {
  test("an old client's queued emit of an event the new server disabled rejects with MESSAGE_DISABLED; a queued enabled event is delivered", async () => {
    const mark = z.object({ at: z.number() });
    const before = v1({ client: { events: { log: z.object({ line: z.string() }), mark } } });
    // The new server requires a field the old client's log lacks: disabled for that client.
    const after = v1({
      client: { events: { log: z.object({ line: z.string(), level: z.number() }), mark } },
    });
    const { server: oldServer, port } = await h.server(before);
    const client: Loose = h.client(before, { port });
    const clientErrors: SockwireError[] = [];
    client.onError((e: SockwireError) => clientErrors.push(e));
    await client.connect();

    const closing = oldServer.close();
    h.forget(oldServer);
    await closing;
    await until(() => client.state !== "open", 2000, "the loss");
    // Emitted while the server is down: both wait in the default offline queue.
    const queuedLog: Promise<void> = client.emit("log", { line: "while down" });
    const queuedMark: Promise<void> = client.emit("mark", { at: 1 });
    const settled = { log: false, mark: false };
    queuedLog.then(
      () => (settled.log = true),
      () => (settled.log = true),
    );
    queuedMark.then(
      () => (settled.mark = true),
      () => (settled.mark = true),
    );
    expect(client.stats()).toMatchObject({ queuedMessages: 2 });
    await sleep(20);
    expect(settled).toEqual({ log: false, mark: false });

    const logs: unknown[] = [];
    const marks: unknown[] = [];
    const serverErrors: SockwireError[] = [];
    await h.server(
      after,
      {},
      (s: Loose) => {
        s.on("log", (data: unknown) => void logs.push(data));
        s.on("mark", (data: unknown) => void marks.push(data));
        s.handle("run", () => ({ ok: true }));
        s.onError((e: SockwireError) => serverErrors.push(e));
      },
      port,
    );
    await until(() => settled.log && settled.mark, 5000, "the queued emits to settle");
    await expect(queuedLog).rejects.toMatchObject({
      code: ErrorCode.MESSAGE_DISABLED,
      details: { message: "client.events.log" },
    });
    await expect(queuedMark).resolves.toBeUndefined();
    await until(() => marks.length === 1, 2000, "the queued mark");
    expect(marks).toEqual([{ at: 1 }]);
    expect(client.disabledMessages).toEqual(["client.events.log"]);
    // A round trip after the flush: anything written before it has been read by the server.
    expect(await client.request("run", { job: "a" })).toEqual({ ok: true });
    expect(logs).toEqual([]);
    expect(serverErrors.map((e) => e.code)).toEqual([ErrorCode.CONTRACT_DIFFERS]);
    expect(client.stats()).toMatchObject({ queuedMessages: 0, reconnects: 1 });
  });
});

describe("what still refuses the whole connection", () => {
  test("a contract with another name", async () => {
    const { port } = await h.server(v1());
    const other = defineContract({ name: "other", client: { events: { log: z.string() } } });
    const client = h.client(other, { port, reconnect: false });
    await expect(client.connect()).rejects.toMatchObject({
      code: ErrorCode.CONTRACT_MISMATCH,
      remoteCode: WireCode.CONTRACT_MISMATCH,
    });
  });
});
