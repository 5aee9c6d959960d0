import { createServer as createNetServer } from "node:net";
import { AppError, ErrorCode, Kind, WireCode } from "@sockwire/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { type ClientStatus, connect, createClient } from "../src/index.js";
import { authContract, driftedContract, testContract } from "./support/contract.js";
import { Harness, sleep, until } from "./support/harness.js";
import { controlFrame, eventFrame, fakeServer, readFrames } from "./support/raw-peer.js";
import { makeCertificate } from "./support/tls.js";

const h = new Harness();
afterEach(() => h.cleanup());

/** A port with nothing listening on it (bound, then released). */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("#connect", () => {
  test("resolves after the welcome; state, sessionId and local address are set", async () => {
    const { server, port } = await h.server(testContract);
    const client = h.client(testContract, { port });
    const statuses: ClientStatus[] = [];
    client.onStatus((s) => statuses.push(s));
    expect(client.state).toBe("idle");
    const pending = client.connect();
    expect(client.state).toBe("connecting");
    await pending;
    expect(client.state).toBe("open");
    const conn = [...server.connections.values()][0];
    expect(client.sessionId).toBe(conn?.sessionId);
    expect(client.localAddress).toBe("127.0.0.1");
    expect(client.localPort).toBe(conn?.remotePort);
    expect(statuses.map((s) => s.state)).toEqual(["connecting", "open"]);
    expect(statuses[0]).toMatchObject({ previous: "idle", attempt: 1, reconnect: false });
    expect(statuses[1]).toMatchObject({
      previous: "connecting",
      reconnect: false,
      sessionId: conn?.sessionId,
    });
    await client.connect(); // already open: resolves at once
  });

  test("refused: ERR_CONNECT_FAILED with the socket error as cause, and the client is closed", async () => {
    const port = await freePort();
    const client = h.client(testContract, { port });
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.CONNECT_FAILED,
      cause: { code: "ECONNREFUSED" },
    });
    expect(client.state).toBe("closed");
    await expect(client.connect()).rejects.toMatchObject({ code: ErrorCode.CONNECTION_CLOSED });
  });

  test("the connect() shortcut rejects the same way", async () => {
    const port = await freePort();
    await expect(connect(testContract, { port })).rejects.toMatchObject({
      code: ErrorCode.CONNECT_FAILED,
    });
  });

  test("a server that accepts but never answers: ERR_CONNECT_TIMEOUT at the connect timeout", async () => {
    const port = await h.raw(() => {});
    const client = h.client(testContract, { port, connectTimeoutMs: 150 });
    const start = performance.now();
    await expect(client.connect()).rejects.toMatchObject({ code: ErrorCode.CONNECT_TIMEOUT });
    const elapsed = performance.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(2000);
    expect(client.state).toBe("closed");
  });

  test("contract mismatch: ERR_CONTRACT_MISMATCH with the server's reason", async () => {
    const { port } = await h.server(testContract);
    const client = h.client(driftedContract, { port });
    await expect(client.connect()).rejects.toMatchObject({
      code: ErrorCode.CONTRACT_MISMATCH,
      remoteCode: WireCode.CONTRACT_MISMATCH,
    });
  });

  test("unsupported version from the server's reject: ERR_UNSUPPORTED_VERSION", async () => {
    const port = await h.raw((socket) => {
      readFrames(socket, () => {
        socket.end(
          controlFrame(Kind.REJECT, { code: "UNSUPPORTED_VERSION", message: "speaks 2.x" }),
        );
      });
    });
    const client = h.client(testContract, { port });
    await expect(client.connect()).rejects.toMatchObject({
      code: ErrorCode.UNSUPPORTED_VERSION,
      remoteCode: "UNSUPPORTED_VERSION",
    });
  });

  test("a welcome with another major version: ERR_UNSUPPORTED_VERSION", async () => {
    const port = await h.raw((socket) =>
      fakeServer(socket, { welcome: { protocol: { major: 2, minor: 0 } } }),
    );
    const client = h.client(testContract, { port });
    await expect(client.connect()).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_VERSION });
  });

  test("a malformed welcome: ERR_CONNECT_FAILED whose cause says what was wrong", async () => {
    const port = await h.raw((socket) => {
      readFrames(socket, () => socket.write(controlFrame(Kind.WELCOME, { protocol: "nope" })));
    });
    const client = h.client(testContract, { port });
    await expect(client.connect()).rejects.toMatchObject({
      code: ErrorCode.CONNECT_FAILED,
      cause: { code: ErrorCode.VALIDATION_FAILED },
    });
  });

  test("the server closes before the welcome: ERR_CONNECT_FAILED", async () => {
    const port = await h.raw((socket) => readFrames(socket, () => socket.end()));
    const client = h.client(testContract, { port });
    await expect(client.connect()).rejects.toMatchObject({ code: ErrorCode.CONNECT_FAILED });
  });

  test("frames sent in the same chunk right after the welcome reach handlers registered before connect()", async () => {
    const after = Array.from({ length: 5 }, (_, n) => eventFrame("tick", { n }));
    const port = await h.raw((socket) => fakeServer(socket, { after }));
    const client = h.client(testContract, { port });
    const got: number[] = [];
    client.on("tick", ({ n }) => {
      got.push(n);
    });
    await client.connect();
    expect(got).toEqual([0, 1, 2, 3, 4]); // delivered synchronously with the open, before connect() resolved
  });

  test("an aborted signal cancels the connect with ERR_CONNECTION_CLOSED and closes the client", async () => {
    const port = await h.raw(() => {});
    const controller = new AbortController();
    const client = h.client(testContract, { port, signal: controller.signal });
    const pending = client.connect();
    setTimeout(() => controller.abort(new Error("user gave up")), 20);
    await expect(pending).rejects.toMatchObject({
      code: ErrorCode.CONNECTION_CLOSED,
      cause: { message: "user gave up" },
    });
    expect(client.state).toBe("closed");
  });

  test("a signal aborted before connect() rejects at once", async () => {
    const { port } = await h.server(testContract);
    const client = h.client(testContract, { port, signal: AbortSignal.abort() });
    await expect(client.connect()).rejects.toMatchObject({ code: ErrorCode.CONNECTION_CLOSED });
  });

  test("aborting the signal of an open client closes it gracefully", async () => {
    const { port } = await h.server(testContract);
    const controller = new AbortController();
    const client = h.client(testContract, { port, signal: controller.signal });
    await client.connect();
    const closed = new Promise<ClientStatus>((resolve) =>
      client.onStatus((s) => s.state === "closed" && resolve(s)),
    );
    controller.abort();
    expect(await closed).toMatchObject({ state: "closed", graceful: true, error: undefined });
  });

  test("close() during the connect rejects it with ERR_CONNECTION_CLOSED", async () => {
    const port = await h.raw(() => {});
    const client = h.client(testContract, { port });
    const pending = client.connect();
    await sleep(10);
    await client.close();
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.CONNECTION_CLOSED });
    expect(client.state).toBe("closed");
  });
});

describe("#connect credentials", () => {
  test("credentials reach the authenticate hook and its context", async () => {
    const { server, port } = await h.server(authContract, {
      authenticate: ({ token }) => ({ user: token.toUpperCase() }),
    });
    const client = h.client(authContract, { port, credentials: { token: "abc" } });
    await client.connect();
    expect([...server.connections.values()][0]?.context).toEqual({ user: "ABC" });
  });

  test("refused credentials: ERR_HANDSHAKE_REJECTED with remoteCode UNAUTHORIZED", async () => {
    const { port } = await h.server(authContract, {
      authenticate: () => {
        throw new Error("no");
      },
    });
    const client = h.client(authContract, { port, credentials: { token: "abc" } });
    await expect(client.connect()).rejects.toMatchObject({
      code: ErrorCode.HANDSHAKE_REJECTED,
      remoteCode: WireCode.UNAUTHORIZED,
    });
  });

  test("an AppError from authenticate carries its own code and message", async () => {
    const { port } = await h.server(authContract, {
      authenticate: () => {
        throw new AppError("BANNED", "go away");
      },
    });
    const client = h.client(authContract, { port, credentials: { token: "abc" } });
    await expect(client.connect()).rejects.toMatchObject({
      code: ErrorCode.HANDSHAKE_REJECTED,
      remoteCode: "BANNED",
      details: { message: "go away" },
    });
  });

  test("credentials are validated before anything is sent", async () => {
    let hellos = 0;
    const port = await h.raw((socket) => readFrames(socket, () => hellos++));
    const client = h.client(authContract, { port, credentials: { token: "" } });
    await expect(client.connect()).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
    await sleep(20);
    expect(hellos).toBe(0);
  });

  test("a credentials function is called for every attempt", async () => {
    const tokens: string[] = [];
    const { server, port } = await h.server(authContract, {
      authenticate: ({ token }) => {
        tokens.push(token);
        return undefined;
      },
    });
    let n = 0;
    const client = h.client(authContract, {
      port,
      credentials: async () => ({ token: `t${++n}` }),
    });
    await client.connect();
    for (const conn of server.connections.values()) conn.destroy();
    await until(() => client.stats().reconnects === 1 && client.state === "open");
    expect(tokens).toEqual(["t1", "t2"]);
  });

  test("a credentials function that throws: ERR_CONNECT_FAILED with its error as cause", async () => {
    const { port } = await h.server(authContract);
    const client = h.client(authContract, {
      port,
      credentials: () => {
        throw new Error("token service down");
      },
    });
    await expect(client.connect()).rejects.toMatchObject({
      code: ErrorCode.CONNECT_FAILED,
      cause: { message: "token service down" },
    });
  });

  test("a credentials function that never settles counts against the connect timeout", async () => {
    const { port } = await h.server(authContract);
    const client = h.client(authContract, {
      port,
      connectTimeoutMs: 50,
      credentials: () => new Promise(() => {}),
    });
    await expect(client.connect()).rejects.toMatchObject({ code: ErrorCode.CONNECT_TIMEOUT });
  });

  test("credentials without a credentials schema in the contract are refused at creation", () => {
    expect(() =>
      createClient(testContract, { port: 1, credentials: { token: "x" } as never }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
  });
});

describe("#connect over TLS", () => {
  const { key, cert } = makeCertificate();

  test("connects with the server's CA and exchanges messages", async () => {
    const { port } = await h.server(testContract, { tls: { key, cert } }, (s) =>
      s.handle("echo", (x) => x),
    );
    const client = h.client(testContract, { port, tls: { ca: cert } });
    await client.connect();
    expect(await client.request("echo", { text: "over tls" })).toEqual({ text: "over tls" });
    await client.close();
    expect(client.state).toBe("closed");
  });

  test("unusable TLS options (a malformed CA): ERR_CONNECT_FAILED, nothing thrown", async () => {
    const { port } = await h.server(testContract, { tls: { key, cert } });
    const client = h.client(testContract, { port, tls: { ca: "not a certificate" } });
    await expect(client.connect()).rejects.toMatchObject({
      code: ErrorCode.CONNECT_FAILED,
      cause: expect.anything(),
    });
  });

  test("an untrusted certificate: ERR_CONNECT_FAILED with the TLS error as cause", async () => {
    const { port } = await h.server(testContract, { tls: { key, cert } });
    const client = h.client(testContract, { port, tls: true });
    await expect(client.connect()).rejects.toMatchObject({
      code: ErrorCode.CONNECT_FAILED,
      cause: { code: "DEPTH_ZERO_SELF_SIGNED_CERT" },
    });
  });
});
