import { ErrorCode, type SockwireError, WireCode } from "@sockwire/protocol";
import type { DisconnectInfo, ServerOptions } from "@sockwire/server";
import { describe, expect, test } from "vitest";
import { type ReliabilityContract, reliabilityContract } from "../src/contract.js";
import { sleep, until, within } from "../src/wait.js";
import { client, startServer } from "./support/fixtures.js";

const MiB = 1024 * 1024;

/** A server that counts the events it receives per connection and answers nothing else. */
async function countingServer(options: ServerOptions<ReliabilityContract, { id: number }> = {}) {
  const received: number[][] = [];
  const blobBytes: number[] = [];
  const run = await startServer(
    reliabilityContract,
    { authenticate: ({ client: id }) => ({ id }), ...options },
    (s) => {
      s.onConnection(() => {
        received.push([]);
        blobBytes.push(0);
      });
      s.on("seq", ({ n }) => void received.at(-1)?.push(n));
      s.on("blob", ({ data }) => {
        blobBytes[blobBytes.length - 1] = (blobBytes.at(-1) ?? 0) + data.length;
      });
    },
  );
  return { ...run, received, blobBytes };
}

describe("graceful close with data in flight both ways (case 21)", () => {
  test("the server sends 1,000 events and closes while the client sends 1,000: each side gets everything the other accepted, then a graceful close (50 rounds)", async () => {
    const run = await countingServer();
    run.server.onConnection((conn) => {
      for (let n = 1; n <= 1000; n++) void conn.emit("tick", { s: conn.sessionId, n });
      void conn.close("GOING_AWAY");
    });
    for (let round = 0; round < 50; round++) {
      const c = client(reliabilityContract, {
        port: run.port,
        credentials: { client: round },
        reconnect: false,
      });
      const ticks: number[] = [];
      c.on("tick", ({ n }) => void ticks.push(n));
      let graceful: boolean | undefined;
      c.onStatus((s) => {
        if (s.state === "closed") graceful = s.graceful;
      });
      await c.connect();
      const accepted: number[] = [];
      const refused: string[] = [];
      const sends = Array.from({ length: 1000 }, (_, i) =>
        c.emit("seq", { n: i + 1 }).then(
          () => void accepted.push(i + 1),
          (e: SockwireError) => void refused.push(e.code),
        ),
      );
      await Promise.all(sends);
      await until(
        () => graceful !== undefined && run.closed.length === round + 1,
        "both closed",
        10_000,
      );
      expect(ticks).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      expect(run.received[round]).toEqual(accepted);
      expect(new Set(refused)).toEqual(new Set(refused.length ? [ErrorCode.NOT_CONNECTED] : []));
      expect(graceful).toBe(true);
      expect(run.closed[round]?.info).toMatchObject({
        code: "GOING_AWAY",
        graceful: true,
        error: undefined,
      });
    }
  });

  test("the client sends 1,000 events and closes while the server sends 1,000: each side gets everything the other accepted, then a graceful close (50 rounds)", async () => {
    const run = await countingServer();
    const serverAccepted: number[][] = [];
    run.server.onConnection((conn) => {
      const accepted: number[] = [];
      serverAccepted.push(accepted);
      for (let n = 1; n <= 1000; n++)
        conn.emit("tick", { s: conn.sessionId, n }).then(
          () => void accepted.push(n),
          () => {},
        );
    });
    for (let round = 0; round < 50; round++) {
      const c = client(reliabilityContract, {
        port: run.port,
        credentials: { client: round },
        reconnect: false,
      });
      const ticks: number[] = [];
      c.on("tick", ({ n }) => void ticks.push(n));
      await c.connect();
      const sends = Array.from({ length: 1000 }, (_, i) => c.emit("seq", { n: i + 1 }));
      const closing = c.close();
      await Promise.all(sends); // everything was accepted before the goaway
      await within(closing, "client close", 10_000);
      await until(() => run.closed.length === round + 1, "server side closed", 5000);
      expect(run.received[round]).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      // Whatever the server had accepted when the goaway came reached the client, in order.
      expect(ticks).toEqual(serverAccepted[round]);
      expect(run.closed[round]?.info).toMatchObject({
        code: WireCode.NORMAL,
        initiator: "remote",
        graceful: true,
      });
    }
  });
});

describe("RST vs FIN, the client closing (case 22)", () => {
  /**
   * The client stops reading (its one handler slot is busy), the server sends it 4 MiB of events
   * that it leaves unread, and the client writes 16 MiB and closes. `how` picks a graceful
   * close() or the lossy destroy() as a control.
   */
  async function scenario(how: "close" | "destroy") {
    let serverInfo: DisconnectInfo | undefined;
    const run = await countingServer({ maxFrameBytes: 2 * MiB });
    run.server.onDisconnect((_conn, info) => {
      serverInfo = info;
    });
    const c = client(reliabilityContract, {
      port: run.port,
      credentials: { client: 1 },
      reconnect: false,
      maxInFlight: 1,
      sendHardBytes: 32 * MiB,
    });
    c.handle("work", async ({ n, delayMs }) => {
      await sleep(delayMs);
      return { n };
    });
    let blobsIn = 0;
    c.on("blob", () => void blobsIn++);
    let graceful: boolean | undefined;
    c.onStatus((s) => {
      if (s.state === "closed") graceful = s.graceful;
    });
    await c.connect();
    const conn = run.opened[0]?.conn;
    if (!conn) throw new Error("no connection");
    const work = conn.request("work", { n: 1, delayMs: 300 }).catch((e: SockwireError) => e.code);
    await until(() => c.stats().inFlightHandlers === 1, "client busy, reading paused");
    const small = "b".repeat(64 * 1024 - 64);
    for (let n = 0; n < 64; n++) void conn.emit("blob", { n, data: small }).catch(() => {});
    await sleep(100); // the 4 MiB now sit unread in the client's receive queue
    const big = "B".repeat(MiB - 64);
    const sends = Array.from({ length: 16 }, (_, n) =>
      c.emit("blob", { n, data: big }).catch(() => {}),
    );
    if (how === "close") await within(c.close(), "client close", 20_000);
    else c.destroy();
    await Promise.all(sends);
    await until(() => serverInfo !== undefined, "server side closed", 20_000);
    return {
      received: run.blobBytes[0] ?? 0,
      expected: 16 * big.length,
      serverInfo,
      graceful,
      blobsIn,
      work: await work,
    };
  }

  test("close() after writing 16 MiB with 4 MiB unread: the server gets every byte, no ECONNRESET; the client still gets what the server sent", async () => {
    const r = await scenario("close");
    console.info(
      `case 22 (client closing): server received ${(r.received / MiB).toFixed(2)} of ${(r.expected / MiB).toFixed(2)} MiB`,
    );
    expect(r.received).toBe(r.expected);
    expect(r.serverInfo).toMatchObject({ initiator: "remote", graceful: true, error: undefined });
    expect(r.graceful).toBe(true);
    expect(r.blobsIn).toBe(64);
    expect(r.work).toEqual({ n: 1 });
  });

  test("control: destroy() in the same spot is lossy, as documented: bytes are lost and neither side calls the close graceful", async () => {
    const r = await scenario("destroy");
    console.info(
      `case 22 control (client destroy): server received ${(r.received / MiB).toFixed(2)} of ${(r.expected / MiB).toFixed(2)} MiB; ${r.serverInfo?.error?.code}`,
    );
    expect(r.received).toBeLessThan(r.expected);
    expect(r.serverInfo?.graceful).toBe(false);
    expect(r.graceful).toBe(false);
  });
});
