import net from "node:net";
import { FRAME_PREFIX_BYTES } from "@sockwire/protocol";
import { afterEach, describe, expect, test, vi } from "vitest";
import { testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";

afterEach(() => {
  vi.restoreAllMocks();
});

/** True when `bytes` is a sequence of complete frames (no frame split across writes). */
function wholeFrames(bytes: Buffer): boolean {
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < FRAME_PREFIX_BYTES) return false;
    at += FRAME_PREFIX_BYTES + bytes.readUInt32BE(at);
  }
  return at === bytes.length;
}

describe("Nagle and write shape (case 26)", () => {
  test("accepted sockets have Nagle off, and every write carries whole frames (one write per frame when unbatched)", async () => {
    const noDelay = vi.spyOn(net.Socket.prototype, "setNoDelay");
    const write = vi.spyOn(net.Socket.prototype, "write");
    const run = await startServer(testContract, {}, (s) => s.handle("echo", (i) => i));
    const client = await run.client();
    const serverSide = (socket: net.Socket) => socket.localPort === run.port;

    const rtts: number[] = [];
    for (let i = 0; i < 500; i++) {
      const start = performance.now();
      await client.request("echo", { text: `n${i}` });
      rtts.push(performance.now() - start);
    }
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.request("echo", { text: `p${i}` })),
    );

    const accepted = noDelay.mock.contexts.filter((socket) => serverSide(socket as net.Socket));
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    for (const [i, socket] of noDelay.mock.contexts.entries()) {
      if (serverSide(socket as net.Socket)) expect(noDelay.mock.calls[i]?.[0] ?? true).toBe(true);
    }
    const serverWrites = write.mock.calls.filter((_, i) =>
      serverSide(write.mock.contexts[i] as net.Socket),
    );
    // welcome + 500 unbatched responses + the pipelined 50 (coalesced into as few writes as the ticks allow)
    expect(serverWrites.length).toBeGreaterThanOrEqual(501);
    for (const [chunk] of serverWrites)
      expect(wholeFrames(Buffer.from(chunk as Uint8Array))).toBe(true);
    const single = serverWrites.slice(1, 501).filter(([chunk]) => {
      const bytes = Buffer.from(chunk as Uint8Array);
      return bytes.readUInt32BE(0) + FRAME_PREFIX_BYTES === bytes.length;
    });
    expect(single).toHaveLength(500);

    rtts.sort((a, b) => a - b);
    console.info(
      `case 26: request round trip over loopback (same process) p50 ${rtts[250]?.toFixed(3)} ms, p99 ${rtts[495]?.toFixed(3)} ms`,
    );
  });
});
