import net from "node:net";
import {
  encodeControl,
  encodeEnvelope,
  FrameDecoder,
  Kind,
  PROTOCOL_VERSION,
  parseEnvelope,
} from "@sockwire/protocol";
import { demoContract } from "demo-contract";
import { afterEach, describe, expect, test } from "vitest";
import { startFramedServer } from "../src/framed-server.js";
import { serverLines } from "../src/lines.js";
import type { RunningServer, ServerEnvironment } from "../src/running-server.js";

// The framed server driven by a hand-made peer (a raw socket speaking the protocol), to reach the
// abnormal closes a well-behaved client never produces.

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function environment() {
  const printed: string[] = [];
  const reported: string[] = [];
  let changed = (): void => {};
  const env: ServerEnvironment = {
    lines: serverLines("zh"),
    print: (line) => {
      printed.push(line);
      changed();
    },
    report: (line) => reported.push(line),
  };
  const until = (check: (lines: string[]) => boolean) =>
    new Promise<void>((resolve) => {
      changed = () => {
        if (check(printed)) resolve();
      };
      changed();
    });
  return { env, printed, reported, until };
}

async function start(env: ServerEnvironment): Promise<{ server: RunningServer; port: number }> {
  const server = await startFramedServer({ host: "127.0.0.1", port: 0 }, env);
  cleanups.push(() => server.stop(1000));
  return { server, port: Number(server.endpoint.split(":").at(-1)) };
}

/** Connects, sends a valid hello for the demo contract, and collects the envelopes it receives. */
async function handshake(port: number) {
  const socket = net.connect({ host: "127.0.0.1", port });
  cleanups.push(() => {
    socket.destroy();
  });
  const decoder = new FrameDecoder();
  const received: Array<{ kind: number; type: string; payload: string }> = [];
  let changed = (): void => {};
  socket.on("data", (chunk: Buffer) => {
    decoder.push(chunk);
    for (let body = decoder.next(); body !== undefined; body = decoder.next()) {
      const envelope = parseEnvelope(body);
      if (envelope) {
        received.push({
          kind: envelope.kind,
          type: envelope.type,
          payload: Buffer.from(envelope.payload).toString(),
        });
      }
    }
    changed();
  });
  const waitFor = (check: () => boolean) =>
    new Promise<void>((resolve) => {
      changed = () => {
        if (check()) resolve();
      };
      changed();
    });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const hello = {
    protocol: PROTOCOL_VERSION,
    contract: { name: demoContract.name, fingerprint: demoContract.fingerprint },
    codec: "json",
    maxFrameBytes: 1024 * 1024,
    heartbeat: { intervalMs: 0, timeoutMs: 0 },
  };
  socket.write(encodeEnvelope({ kind: Kind.HELLO }, encodeControl(hello)));
  // Welcome, then the greeting event.
  await waitFor(() => received.some((e) => e.kind === Kind.EVENT));
  return { socket, received };
}

describe("framed server", () => {
  test("greets with the typed greeting event after the welcome", async () => {
    const { env } = environment();
    const { port } = await start(env);
    const { received } = await handshake(port);
    expect(received.map((e) => e.kind)).toEqual([Kind.WELCOME, Kind.EVENT]);
    expect(received[1]).toMatchObject({ type: "greeting" });
    expect(JSON.parse(received[1]?.payload ?? "")).toEqual({ text: "Server Say Hello" });
  });

  test("a connection reset after the handshake shows its reason", async () => {
    const { env, printed, until } = environment();
    const { port } = await start(env);
    const { socket } = await handshake(port);
    const localPort = socket.localPort;
    socket.resetAndDestroy();
    await until((lines) => lines.length > 0);
    // The wire code is the library's choice; the demo's part is to show it with the system code.
    expect(printed).toEqual([
      expect.stringMatching(
        new RegExp(`^客户端127\\.0\\.0\\.1:${localPort}断开连接\\([A-Z_]+, ECONNRESET\\)$`),
      ),
    ]);
  });

  test("a framing error shows its wire code", async () => {
    const { env, printed, until } = environment();
    const { port } = await start(env);
    const { socket } = await handshake(port);
    const localPort = socket.localPort;
    socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await until((lines) => lines.length > 0);
    expect(printed).toEqual([`客户端127.0.0.1:${localPort}断开连接(FRAME_TOO_LARGE)`]);
  });

  test("Chinese text travels intact (raw mode would print '?')", async () => {
    const { env, printed, until } = environment();
    const { port } = await start(env);
    const { socket } = await handshake(port);
    socket.write(
      encodeEnvelope({ kind: Kind.EVENT, type: "message" }, JSON.stringify({ text: "你好,世界" })),
    );
    await until((lines) => lines.length > 0);
    expect(printed).toEqual([`接收客户端127.0.0.1:${socket.localPort}消息你好,世界`]);
  });

  test("a message that breaks the contract is not printed and the connection stays up", async () => {
    const { env, printed, reported, until } = environment();
    const { port } = await start(env);
    const { socket } = await handshake(port);
    socket.write(
      encodeEnvelope({ kind: Kind.EVENT, type: "message" }, JSON.stringify({ text: 42 })),
    );
    socket.write(
      encodeEnvelope({ kind: Kind.EVENT, type: "message" }, JSON.stringify({ text: "ok" })),
    );
    await until((lines) => lines.length > 0);
    expect(printed).toEqual([`接收客户端127.0.0.1:${socket.localPort}消息ok`]);
    expect(reported.join("\n")).toContain("ERR_VALIDATION_FAILED");
  });

  test("a port in use is a listen error that says so once, in words", async () => {
    const { env } = environment();
    const { port } = await start(env);
    await expect(startFramedServer({ host: "127.0.0.1", port }, env)).rejects.toMatchObject({
      name: "ListenError",
      reason: "EADDRINUSE",
      endpoint: `127.0.0.1:${port}`,
      message: `cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)`,
    });
  });
});
