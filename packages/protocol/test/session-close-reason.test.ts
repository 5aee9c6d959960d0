import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { defaultCodec, encodeControl, encodeEnvelope, Kind, WireCode } from "../src/index.js";
import { type CloseInfo, Session, Ticker } from "../src/internal.js";
import { chat } from "./fixtures/chat.js";

// The close reason a session reports when its peer fails the connection: the peer sends an error
// frame with id 0 and then FIN; the reason is the error's code, not a plain "peer closed".

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

async function pair(): Promise<{ local: Socket; peer: Socket }> {
  const server: Server = createServer({ allowHalfOpen: true });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanup.push(() => server.close());
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  const accepted = once(server, "connection") as Promise<[Socket]>;
  const peer = connect({ host: "127.0.0.1", port: address.port, allowHalfOpen: true });
  const [local] = await accepted;
  cleanup.push(() => {
    local.destroy();
    peer.destroy();
  });
  return { local, peer };
}

function startSession(socket: Socket): Promise<CloseInfo> {
  return new Promise((resolve) => {
    const session = new Session(
      {
        side: "server",
        contract: chat,
        codec: defaultCodec,
        limits: {
          maxFrameBytes: 1024 * 1024,
          maxRetainedChunks: 1024,
          frameTimeoutMs: 0,
          sendSoftBytes: 1024 * 1024,
          sendHardBytes: 8 * 1024 * 1024,
          writeDeadlineMs: 0,
          maxInFlight: 10,
          closeTimeoutMs: 5000,
          maxPingStrikes: 2,
          requestTimeoutMs: 0,
        },
        overflow: "close",
        validateOutbound: true,
        ticker: new Ticker(1000),
      },
      socket,
      {
        handshake: () => session.open(1024 * 1024, { intervalMs: 0, timeoutMs: 0 }),
        event: () => undefined,
        request: () => undefined,
        error: () => undefined,
        goaway: () => undefined,
        closed: resolve,
      },
    );
    cleanup.push(() => session.destroy());
  });
}

describe("Session close reason", () => {
  test("an error frame with id 0 followed by FIN closes with the error's code", async () => {
    const { local, peer } = await pair();
    const closed = startSession(local);
    peer.resume();
    peer.write(
      encodeEnvelope(
        { kind: Kind.ERROR },
        encodeControl({ code: WireCode.FRAME_TOO_LARGE, message: "x" }),
      ),
    );
    peer.end();
    const info = await closed;
    expect(info).toMatchObject({
      code: WireCode.FRAME_TOO_LARGE,
      initiator: "remote",
      graceful: false,
    });
    expect(info.error?.remoteCode).toBe(WireCode.FRAME_TOO_LARGE);
  });

  test("a plain FIN still closes as NORMAL", async () => {
    const { local, peer } = await pair();
    const closed = startSession(local);
    peer.resume();
    peer.end();
    expect(await closed).toMatchObject({
      code: WireCode.NORMAL,
      initiator: "remote",
      graceful: true,
    });
  });
});
