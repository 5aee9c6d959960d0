import { AppError, defineContract, ErrorCode, type SockwireError } from "@sockwire/protocol";
import type { ServerConnection, ServerOptions } from "@sockwire/server";
import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";
import type { ClientOptions } from "../src/index.js";
import { Harness, sleep, until } from "./support/harness.js";

// Streams over real sockets (PROTOCOL.md 8.7): items in order with the result after them, the
// credit that holds a producer to its reader's pace, each way of ending a stream from each side
// (with the producer's `finally` observed), deadlines, many streams at once, and a close with
// streams open.

const streams = defineContract({
  name: "streams-test",
  client: {
    events: { note: z.object({ n: z.number().int() }) },
    requests: { echo: { input: z.string(), output: z.string() } },
    streams: {
      count: {
        input: z.object({ to: z.number().int().min(0), delayMs: z.number().int().optional() }),
        item: z.object({ n: z.number().int() }),
        result: z.object({ total: z.number().int() }),
      },
      upload: {
        input: z.object({ name: z.string() }),
        send: z.string().max(64),
        result: z.object({ chunks: z.number().int(), bytes: z.number().int() }),
      },
      chat: { input: z.undefined(), item: z.string(), send: z.string() },
      fail: { input: z.object({ after: z.number().int() }), item: z.number().int() },
      forever: { input: z.undefined(), item: z.number().int() },
      unhandled: { input: z.undefined(), item: z.number().int() },
    },
  },
  server: {
    streams: { probe: { input: z.object({ depth: z.number().int() }), item: z.string() } },
  },
});
type Streams = typeof streams;

const h = new Harness();
afterEach(() => h.cleanup());

interface Produced {
  /** Items each `forever` generator yielded, by stream id. */
  yielded: Map<number, number>;
  /** Stream ids whose generator's `finally` ran. */
  finals: number[];
  /** Stream ids whose signal aborted. */
  aborted: number[];
}

async function setup(
  serverOptions: ServerOptions<Streams> = {},
  clientOptions: Partial<ClientOptions<Streams>> = {},
) {
  const produced: Produced = { yielded: new Map(), finals: [], aborted: [] };
  const conns: ServerConnection<Streams>[] = [];
  const { server, port } = await h.server(streams, serverOptions, (s) => {
    s.handle("echo", (text) => text);
    s.handleStream("count", async function* ({ to, delayMs }) {
      for (let n = 1; n <= to; n++) {
        if (delayMs) await sleep(delayMs);
        yield { n };
      }
      return { total: to };
    });
    // biome-ignore lint/correctness/useYield: a client stream's handler yields nothing; it returns the result.
    s.handleStream("upload", async function* (_input, _conn, { items }) {
      let chunks = 0;
      let bytes = 0;
      for await (const chunk of items) {
        chunks++;
        bytes += chunk.length;
      }
      return { chunks, bytes };
    });
    s.handleStream("chat", async function* (_input, _conn, { items }) {
      for await (const line of items) yield `echo: ${line}`;
    });
    s.handleStream("fail", async function* ({ after }) {
      for (let n = 0; n < after; n++) yield n;
      throw new AppError("OUT_OF_LINES", "no more lines", { after });
    });
    s.handleStream("forever", async function* (_input, _conn, { id, signal }) {
      signal.addEventListener("abort", () => produced.aborted.push(id));
      try {
        for (let n = 0; n < 1_000_000; n++) {
          produced.yielded.set(id, n + 1);
          yield n;
        }
      } finally {
        produced.finals.push(id);
      }
    });
    s.onConnection((conn) => void conns.push(conn));
  });
  const client = h.client(streams, { port, ...clientOptions });
  await client.connect();
  await until(() => conns.length === 1);
  return { server, client, conn: conns[0] as ServerConnection<Streams>, produced };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (error: SockwireError) => error.code,
  );

describe("items, results and order", () => {
  test("a server stream: every item in order, then the result", async () => {
    const { client } = await setup();
    const stream = client.stream("count", { to: 500 });
    const items = await collect(stream);
    expect(items.map((i) => i.n)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(await stream.result).toEqual({ total: 500 });
  });

  test("a client stream: the items sent from an async iterable, the server's result", async () => {
    const { client } = await setup();
    async function* chunks() {
      for (let i = 0; i < 300; i++) yield "x".repeat(i % 60);
    }
    const stream = client.stream("upload", { name: "f" }, { send: chunks() });
    expect(await collect(stream)).toEqual([]);
    const expected = Array.from({ length: 300 }, (_, i) => i % 60).reduce((a, b) => a + b, 0);
    expect(await stream.result).toEqual({ chunks: 300, bytes: expected });
  });

  test("a bidirectional stream: each line sent comes back, the end of the sends ends it", async () => {
    const { client } = await setup();
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`);
    const stream = client.stream("chat", undefined, { send: lines });
    expect(await collect(stream)).toEqual(lines.map((l) => `echo: ${l}`));
    expect(await stream.result).toBeUndefined();
  });

  test("a stream the server opens, served by the client's handler", async () => {
    const { client, conn } = await setup();
    client.handleStream("probe", async function* ({ depth }) {
      for (let d = 0; d < depth; d++) yield `level ${d}`;
    });
    expect(await collect(conn.stream("probe", { depth: 3 }))).toEqual([
      "level 0",
      "level 1",
      "level 2",
    ]);
  });

  test("items and results are validated; an item the producer may not send fails its stream", async () => {
    const { client } = await setup();
    expect(() => client.stream("count", { to: -1 })).toThrow(
      expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }),
    );
    const big = client.stream("upload", { name: "f" }, { send: ["y".repeat(65)] });
    expect(await codeOf(big.result)).toBe(ErrorCode.REQUEST_CANCELLED);
  });
});

describe("credit", () => {
  test("a reader that stops reading holds the producer at the window", async () => {
    const { client, produced } = await setup({}, { streamWindow: 16 });
    const stream = client.stream("forever", undefined);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await sleep(200);
    const id = stream.id;
    // The window, plus the one the generator yields while it waits for credit to send it.
    expect(produced.yielded.get(id)).toBeLessThanOrEqual(16 + 1);
    // Reading on grants more.
    for (let i = 0; i < 40; i++) await iterator.next();
    expect(produced.yielded.get(id)).toBeGreaterThan(40);
    await iterator.return?.();
    await until(() => produced.finals.includes(id), 2000, "finally ran");
  });

  test("a slow stream does not hold back another stream, events or requests", async () => {
    const { client } = await setup({}, { streamWindow: 4 });
    const stalled = client.stream("forever", undefined);
    const stalledItems = stalled[Symbol.asyncIterator]();
    await stalledItems.next(); // and never again: its producer sits at the window
    const other = client.stream("count", { to: 1000 });
    expect((await collect(other)).length).toBe(1000);
    expect(await client.request("echo", "still answered")).toBe("still answered");
    stalled.cancel();
  });
});

describe("ends", () => {
  test("break in the reader's loop cancels the producer: its finally runs", async () => {
    const { client, produced } = await setup();
    const stream = client.stream("forever", undefined);
    for await (const n of stream) if (n >= 10) break;
    await until(() => produced.finals.includes(stream.id), 2000, "finally ran");
    expect(produced.aborted).toContain(stream.id);
    expect(await codeOf(stream.result)).toBe(ErrorCode.REQUEST_CANCELLED);
  });

  test("a throw in the reader's loop cancels it too", async () => {
    const { client, produced } = await setup();
    const stream = client.stream("forever", undefined);
    await expect(
      (async () => {
        for await (const n of stream) if (n === 3) throw new Error("reader gave up");
      })(),
    ).rejects.toThrow("reader gave up");
    await until(() => produced.finals.includes(stream.id), 2000, "finally ran");
  });

  test("aborting the signal cancels it on both sides", async () => {
    const { client, produced } = await setup();
    const controller = new AbortController();
    const stream = client.stream("forever", undefined, { signal: controller.signal });
    const reading = collect(stream);
    await until(() => (produced.yielded.get(stream.id) ?? 0) > 5);
    controller.abort(new Error("user left"));
    expect(await codeOf(reading)).toBe(ErrorCode.REQUEST_CANCELLED);
    await until(() => produced.finals.includes(stream.id), 2000, "finally ran");
  });

  test("the whole-stream deadline ends it on both sides", async () => {
    const { client, produced } = await setup();
    const stream = client.stream("count", { to: 1000, delayMs: 20 }, { timeoutMs: 150 });
    const result = await codeOf(collect(stream));
    expect([ErrorCode.REQUEST_TIMEOUT, ErrorCode.REMOTE_ERROR]).toContain(result);
    expect(await codeOf(stream.result)).toBe(result);
    const forever = client.stream("forever", undefined, { timeoutMs: 100 });
    const it = forever[Symbol.asyncIterator]();
    await it.next();
    await until(() => produced.finals.includes(forever.id), 2000, "finally ran");
  });

  test("the producer's throw ends the stream with its code, after the items before it", async () => {
    const { client } = await setup();
    const stream = client.stream("fail", { after: 3 });
    const seen: number[] = [];
    const error = await (async () => {
      try {
        for await (const n of stream) seen.push(n);
      } catch (e) {
        return e as SockwireError;
      }
    })();
    expect(seen).toEqual([0, 1, 2]);
    expect(error?.code).toBe(ErrorCode.REMOTE_ERROR);
    expect(error?.remoteCode).toBe("OUT_OF_LINES");
  });

  test("a stream without a handler is refused NOT_IMPLEMENTED", async () => {
    const { client } = await setup();
    const stream = client.stream("unhandled", undefined);
    const error = await stream.result.catch((e: SockwireError) => e);
    expect(error).toMatchObject({ code: ErrorCode.REMOTE_ERROR, remoteCode: "NOT_IMPLEMENTED" });
  });

  test("the server cancels a stream it opened when its reader leaves; the client's finally runs", async () => {
    const { client, conn } = await setup();
    let finals = 0;
    client.handleStream("probe", async function* () {
      try {
        for (let n = 0; n < 1_000_000; n++) yield `n${n}`;
      } finally {
        finals++;
      }
    });
    for await (const line of conn.stream("probe", { depth: 0 })) if (line === "n20") break;
    await until(() => finals === 1, 2000, "client finally ran");
  });
});

describe("many streams, and the connection's end", () => {
  test("50 streams at once, each complete and in order", async () => {
    const { client } = await setup();
    const all = Array.from({ length: 50 }, (_, i) => client.stream("count", { to: 100 + i }));
    const results = await Promise.all(all.map((s) => collect(s)));
    results.forEach((items, i) => {
      expect(items.map((x) => x.n)).toEqual(Array.from({ length: 100 + i }, (_, j) => j + 1));
    });
    expect(await Promise.all(all.map((s) => s.result))).toEqual(
      all.map((_, i) => ({ total: 100 + i })),
    );
  });

  test("past the server's maxStreams a stream is refused TOO_MANY_STREAMS", async () => {
    const { client } = await setup({ maxStreams: 2 });
    const open = [client.stream("forever", undefined), client.stream("forever", undefined)];
    const third = client.stream("forever", undefined);
    expect(await third.result.catch((e: SockwireError) => e.remoteCode)).toBe("TOO_MANY_STREAMS");
    for (const s of open) s.cancel();
  });

  test("a graceful close lets a stream finish", async () => {
    const { client } = await setup();
    const stream = client.stream("count", { to: 20, delayMs: 5 });
    const items = collect(stream);
    await sleep(20);
    const closing = client.close();
    expect((await items).length).toBe(20);
    expect(await stream.result).toEqual({ total: 20 });
    await closing;
  });

  test("a stream that outlives the close's share of time is cancelled GOING_AWAY", async () => {
    const { client, conn, produced } = await setup({ closeTimeoutMs: 400 });
    const stream = client.stream("forever", undefined);
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const closed = conn.close();
    const error = await stream.result.catch((e: SockwireError) => e);
    expect(error).toMatchObject({ code: ErrorCode.REMOTE_ERROR, remoteCode: "GOING_AWAY" });
    await until(() => produced.finals.includes(stream.id), 2000, "finally ran");
    await closed;
  });

  test("destroying the connection fails the client's streams and ends the server's generators", async () => {
    const { client, conn, produced } = await setup({ resumeWindowMs: 0 });
    const stream = client.stream("forever", undefined);
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    conn.destroy();
    expect(await codeOf(stream.result)).toBe(ErrorCode.CONNECTION_LOST);
    await until(() => produced.finals.includes(stream.id), 2000, "finally ran");
  });
});

describe("a lost link in a resumable session", () => {
  test("a stream cut mid-way goes on after the resume: every item once, in order, then the result", async () => {
    const produced: number[] = [];
    const { port } = await h.server(streams, {}, (s) => {
      s.handleStream("count", async function* ({ to, delayMs }) {
        for (let n = 1; n <= to; n++) {
          if (delayMs) await sleep(delayMs);
          produced.push(n);
          yield { n };
        }
        return { total: to };
      });
    });
    const proxy = await h.proxy(port);
    const client = h.client(streams, {
      port: proxy.port,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    await client.connect();
    const stream = client.stream("count", { to: 300, delayMs: 1 });
    const seen: number[] = [];
    let cut = false;
    for await (const { n } of stream) {
      seen.push(n);
      if (n === 50 && !cut) {
        cut = true;
        proxy.cut();
      }
    }
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(await stream.result).toEqual({ total: 300 });
    // The producer ran once: the resume sent again what the client lacked, not the handler.
    expect(produced).toEqual(seen);
  });
});
