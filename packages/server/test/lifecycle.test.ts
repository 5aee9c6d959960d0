import net from "node:net";
import { ErrorCode, jsonCodec, Kind, WireCode } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { createServer, SERVER_DEFAULTS } from "../src/index.js";
import { testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { RawPeer } from "./helpers/raw-peer.js";
import { caught, until } from "./helpers/wait.js";

describe("createServer options", () => {
  test("documented defaults", () => {
    expect(SERVER_DEFAULTS).toEqual({
      maxConnections: 10_000,
      maxFrameBytes: 1024 * 1024,
      maxDepth: 64,
      handshakeTimeoutMs: 5000,
      heartbeatIntervalMs: 25_000,
      heartbeatTimeoutMs: 20_000,
      sendSoftBytes: 1024 * 1024,
      sendHardBytes: 8 * 1024 * 1024,
      writeDeadlineMs: 10_000,
      maxInFlight: 1000,
      requestTimeoutMs: 30_000,
      streamWindow: 16_384,
      streamBufferBytes: 1024 * 1024,
      maxStreams: 100,
      closeTimeoutMs: 30_000,
      frameTimeoutMs: 30_000,
      maxPingStrikes: 2,
      validateOutbound: true,
      maxRetainedChunks: 1024,
      resumeWindowMs: 120_000,
      resumeBufferBytes: 4 * 1024 * 1024,
      resumeBufferFrames: 100_000,
      maxDetachedSessions: 1000,
      maxDetachedBytes: 64 * 1024 * 1024,
      reflection: false,
    });
  });

  const bad: Array<[string, unknown]> = [
    ["unknown key", { maxConnection: 5 }],
    ["negative limit", { maxConnections: -1 }],
    ["fractional limit", { maxInFlight: 1.5 }],
    ["frame limit over 64 MiB", { maxFrameBytes: 64 * 1024 * 1024 + 1 }],
    ["frame limit under 1 KiB", { maxFrameBytes: 100 }],
    ["soft above hard", { sendSoftBytes: 4096, sendHardBytes: 2048 }],
    ["string timeout", { handshakeTimeoutMs: "5s" }],
    ["zero close timeout", { closeTimeoutMs: 0 }],
    ["heartbeat over one hour", { heartbeatIntervalMs: 3_600_001 }],
    ["not a codec", { codec: { name: "Bad Name", encode() {}, decode() {} } }],
    ["authenticate not a function", { authenticate: "yes" }],
    ["tls not an object", { tls: true }],
    ["options not an object", 42],
  ];
  for (const [name, options] of bad) {
    test(`throws ERR_INVALID_ARGUMENT synchronously for ${name}`, () => {
      expect(() => createServer(testContract, options as never)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
    });
  }

  test("throws ERR_INVALID_ARGUMENT for something that is not a contract", () => {
    expect(() => createServer({ name: "x" } as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });

  test("undefined option values mean the default; a custom codec is announced by name", async () => {
    const codec = { ...jsonCodec(), name: "json2" };
    const run = await startServer(testContract, { maxConnections: undefined, codec });
    const peer = await run.raw();
    peer.hello(testContract);
    const reject = await peer.waitFor((e) => e.kind === Kind.REJECT);
    expect(RawPeer.reason(reject).code).toBe(WireCode.UNSUPPORTED_CODEC);
    const ok = await run.rawOpen({ codec: "json2" });
    expect(ok.welcome?.maxInFlight).toBe(1000);
  });
});

describe("#listen", () => {
  test("resolves with the bound address on port 0; state goes idle → listening → closing → closed", async () => {
    const server = createServer(testContract);
    expect(server.state).toBe("idle");
    const address = await server.listen({ port: 0 });
    expect(address).toEqual({ address: "127.0.0.1", port: expect.any(Number), family: "IPv4" });
    expect(address.port).toBeGreaterThan(0);
    expect(server.address).toEqual(address);
    expect(server.state).toBe("listening");
    const closing = server.close();
    expect(server.state).toBe("closing");
    await closing;
    expect(server.state).toBe("closed");
    await expect(server.close()).resolves.toBeUndefined();
    expect(await caught(server.listen())).toMatchObject({ code: ErrorCode.SERVER_CLOSED });
  });

  test("listens on IPv6 loopback", async () => {
    const server = createServer(testContract);
    try {
      const address = await server.listen({ host: "::1", port: 0 });
      expect(address).toMatchObject({ address: "::1", family: "IPv6" });
      const peer = await RawPeer.open(address.port, testContract, {}, { host: "::1" });
      expect(peer.welcome?.sessionId).toBeTruthy();
      peer.destroy();
    } finally {
      await server.close({ timeoutMs: 200 });
    }
  });

  test("a busy port rejects with ERR_SOCKET (cause EADDRINUSE) and the server can listen again", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as net.AddressInfo;
    const server = createServer(testContract);
    const reported: string[] = [];
    server.onError((e) => void reported.push(e.code));
    try {
      const error = await caught(server.listen({ port }));
      expect(reported).toEqual([]);
      expect(error).toMatchObject({
        code: ErrorCode.SOCKET_ERROR,
        cause: expect.objectContaining({ code: "EADDRINUSE" }),
      });
      expect(server.state).toBe("idle");
      await expect(server.listen({ port: 0 })).resolves.toMatchObject({ family: "IPv4" });
    } finally {
      blocker.close();
      await server.close();
    }
  });

  test("bad arguments and a second call reject with ERR_INVALID_ARGUMENT", async () => {
    const server = createServer(testContract);
    try {
      expect(await caught(server.listen({ port: 70_000 }))).toMatchObject({
        code: ErrorCode.INVALID_ARGUMENT,
      });
      expect(await caught(server.listen({ backlog: -1 }))).toMatchObject({
        code: ErrorCode.INVALID_ARGUMENT,
      });
      await server.listen();
      expect(await caught(server.listen())).toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    } finally {
      await server.close();
    }
  });

  test("close() of a server that never listened resolves at once", async () => {
    const server = createServer(testContract);
    await server.close();
    expect(server.state).toBe("closed");
  });

  test("await using closes the server gracefully at the end of the scope", async () => {
    let peer: RawPeer | undefined;
    let server: ReturnType<typeof createServer<typeof testContract>> | undefined;
    {
      await using scoped = createServer(testContract);
      server = scoped;
      const { port } = await scoped.listen();
      peer = await RawPeer.open(port, testContract);
      expect(scoped.state).toBe("listening");
    }
    expect(server.state).toBe("closed");
    await peer.waitClosed();
    const goaway = peer.frames.find((e) => e.kind === Kind.GOAWAY);
    expect(goaway && RawPeer.reason(goaway).code).toBe(WireCode.GOING_AWAY);
  });
});

describe("#onConnection / #onDisconnect", () => {
  test("fire once per connection with the reason; unsubscribe works; a throwing listener is reported", async () => {
    const run = await startServer(testContract);
    const events: string[] = [];
    const off = run.server.onConnection((conn) => void events.push(`open:${conn.id}`));
    run.server.onConnection(() => {
      throw new Error("listener bug");
    });
    run.server.onDisconnect(
      (conn, info) =>
        void events.push(`close:${conn.id}:${info.code}:${info.initiator}:${info.graceful}`),
    );
    const client = await run.client();
    const id = run.opened[0]?.id;
    await until(() => run.errors.length === 1, "listener failure report");
    expect(run.errors[0]?.error.code).toBe(ErrorCode.HANDLER_FAILED);
    const info = await client.close();
    expect(info).toMatchObject({ code: WireCode.NORMAL, graceful: true });
    await until(() => events.length === 2, "disconnect");
    expect(events).toEqual([`open:${id}`, `close:${id}:NORMAL:remote:true`]);
    off();
    await run.client();
    await until(() => run.opened.length === 2, "second connection");
    expect(events).toHaveLength(2);
    expect(run.server.connections.size).toBe(1);
  });
});
