import { ErrorCode, type SockwireError } from "@sockwire/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { testContract } from "./support/contract.js";
import { Harness, until } from "./support/harness.js";
import { readFrames } from "./support/raw-peer.js";
import { makeCertificate } from "./support/tls.js";

const h = new Harness();
afterEach(() => h.cleanup());

/** A TLS protocol_version alert record: what a TLS peer may answer bytes it cannot read. */
const TLS_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]);

describe("#connect with TLS on one end only", () => {
  const { key, cert } = makeCertificate();

  test("a plain client at a TLS server: ERR_TLS_MISMATCH (the server expects TLS); the server reports a plain client", async () => {
    const reported: SockwireError[] = [];
    const { server, port } = await h.server(testContract, { tls: { key, cert } }, (s) =>
      s.onError((error) => reported.push(error)),
    );
    const client = h.client(testContract, { port });
    await expect(client.connect()).rejects.toMatchObject({
      code: ErrorCode.TLS_MISMATCH,
      details: { expected: "tls" },
    });
    expect(client.state).toBe("closed");
    await until(() => reported.length > 0, 1000, "the server's report");
    expect(reported).toMatchObject([
      { code: ErrorCode.TLS_MISMATCH, details: { expected: "plain" } },
    ]);
    // The client asked the port once whether it speaks TLS; that probe left without a word.
    await until(() => server.stats().handshaking === 0, 1000, "the probe's close");
    expect(server.stats()).toMatchObject({ accepted: 2, opened: 0 });
  });

  test("a TLS client at a plain server: ERR_TLS_MISMATCH (the server speaks plain) with the TLS error as cause; the server reports a TLS client", async () => {
    const reported: SockwireError[] = [];
    const { port } = await h.server(testContract, {}, (s) =>
      s.onError((error) => reported.push(error)),
    );
    const client = h.client(testContract, { port, tls: { ca: cert } });
    await expect(client.connect()).rejects.toMatchObject({
      code: ErrorCode.TLS_MISMATCH,
      details: { expected: "plain" },
      cause: { code: "ERR_SSL_WRONG_VERSION_NUMBER" },
    });
    await until(() => reported.length > 0, 1000, "the server's report");
    expect(reported).toMatchObject([
      { code: ErrorCode.TLS_MISMATCH, details: { expected: "tls" } },
    ]);
  });

  test("a plain client that reads a TLS record before the welcome: ERR_TLS_MISMATCH, no probe needed", async () => {
    let connections = 0;
    const port = await h.raw((socket) => {
      connections++;
      socket.once("data", () => socket.end(TLS_ALERT));
    });
    const client = h.client(testContract, { port });
    await expect(client.connect()).rejects.toMatchObject({
      code: ErrorCode.TLS_MISMATCH,
      details: { expected: "tls" },
      cause: { code: ErrorCode.FRAME_TOO_LARGE },
    });
    expect(connections).toBe(1);
  });

  test("a plain server that resets right after the hello and does not speak TLS: ERR_CONNECT_FAILED", async () => {
    let connections = 0;
    const port = await h.raw((socket) => {
      connections++;
      readFrames(socket, () => socket.resetAndDestroy());
    });
    const client = h.client(testContract, { port });
    await expect(client.connect()).rejects.toMatchObject({ code: ErrorCode.CONNECT_FAILED });
    // The probe found no TLS server behind the port.
    expect(connections).toBe(2);
  });
});
