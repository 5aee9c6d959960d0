import { AppError, ErrorCode, Kind, type SockwireError, WireCode } from "@sockwire/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { testContract } from "./support/contract.js";
import { Harness, sleep, until } from "./support/harness.js";
import { eventFrame, fakeServer, responseFrame } from "./support/raw-peer.js";

const h = new Harness();
afterEach(() => h.cleanup());

describe("#emit", () => {
  test("resolves once handed to the socket; the server gets the events in order", async () => {
    const got: number[] = [];
    const { port } = await h.server(testContract, {}, (s) =>
      s.on("seq", ({ n }) => void got.push(n)),
    );
    const client = h.client(testContract, { port });
    await client.connect();
    await Promise.all(Array.from({ length: 500 }, (_, n) => client.emit("seq", { n })));
    await until(() => got.length === 500);
    expect(got).toEqual(Array.from({ length: 500 }, (_, n) => n));
  });

  test("emits of one batch share one promise; a refused one gets its own", async () => {
    const { port } = await h.server(testContract, {}, (s) => s.on("seq", () => {}));
    const client = h.client(testContract, { port });
    await client.connect();
    const first = client.emit("seq", { n: 1 });
    const second = client.emit("seq", { n: 2 });
    const refused = client.emit("seq", { n: "x" } as never);
    expect(second).toBe(first);
    expect(refused).not.toBe(first);
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
    await first;
  });

  test("an emit from inside the encoding of another (a getter) sends both intact", async () => {
    const got: string[] = [];
    const { port } = await h.server(testContract, {}, (s) =>
      s.on("say", ({ text }) => void got.push(text)),
    );
    const client = h.client(testContract, { port });
    await client.connect();
    let reads = 0;
    const outer = {
      get text() {
        // Read by validation and again by the encoder, which is then writing the outer frame.
        void client.emit("say", { text: `inner ${++reads}` });
        return "outer";
      },
    };
    await client.emit("say", outer);
    await until(() => got.length === 1 + reads);
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(got).toEqual([...Array.from({ length: reads }, (_, i) => `inner ${i + 1}`), "outer"]);
  });

  test("invalid data rejects with ERR_VALIDATION_FAILED and the connection stays up", async () => {
    const { port } = await h.server(testContract, {}, (s) => s.handle("echo", (x) => x));
    const client = h.client(testContract, { port });
    await client.connect();
    await expect(client.emit("seq", { n: "one" } as never)).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
    });
    await expect(client.emit("nope" as never, {} as never)).rejects.toMatchObject({
      code: ErrorCode.UNKNOWN_MESSAGE_TYPE,
    });
    expect(await client.request("echo", { text: "still up" })).toEqual({ text: "still up" });
  });

  test("a message over the server's announced limit is refused locally with ERR_PEER_FRAME_LIMIT", async () => {
    const got: string[] = [];
    const { port } = await h.server(testContract, { maxFrameBytes: 4096 }, (s) =>
      s.on("blob", (b) => void got.push(b)),
    );
    const client = h.client(testContract, { port });
    await client.connect();
    await expect(client.emit("blob", "x".repeat(5000))).rejects.toMatchObject({
      code: ErrorCode.PEER_FRAME_LIMIT,
      details: { limit: 4096 },
    });
    await client.emit("blob", "small");
    await until(() => got.length === 1);
    expect(client.state).toBe("open");
  });

  test("before connect() and after close(): ERR_NOT_CONNECTED and ERR_CONNECTION_CLOSED", async () => {
    const { port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    await expect(client.emit("m", 1)).rejects.toMatchObject({ code: ErrorCode.NOT_CONNECTED });
    await client.connect();
    await client.close();
    await expect(client.emit("m", 1)).rejects.toMatchObject({ code: ErrorCode.CONNECTION_CLOSED });
    await expect(client.request("echo", { text: "" })).rejects.toMatchObject({
      code: ErrorCode.CONNECTION_CLOSED,
    });
  });

  test("bad emit options are refused with ERR_INVALID_ARGUMENT", async () => {
    const { port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    await client.connect();
    await expect(client.emit("m", 1, { offline: "later" as never })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    await expect(client.emit("m", 1, { expireAfterMs: -1 })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });
});

describe("#request", () => {
  test("resolves with the validated answer; many at once resolve to their own answers", async () => {
    const { port } = await h.server(testContract, {}, (s) => {
      s.handle("sleep", async ({ ms, tag }) => {
        await sleep(ms);
        return { tag };
      });
    });
    const client = h.client(testContract, { port });
    await client.connect();
    const tags = Array.from({ length: 100 }, (_, i) => i);
    const answers = await Promise.all(
      tags.map((tag) => client.request("sleep", { ms: (tag * 7) % 13, tag })),
    );
    expect(answers.map((a) => a.tag)).toEqual(tags);
    expect(client.stats().inFlightRequests).toBe(0);
  });

  test("an AppError from the handler: ERR_REMOTE with the server's code and details", async () => {
    const { port } = await h.server(testContract, {}, (s) =>
      s.handle("echo", () => {
        throw new AppError("ROOM_FULL", "full", { limit: 3 });
      }),
    );
    const client = h.client(testContract, { port });
    await client.connect();
    await expect(client.request("echo", { text: "" })).rejects.toMatchObject({
      code: ErrorCode.REMOTE_ERROR,
      remoteCode: "ROOM_FULL",
      details: { remote: { limit: 3 } },
    });
  });

  test("no handler on the server: ERR_REMOTE with NOT_IMPLEMENTED", async () => {
    const { port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    await client.connect();
    await expect(client.request("echo", { text: "" })).rejects.toMatchObject({
      remoteCode: WireCode.NOT_IMPLEMENTED,
    });
  });

  test("timeout: ERR_REQUEST_TIMEOUT, the timer is cleared and the server's handler is cancelled", async () => {
    const aborted: unknown[] = [];
    const { port } = await h.server(testContract, {}, (s) =>
      s.handle(
        "hang",
        (_input, _conn, ctx) =>
          new Promise(() =>
            ctx.signal.addEventListener("abort", () => aborted.push(ctx.signal.reason)),
          ),
      ),
    );
    const client = h.client(testContract, { port });
    await client.connect();
    await expect(client.request("hang", {}, { timeoutMs: 50 })).rejects.toMatchObject({
      code: ErrorCode.REQUEST_TIMEOUT,
      details: { timeoutMs: 50 },
    });
    expect(client.stats().inFlightRequests).toBe(0);
    await until(() => aborted.length === 1);
    // Both ends give up at 50 ms: the server by the deadline carried in the frame, or by our cancel.
    expect([WireCode.TIMEOUT, WireCode.CANCELLED]).toContain((aborted[0] as { code: string }).code);
  });

  test("the default timeout comes from requestTimeoutMs", async () => {
    const { port } = await h.server(testContract, {}, (s) =>
      s.handle("hang", () => new Promise(() => {})),
    );
    const client = h.client(testContract, { port, requestTimeoutMs: 40 });
    await client.connect();
    await expect(client.request("hang", {})).rejects.toMatchObject({
      code: ErrorCode.REQUEST_TIMEOUT,
      details: { timeoutMs: 40 },
    });
  });

  test("abort: ERR_REQUEST_CANCELLED with the reason as cause; the server's handler sees the cancel", async () => {
    const aborted: unknown[] = [];
    const { port } = await h.server(testContract, {}, (s) =>
      s.handle(
        "hang",
        (_i, _c, ctx) =>
          new Promise(() =>
            ctx.signal.addEventListener("abort", () => aborted.push(ctx.signal.reason)),
          ),
      ),
    );
    const client = h.client(testContract, { port });
    await client.connect();
    const controller = new AbortController();
    const pending = client.request("hang", {}, { signal: controller.signal });
    await sleep(20);
    controller.abort(new Error("changed my mind"));
    await expect(pending).rejects.toMatchObject({
      code: ErrorCode.REQUEST_CANCELLED,
      cause: { message: "changed my mind" },
    });
    await until(() => aborted.length === 1);
    await expect(client.request("hang", {}, { signal: AbortSignal.abort() })).rejects.toMatchObject(
      {
        code: ErrorCode.REQUEST_CANCELLED,
      },
    );
  });

  test("an invalid answer from the server rejects with ERR_VALIDATION_FAILED", async () => {
    const port = await h.raw((socket) =>
      fakeServer(socket, {
        onFrame: (env) => {
          if (env.kind === Kind.REQUEST) socket.write(responseFrame(env.id, { text: 42 }));
        },
      }),
    );
    const client = h.client(testContract, { port });
    await client.connect();
    await expect(client.request("echo", { text: "x" })).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
    });
  });
});

describe("server events: #on, #once, #off, #events", () => {
  test("on/once/off and several listeners; a throwing listener is reported and the others still run", async () => {
    const { server, port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    const errors: SockwireError[] = [];
    client.onError((e) => errors.push(e));
    const a: number[] = [];
    const b: number[] = [];
    const once: number[] = [];
    const la = ({ n }: { n: number }) => void a.push(n);
    client.on("tick", la);
    client.on("tick", ({ n }) => {
      b.push(n);
      if (n === 1) throw new Error("listener bug");
      if (n === 2) throw new AppError("TICK_REFUSED", "not now", { n });
    });
    client.once("tick", ({ n }) => void once.push(n));
    await client.connect();
    const conn = [...server.connections.values()][0];
    await conn?.emit("tick", { n: 1 });
    await until(() => b.length === 1);
    client.off("tick", la);
    await conn?.emit("tick", { n: 2 });
    await until(() => b.length === 2);
    expect(a).toEqual([1]);
    expect(b).toEqual([1, 2]);
    expect(once).toEqual([1]);
    expect(errors).toMatchObject([
      { code: ErrorCode.HANDLER_FAILED, cause: { message: "listener bug" } },
      {
        code: ErrorCode.HANDLER_FAILED,
        details: { appCode: "TICK_REFUSED", appDetails: { n: 2 } },
      },
    ]);
  });

  test("an unknown event name is refused at registration", async () => {
    const client = h.client(testContract, { port: 1 });
    expect(() => client.on("nope" as never, () => {})).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
    expect(() => client.handle("nope" as never, () => 1 as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });

  test("events() iterates in order and ends when the client closes", async () => {
    const { server, port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    const stream = client.events("tick");
    await client.connect();
    const conn = [...server.connections.values()][0];
    for (let n = 0; n < 10; n++) void conn?.emit("tick", { n });
    const got: number[] = [];
    for await (const { n } of stream) {
      got.push(n);
      if (n === 9) void client.close();
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("an event stream whose consumer falls behind fails with ERR_EVENT_BUFFER_FULL", async () => {
    const { server, port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    const stream = client.events("tick", { bufferSize: 5 });
    await client.connect();
    const conn = [...server.connections.values()][0];
    for (let n = 0; n < 10; n++) await conn?.emit("tick", { n });
    await sleep(50);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const { n } of stream) got.push(n);
      })(),
    ).rejects.toMatchObject({ code: ErrorCode.EVENT_BUFFER_FULL });
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  test("an invalid server event is dropped and reported; later events still arrive", async () => {
    const port = await h.raw((socket) =>
      fakeServer(socket, {
        after: [eventFrame("tick", { n: "bad" }), eventFrame("tick", { n: 7 })],
      }),
    );
    const client = h.client(testContract, { port });
    const errors: SockwireError[] = [];
    const got: number[] = [];
    client.onError((e) => errors.push(e));
    client.on("tick", ({ n }) => void got.push(n));
    await client.connect();
    expect(got).toEqual([7]);
    expect(errors).toMatchObject([{ code: ErrorCode.VALIDATION_FAILED }]);
  });
});

describe("#handle (server-to-client requests)", () => {
  test("answers with validated output; AppError keeps its code; missing handler is NOT_IMPLEMENTED", async () => {
    const { server, port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    const errors: SockwireError[] = [];
    client.onError((e) => errors.push(e));
    client.handle("double", (n) => {
      if (n < 0) throw new AppError("NEGATIVE", "no negatives");
      if (n === 13) return "thirteen" as never;
      return n * 2;
    });
    await client.connect();
    const conn = [...server.connections.values()][0];
    expect(await conn?.request("double", 21)).toBe(42);
    await expect(conn?.request("double", -1)).rejects.toMatchObject({ remoteCode: "NEGATIVE" });
    await expect(conn?.request("double", 13)).rejects.toMatchObject({
      remoteCode: WireCode.INTERNAL,
    });
    await expect(conn?.request("whoami", {})).rejects.toMatchObject({
      remoteCode: WireCode.NOT_IMPLEMENTED,
    });
    expect(errors.map((e) => e.code)).toContain(ErrorCode.VALIDATION_FAILED);
  });
});

describe("#ping", () => {
  test("measures a round trip; refuses when not open", async () => {
    const { port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    await expect(client.ping()).rejects.toMatchObject({ code: ErrorCode.NOT_CONNECTED });
    await client.connect();
    const ms = await client.ping();
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(ms).toBeLessThan(1000);
  });
});

describe("#bufferedAmount, #waitForRoom", () => {
  test("a server that stops reading: the soft mark makes producers wait, the hard cap rejects", async () => {
    let serverSocket: import("node:net").Socket | undefined;
    const port = await h.raw((socket) => {
      serverSocket = socket;
      let paused = false;
      fakeServer(socket, {
        onFrame: () => {
          if (paused) return;
          paused = true; // stop reading once, after the first frame past the handshake
          socket.pause();
        },
      });
    });
    const softBytes = 256 * 1024;
    const hardBytes = 1024 * 1024;
    const client = h.client(testContract, {
      port,
      sendSoftBytes: softBytes,
      sendHardBytes: hardBytes,
    });
    await client.connect();
    const chunk = "x".repeat(16 * 1024);
    let refused: SockwireError | undefined;
    // The kernel absorbs a few MiB before the socket reports backpressure; bounded loop either way.
    for (let i = 0; i < 2000 && refused === undefined; i++) {
      await client.emit("blob", chunk).catch((e: SockwireError) => {
        refused = e;
      });
    }
    expect(refused?.code).toBe(ErrorCode.OUTBOUND_BUFFER_FULL);
    expect(client.bufferedAmount).toBeGreaterThan(softBytes);
    expect(client.bufferedAmount).toBeLessThanOrEqual(hardBytes);
    let roomy = false;
    const room = client.waitForRoom().then(() => {
      roomy = true;
    });
    await sleep(30);
    expect(roomy).toBe(false);
    serverSocket?.resume();
    await room;
    expect(client.bufferedAmount).toBeLessThan(softBytes);
    expect(client.stats().reconnects).toBe(0); // the same connection drained; nothing was reset
  });
});
