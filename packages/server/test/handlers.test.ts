import { AppError, ErrorCode, Kind, WireCode } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { RawPeer } from "./helpers/raw-peer.js";
import { caught, sleep, until, within } from "./helpers/wait.js";

function withHandlers(
  server: Parameters<NonNullable<Parameters<typeof startServer<typeof testContract>>[2]>>[0],
) {
  server.handle("echo", ({ text }) => ({ text }));
  server.handle("size", ({ data }) => ({ length: data.length }));
  server.handle("strict", ({ n }) => ({ n }));
  server.handle("fail", ({ how }) => {
    if (how === "app") throw new AppError("ROOM_FULL", "room is full", { limit: 3 });
    if (how === "internal") throw new Error("database password is hunter2");
    return { ok: "not a boolean" } as unknown as { ok: boolean };
  });
}

describe("#handle", () => {
  test("a request gets its handler's validated response", async () => {
    const run = await startServer(testContract, {}, withHandlers);
    const client = await run.client();
    await expect(client.request("echo", { text: "héllo 世界" })).resolves.toEqual({
      text: "héllo 世界",
    });
  });

  test("the handler receives the connection and a context with the request id", async () => {
    const seen: Array<{ id: number; connId: string; aborted: boolean }> = [];
    const run = await startServer(testContract, {}, (server) => {
      server.handle("echo", (input, conn, ctx) => {
        seen.push({ id: ctx.id, connId: conn.id, aborted: ctx.signal.aborted });
        return input;
      });
    });
    const peer = await run.rawOpen();
    peer.request(41, "echo", { text: "a" });
    await peer.waitFor((e) => e.kind === Kind.RESPONSE && e.id === 41);
    expect(seen).toEqual([{ id: 41, connId: run.opened[0]?.id, aborted: false }]);
  });

  test("an AppError becomes an error response with its own code, message and details", async () => {
    const run = await startServer(testContract, {}, withHandlers);
    const client = await run.client();
    const error = await caught(client.request("fail", { how: "app" }));
    expect(error).toMatchObject({
      code: ErrorCode.REMOTE_ERROR,
      remoteCode: "ROOM_FULL",
      details: { remote: { limit: 3 } },
    });
    expect(run.errors).toEqual([]);
  });

  test("an internal error answers INTERNAL without leaking its message, and is reported locally", async () => {
    const run = await startServer(testContract, {}, withHandlers);
    const peer = await run.rawOpen();
    peer.request(7, "fail", { how: "internal" });
    const env = await peer.waitFor((e) => e.kind === Kind.ERROR && e.id === 7);
    const reason = RawPeer.reason(env);
    expect(reason.code).toBe(WireCode.INTERNAL);
    expect(env.payload.toString()).not.toContain("hunter2");
    await until(() => run.errors.length === 1, "error report");
    expect(run.errors[0]?.error.code).toBe(ErrorCode.HANDLER_FAILED);
    expect(String((run.errors[0]?.error.cause as Error | undefined)?.message)).toContain("hunter2");
    expect(run.errors[0]?.conn).toBe(run.opened[0]);
  });

  test("a return value that fails the output schema answers INTERNAL and is reported", async () => {
    const run = await startServer(testContract, {}, withHandlers);
    const client = await run.client();
    const error = await caught(client.request("fail", { how: "output" }));
    expect(error.remoteCode).toBe(WireCode.INTERNAL);
    await until(() => run.errors.length === 1, "error report");
    expect(run.errors[0]?.error.code).toBe(ErrorCode.VALIDATION_FAILED);
  });

  test("a declared request without a handler answers NOT_IMPLEMENTED", async () => {
    const run = await startServer(testContract, {}, withHandlers);
    const client = await run.client();
    const error = await caught(client.request("missing", {}));
    expect(error).toMatchObject({
      code: ErrorCode.REMOTE_ERROR,
      remoteCode: WireCode.NOT_IMPLEMENTED,
    });
  });

  test("an undeclared request type answers UNKNOWN_TYPE and the connection stays open", async () => {
    const run = await startServer(testContract, {}, withHandlers);
    const peer = await run.rawOpen();
    peer.request(3, "nope", {});
    const env = await peer.waitFor((e) => e.kind === Kind.ERROR && e.id === 3);
    expect(RawPeer.reason(env).code).toBe(WireCode.UNKNOWN_TYPE);
    peer.request(4, "echo", { text: "still here" });
    const ok = await peer.waitFor((e) => e.kind === Kind.RESPONSE && e.id === 4);
    expect(RawPeer.json(ok)).toEqual({ text: "still here" });
  });

  test("invalid JSON answers INVALID_PAYLOAD and a schema mismatch answers VALIDATION_ERROR", async () => {
    const run = await startServer(testContract, {}, withHandlers);
    const peer = await run.rawOpen();
    peer.request(1, "echo", Buffer.from("{not json"));
    peer.request(2, "echo", { text: 42 });
    peer.request(3, "strict", { n: 1, extra: true });
    const [a, b, c] = await Promise.all(
      [1, 2, 3].map((id) => peer.waitFor((e) => e.kind === Kind.ERROR && e.id === id)),
    );
    expect(RawPeer.reason(a as never).code).toBe(WireCode.INVALID_PAYLOAD);
    expect(RawPeer.reason(b as never)).toMatchObject({
      code: WireCode.VALIDATION_ERROR,
      details: { issues: [{ path: "text" }] },
    });
    expect(RawPeer.reason(c as never).code).toBe(WireCode.VALIDATION_ERROR);
    expect(run.disconnects).toEqual([]);
  });

  test("handle() refuses undeclared names, non-functions and duplicates synchronously", async () => {
    const run = await startServer(testContract, {}, withHandlers);
    expect(() => run.server.handle("nope" as "echo", () => ({ text: "" }))).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
    expect(() => run.server.handle("echo", (i) => i)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
    expect(() => run.server.handle("hang", 5 as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });
});

describe("request AbortSignal", () => {
  function hangServer(settled: string[]) {
    return (
      server: Parameters<NonNullable<Parameters<typeof startServer<typeof testContract>>[2]>>[0],
    ) => {
      server.handle("hang", (_input, _conn, { signal }) => {
        return new Promise((resolve) => {
          signal.addEventListener("abort", () => {
            const reason = (signal.reason as { code?: string }).code ?? "unknown";
            settled.push(reason);
            resolve({ aborted: reason });
          });
        });
      });
    };
  }

  test("fires with CANCELLED when the client cancels", async () => {
    const settled: string[] = [];
    const run = await startServer(testContract, {}, hangServer(settled));
    const client = await run.client();
    const controller = new AbortController();
    const pending = caught(client.request("hang", {}, { signal: controller.signal }));
    await until(() => run.server.stats().inFlightRequests === 1, "request in flight");
    controller.abort();
    expect((await pending).code).toBe(ErrorCode.REQUEST_CANCELLED);
    await until(() => settled.length === 1, "handler abort");
    expect(settled).toEqual([WireCode.CANCELLED]);
    await until(() => run.server.stats().inFlightRequests === 0, "in-flight drained");
  });

  test("fires with TIMEOUT at the client's deadline, and the late answer is not sent", async () => {
    const settled: string[] = [];
    const run = await startServer(testContract, {}, hangServer(settled));
    const peer = await run.rawOpen();
    peer.request(9, "hang", {}, 150);
    await until(() => settled.length === 1, "deadline abort", 3000);
    expect(settled).toEqual([WireCode.TIMEOUT]);
    await sleep(50);
    expect(peer.frames.filter((e) => e.id === 9)).toEqual([]);
  });

  test("fires when the connection is reset", async () => {
    const settled: string[] = [];
    const run = await startServer(testContract, {}, hangServer(settled));
    const peer = await run.rawOpen();
    peer.request(5, "hang", {});
    await until(() => run.server.stats().inFlightRequests === 1, "request in flight");
    peer.socket.resetAndDestroy();
    await until(() => settled.length === 1, "disconnect abort");
    await until(() => run.disconnects.length === 1, "disconnect");
    expect(run.disconnects[0]?.info).toMatchObject({
      code: WireCode.SOCKET_ERROR,
      initiator: "remote",
      graceful: false,
      error: expect.objectContaining({ code: ErrorCode.SOCKET_ERROR }),
    });
  });

  test("after the client's FIN, a hung handler is abandoned at the close timeout", async () => {
    const settled: string[] = [];
    const run = await startServer(testContract, { closeTimeoutMs: 300 }, hangServer(settled));
    const peer = await run.rawOpen();
    peer.request(5, "hang", {});
    await until(() => run.server.stats().inFlightRequests === 1, "request in flight");
    const start = performance.now();
    peer.end();
    await until(() => settled.length === 1, "close-timeout abort", 3000);
    expect(performance.now() - start).toBeGreaterThanOrEqual(250);
    await until(() => run.disconnects.length === 1, "disconnect");
    expect(run.disconnects[0]?.info).toMatchObject({
      code: WireCode.NORMAL,
      initiator: "remote",
      graceful: false,
    });
  });
});

describe("#on", () => {
  test("events reach every handler in order; once() runs once; off() removes", async () => {
    const calls: string[] = [];
    const run = await startServer(testContract);
    const first = ({ text }: { text: string }) => void calls.push(`a:${text}`);
    run.server.on("say", first);
    run.server.on("say", ({ text }, conn) => void calls.push(`b:${text}:${conn.id}`));
    run.server.once("say", ({ text }) => void calls.push(`once:${text}`));
    const client = await run.client();
    const id = run.opened[0]?.id;
    await client.emit("say", { text: "1" });
    await until(() => calls.length === 3, "first event");
    run.server.off("say", first);
    await client.emit("say", { text: "2" });
    await until(() => calls.length === 4, "second event");
    expect(calls).toEqual(["a:1", `b:1:${id}`, "once:1", `b:2:${id}`]);
  });

  test("invalid, unknown and unhandled events are dropped and reported; the connection stays open", async () => {
    const got: unknown[] = [];
    const run = await startServer(testContract, {}, (server) =>
      server.on("say", (data) => void got.push(data)),
    );
    const peer = await run.rawOpen();
    peer.event("say", { text: 5 });
    peer.event("what", {});
    peer.event("unhandled", {});
    peer.event("say", Buffer.from([0xff, 0xfe]));
    peer.event("say", { text: "ok" });
    await until(() => got.length === 1 && run.errors.length === 4, "events");
    expect(run.errors.map((e) => e.error.code)).toEqual([
      ErrorCode.VALIDATION_FAILED,
      ErrorCode.UNKNOWN_MESSAGE_TYPE,
      ErrorCode.HANDLER_NOT_FOUND,
      ErrorCode.PAYLOAD_INVALID,
    ]);
    expect(run.errors.every((e) => e.conn === run.opened[0])).toBe(true);
    expect(got).toEqual([{ text: "ok" }]);
    expect(run.server.stats().errorsByCode[ErrorCode.HANDLER_NOT_FOUND]).toBe(1);
  });

  test("a throwing or rejecting event handler is reported as ERR_HANDLER_FAILED", async () => {
    const run = await startServer(testContract, {}, (server) => {
      server.on("say", () => {
        throw new Error("sync boom");
      });
      server.on("say", async () => {
        throw new Error("async boom");
      });
    });
    const client = await run.client();
    await client.emit("say", { text: "x" });
    await until(() => run.errors.length === 2, "handler failures");
    expect(run.errors.map((e) => e.error.code)).toEqual([
      ErrorCode.HANDLER_FAILED,
      ErrorCode.HANDLER_FAILED,
    ]);
  });

  test("an AppError thrown by an event handler keeps its code in details.appCode", async () => {
    const run = await startServer(testContract, {}, (server) => {
      server.on("say", () => {
        throw new AppError("ROOM_FULL", "no room", { limit: 2 });
      });
      server.on("say", async () => {
        throw new AppError("TOO_LATE", "later");
      });
    });
    const client = await run.client();
    await client.emit("say", { text: "x" });
    await until(() => run.errors.length === 2, "handler failures");
    expect(run.errors.map((e) => [e.error.code, e.error.details])).toEqual([
      [ErrorCode.HANDLER_FAILED, { appCode: "ROOM_FULL", appDetails: { limit: 2 } }],
      [ErrorCode.HANDLER_FAILED, { appCode: "TOO_LATE" }],
    ]);
  });

  test("on() refuses an event the contract does not declare", async () => {
    const run = await startServer(testContract);
    expect(() => run.server.on("nope" as "say", () => {})).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });
});

describe("server to client", () => {
  test("conn.emit and conn.request are typed sends; request honours timeout and AbortSignal", async () => {
    const run = await startServer(testContract);
    let answer = true;
    const client = await run.client({
      onRequest: async (_name, input, ctx) => {
        if ((input as { q: string }).q === "never") {
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        }
        return { yes: answer };
      },
    });
    const conn = run.opened[0];
    if (!conn) throw new Error("no connection");
    await conn.emit("notice", { text: "hi" });
    await until(() => client.events.length === 1, "notice");
    expect(client.events).toEqual([{ name: "notice", data: { text: "hi" } }]);
    await expect(conn.request("confirm", { q: "ok?" })).resolves.toEqual({ yes: true });
    answer = false;
    await expect(conn.request("confirm", { q: "again?" })).resolves.toEqual({ yes: false });
    await expect(conn.request("confirm", { q: "never" }, { timeoutMs: 100 })).rejects.toMatchObject(
      {
        code: ErrorCode.REQUEST_TIMEOUT,
      },
    );
    const controller = new AbortController();
    const aborted = conn.request("confirm", { q: "never" }, { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: ErrorCode.REQUEST_CANCELLED });
    await expect(conn.emit("notice", { text: 1 } as never)).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
    });
    await within(
      until(() => conn.stats().inFlightOut === 0, "pending cleared"),
      "pending cleared",
    );
  });

  test("a request in flight when the client disconnects rejects with ERR_CONNECTION_LOST", async () => {
    const run = await startServer(testContract);
    const peer = await run.rawOpen();
    const conn = run.opened[0];
    if (!conn) throw new Error("no connection");
    const pending = conn.request("confirm", { q: "?" });
    await peer.waitFor((e) => e.kind === Kind.REQUEST);
    peer.destroy();
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.CONNECTION_LOST });
  });

  test("a message larger than the client's receive limit is refused locally and the connection stays up", async () => {
    const run = await startServer(testContract);
    const client = await run.client({ hello: { maxFrameBytes: 4096 } });
    const conn = run.opened[0];
    if (!conn) throw new Error("no connection");
    await expect(conn.emit("blob", { data: "x".repeat(5000) })).rejects.toMatchObject({
      code: ErrorCode.PEER_FRAME_LIMIT,
    });
    await conn.emit("blob", { data: "small" });
    await until(() => client.events.length === 1, "small blob");
    expect(conn.state).toBe("open");
  });
});
