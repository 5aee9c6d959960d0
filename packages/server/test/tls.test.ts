import { once } from "node:events";
import net from "node:net";
import tls from "node:tls";
import { ErrorCode, Kind, WireCode } from "@sockwire/protocol";
import { beforeAll, describe, expect, onTestFinished, test } from "vitest";
import type { AuthenticateInfo } from "../src/index.js";
import { makeCertificates, type TestCertificates } from "./helpers/certs.js";
import { captureClientHello } from "./helpers/client-hello.js";
import { testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { RawPeer } from "./helpers/raw-peer.js";
import { TestClient } from "./helpers/session-client.js";
import { sleep, until, within } from "./helpers/wait.js";

let certs: TestCertificates;
let clientHello: Buffer;

beforeAll(async () => {
  certs = makeCertificates();
  clientHello = await captureClientHello();
});

/** Well under the default 5 s handshake timeout: a peer that left must be gone by then. */
const PROMPT_MS = 1000;

/** A raw TCP socket to the server, destroyed when the test finishes. */
async function tcpPeer(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  onTestFinished(() => void socket.destroy());
  await once(socket, "connect");
  return socket;
}

/** Sums `closesByReason`: every socket the server has finished with. */
function closedCount(stats: { closesByReason: Record<string, number> }): number {
  return Object.values(stats.closesByReason).reduce((sum, n) => sum + n, 0);
}

describe("TLS", () => {
  test("a TLS server runs the same handshake, handlers and graceful close", async () => {
    const run = await startServer(
      testContract,
      { tls: { key: certs.server.key, cert: certs.server.cert } },
      (s) => s.handle("echo", (i) => i),
    );
    const client = await run.client({ tls: { ca: certs.ca.cert, servername: "localhost" } });
    await expect(client.request("echo", { text: "secret" })).resolves.toEqual({ text: "secret" });
    const conn = run.opened[0];
    expect(conn?.encrypted).toBe(true);
    await conn?.emit("notice", { text: "over tls" });
    await until(() => client.events.length === 1, "event");
    await run.server.close();
    const info = await client.closed;
    expect(info).toMatchObject({ code: WireCode.GOING_AWAY, graceful: true });
    expect(run.disconnects[0]?.info).toMatchObject({ code: WireCode.GOING_AWAY, graceful: true });
  });

  test("client certificates reach authenticate; a client without one fails the TLS handshake and is reported", async () => {
    const seen: AuthenticateInfo[] = [];
    const run = await startServer(testContract, {
      tls: {
        key: certs.server.key,
        cert: certs.server.cert,
        ca: certs.ca.cert,
        requestCert: true,
        rejectUnauthorized: true,
      },
      authenticate: (_credentials, info) => {
        seen.push(info);
        return { cn: String(info.tlsPeerCertificate?.subject?.CN) };
      },
    });
    await run.client({
      tls: {
        ca: certs.ca.cert,
        servername: "localhost",
        key: certs.client.key,
        cert: certs.client.cert,
      },
    });
    expect(run.opened[0]?.context).toEqual({ cn: "sockwire-test-client" });
    expect(seen[0]?.tlsPeerCertificate?.issuer?.CN).toBe("sockwire-test-ca");

    const refused = TestClient.connect(run.port, testContract, {
      tls: { ca: certs.ca.cert, servername: "localhost" },
    });
    await expect(refused).rejects.toBeTruthy();
    await until(
      () => run.errors.some((e) => e.error.code === ErrorCode.SOCKET_ERROR),
      "TLS failure report",
    );
    expect(run.opened).toHaveLength(1);
    // OpenSSL's own text spans lines; the report is one line, with the original as its cause.
    const report = run.errors.find((e) => e.error.code === ErrorCode.SOCKET_ERROR)?.error;
    expect(report?.message).not.toContain("\n");
    expect(report?.cause).toMatchObject({ code: expect.stringMatching(/^ERR_SSL_/) });
  });

  test("a client certificate from an unknown CA: ERR_SOCKET naming the verification error", async () => {
    const run = await startServer(testContract, {
      tls: {
        key: certs.server.key,
        cert: certs.server.cert,
        ca: certs.ca.cert,
        requestCert: true,
        rejectUnauthorized: true,
      },
    });
    const stranger = makeCertificates().client;
    const refused = TestClient.connect(run.port, testContract, {
      tls: { ca: certs.ca.cert, servername: "localhost", ...stranger },
    });
    await expect(refused).rejects.toBeTruthy();
    await until(() => run.errors.length === 1, "TLS failure report", PROMPT_MS);
    expect(run.errors[0]?.error).toMatchObject({
      code: ErrorCode.SOCKET_ERROR,
      details: { authorizationError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" },
    });
    expect(run.server.stats()).toMatchObject({
      accepted: 1,
      handshaking: 0,
      closesByReason: { [WireCode.SOCKET_ERROR]: 1 },
    });
  });

  test("a plain TCP peer that never starts TLS is dropped at the handshake timeout", async () => {
    const run = await startServer(testContract, {
      tls: { key: certs.server.key, cert: certs.server.cert },
      handshakeTimeoutMs: 200,
    });
    const socket = net.connect({ host: "127.0.0.1", port: run.port });
    socket.on("error", () => {});
    const start = performance.now();
    await new Promise((resolve) => socket.once("close", resolve));
    expect(performance.now() - start).toBeGreaterThanOrEqual(150);
    await until(
      () => run.errors.some((e) => e.error.code === ErrorCode.SOCKET_ERROR),
      "TLS timeout report",
    );
  });

  test("a raw hostile peer over TLS gets the same coded refusals", async () => {
    const run = await startServer(testContract, {
      tls: { key: certs.server.key, cert: certs.server.cert },
    });
    const peer = await run.raw({ tls: { ca: certs.ca.cert, servername: "localhost" } });
    peer.hello(testContract, { codec: "cbor" });
    const reject = await peer.waitFor((e) => e.kind === Kind.REJECT);
    expect(RawPeer.reason(reject).code).toBe(WireCode.UNSUPPORTED_CODEC);
    await peer.waitClosed();
  });
});

describe("TLS: a peer that leaves during the TLS handshake", () => {
  const serverTls = () => ({ tls: { key: certs.server.key, cert: certs.server.cert } });

  test("a TCP connect that ends before any TLS byte (a health check) is gone at once, counted, not an error", async () => {
    const run = await startServer(testContract, serverTls());
    const socket = await tcpPeer(run.port);
    await until(() => run.server.stats().handshaking === 1, "the TLS handshake counted", PROMPT_MS);
    expect(run.server.stats()).toMatchObject({ accepted: 1, handshaking: 1, connections: 0 });

    socket.end();
    await within(once(socket, "close"), "the server's side closed", PROMPT_MS);
    await until(() => run.server.stats().handshaking === 0, "handshake settled", PROMPT_MS);
    expect(run.server.stats()).toMatchObject({
      accepted: 1,
      handshaking: 0,
      opened: 0,
      closesByReason: { [WireCode.NORMAL]: 1 },
    });
    expect(run.errors).toEqual([]);
    await within(run.server.close(), "server.close()", PROMPT_MS);
  });

  test("a peer that starts the TLS handshake and closes mid-way is gone at once and counted", async () => {
    const run = await startServer(testContract, serverTls());
    const socket = await tcpPeer(run.port);
    socket.write(clientHello);
    // The server's first flight proves it is inside the TLS handshake.
    await within(once(socket, "data"), "the server's first TLS flight", PROMPT_MS);
    expect(run.server.stats()).toMatchObject({ accepted: 1, handshaking: 1 });

    socket.end();
    await within(once(socket, "close"), "the server's side closed", PROMPT_MS);
    await until(() => closedCount(run.server.stats()) === 1, "close counted", PROMPT_MS);
    expect(run.server.stats()).toMatchObject({ accepted: 1, handshaking: 0, opened: 0 });
    await within(run.server.close(), "server.close()", PROMPT_MS);
  });

  test("a TLS client that rejects the server's certificate is gone at once and counted", async () => {
    const run = await startServer(testContract, serverTls());
    const client = tls.connect({ host: "127.0.0.1", port: run.port, rejectUnauthorized: true });
    onTestFinished(() => void client.destroy());
    const [error] = (await within(once(client, "error"), "the client's TLS error", PROMPT_MS)) as [
      NodeJS.ErrnoException,
    ];
    expect(error.code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");

    await until(() => closedCount(run.server.stats()) === 1, "close counted", PROMPT_MS);
    expect(run.server.stats()).toMatchObject({ accepted: 1, handshaking: 0, opened: 0 });
    await within(run.server.close(), "server.close()", PROMPT_MS);
  });

  test("after the TLS handshake the socket stays half-open: a request sent just before the client's FIN is answered", async () => {
    const run = await startServer(testContract, serverTls(), (s) =>
      s.handle("sleep", async ({ ms }) => {
        await sleep(ms);
        return { done: true };
      }),
    );
    const peer = await run.rawOpen({}, { tls: { ca: certs.ca.cert, servername: "localhost" } });
    peer.request(1, "sleep", { ms: 50 });
    peer.end();
    const response = await peer.waitFor((e) => e.kind === Kind.RESPONSE, "the response");
    expect(RawPeer.json(response)).toEqual({ done: true });
    await peer.waitClosed();
  });
});

describe("TLS/plain mismatch, as the server sees it", () => {
  test("a plain client's hello on a TLS server: ERR_TLS_MISMATCH (the client speaks plain), closed at once", async () => {
    const run = await startServer(testContract, {
      tls: { key: certs.server.key, cert: certs.server.cert },
    });
    const peer = await run.raw();
    const port = peer.socket.localPort;
    peer.hello(testContract);
    await peer.waitClosed(PROMPT_MS);
    await until(() => run.errors.length === 1, "the mismatch report", PROMPT_MS);
    expect(run.errors[0]?.error).toMatchObject({
      code: ErrorCode.TLS_MISMATCH,
      details: { expected: "plain", remotePort: port },
      cause: { code: "ERR_SSL_WRONG_VERSION_NUMBER" },
    });
    expect(run.server.stats()).toMatchObject({
      accepted: 1,
      handshaking: 0,
      closesByReason: { [WireCode.PROTOCOL_ERROR]: 1 },
      errorsByCode: { [ErrorCode.TLS_MISMATCH]: 1 },
    });
  });

  test("a TLS client on a plain server: it gets bytes that are not TLS at once; ERR_TLS_MISMATCH (the client speaks TLS)", async () => {
    const run = await startServer(testContract);
    const client = tls.connect({
      host: "127.0.0.1",
      port: run.port,
      ca: certs.ca.cert,
      servername: "localhost",
    });
    onTestFinished(() => void client.destroy());
    await once(client, "connect");
    const port = client.localPort;
    const [error] = (await within(once(client, "error"), "the client's TLS error", PROMPT_MS)) as [
      NodeJS.ErrnoException,
    ];
    expect(error.code).toBe("ERR_SSL_WRONG_VERSION_NUMBER");
    await until(() => run.errors.length === 1, "the mismatch report", PROMPT_MS);
    expect(run.errors[0]?.error).toMatchObject({
      code: ErrorCode.TLS_MISMATCH,
      details: { expected: "tls", remotePort: port },
      cause: { code: ErrorCode.FRAME_TOO_LARGE },
    });
    expect(run.server.stats()).toMatchObject({
      accepted: 1,
      handshaking: 0,
      closesByReason: { [WireCode.PROTOCOL_ERROR]: 1 },
      errorsByCode: { [ErrorCode.TLS_MISMATCH]: 1 },
    });
  });

  test("an oversized first frame that is not a TLS record stays ERR_FRAME_TOO_LARGE", async () => {
    const run = await startServer(testContract, { maxFrameBytes: 1024 });
    const peer = await run.raw();
    peer.write(Buffer.from([0x00, 0x01, 0x00, 0x00]));
    await peer.waitClosed(PROMPT_MS);
    await until(() => run.errors.length === 1, "the report", PROMPT_MS);
    expect(run.errors[0]?.error.code).toBe(ErrorCode.FRAME_TOO_LARGE);
  });
});
