import net from "node:net";
import { ErrorCode, Kind, WireCode } from "@sockwire/protocol";
import { beforeAll, describe, expect, test } from "vitest";
import type { AuthenticateInfo } from "../src/index.js";
import { makeCertificates, type TestCertificates } from "./helpers/certs.js";
import { testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { RawPeer } from "./helpers/raw-peer.js";
import { TestClient } from "./helpers/session-client.js";
import { until } from "./helpers/wait.js";

let certs: TestCertificates;

beforeAll(() => {
  certs = makeCertificates();
});

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
