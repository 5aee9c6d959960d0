import { monitorEventLoopDelay } from "node:perf_hooks";
import {
  ErrorCode,
  encodeEnvelope,
  isSockwireError,
  Kind,
  type SockwireError,
  WireCode,
} from "@sockwire/protocol";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type ReliabilityContract, reliabilityContract } from "../src/contract.js";
import { memoryAfterGc } from "../src/resources.js";
import { sleep, until } from "../src/wait.js";
import { client } from "./support/fixtures.js";
import { hostileServer, prefix } from "./support/hostile-server.js";

// The reliability cases are written from the server's side; the session code they exercise is
// shared with the client, so a hostile *server* must meet the same lines. These run the real
// client against a raw server that completes the handshake and then misbehaves.

const MiB = 1024 * 1024;

/** Connects a client without reconnection and resolves with how it ended. */
async function runOnce(
  port: number,
  options: Partial<Parameters<typeof client<ReliabilityContract>>[1]> = {},
) {
  const c = client(reliabilityContract, {
    port,
    credentials: { client: 1 },
    reconnect: false,
    ...options,
  });
  const reported: SockwireError[] = [];
  c.onError((e) => reported.push(e));
  let closed: { error: SockwireError | undefined; at: number } | undefined;
  const statuses: string[] = [];
  c.onStatus((s) => {
    statuses.push(s.state);
    if (s.state === "closed") closed = { error: s.error, at: performance.now() };
  });
  await c.connect();
  const openedAt = performance.now();
  return { client: c, reported, statuses, openedAt, closed: () => closed };
}

function causeCode(error: SockwireError | undefined): string | undefined {
  return isSockwireError(error?.cause) ? error.cause.code : undefined;
}

describe("a hostile server against the real client", () => {
  test("oversized length prefix (case 2): 200 servers announcing 4 GiB frames; each client closes with FRAME_TOO_LARGE and allocates nothing", async () => {
    const { port, connections } = await hostileServer((conn) =>
      conn.socket.write(prefix(0xffff_ffff)),
    );
    const before = memoryAfterGc().arrayBuffers;
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const run = await runOnce(port);
      await until(() => run.closed() !== undefined, "client closed", 5000);
      const { error, at } = run.closed() as { error: SockwireError; at: number };
      times.push(at - run.openedAt);
      expect(error).toMatchObject({
        code: ErrorCode.CONNECTION_LOST,
        details: { closeCode: WireCode.FRAME_TOO_LARGE },
      });
      expect(causeCode(error)).toBe(ErrorCode.FRAME_TOO_LARGE);
    }
    const after = memoryAfterGc().arrayBuffers;
    times.sort((a, b) => a - b);
    console.info(
      `case 2 (client side): 200 clients closed, p50 ${times[100]?.toFixed(2)} ms, max ${times.at(-1)?.toFixed(2)} ms; arrayBuffers delta ${((after - before) / MiB).toFixed(2)} MiB`,
    );
    expect(after - before).toBeLessThan(MiB);
    // The client told the server why before closing: an error frame with id 0 and the code.
    await until(() => connections.filter((c) => c.ended).length === 200, "every FIN", 5000);
    for (const conn of connections) {
      const error = conn.frames.find((e) => e.kind === Kind.ERROR && e.id === 0);
      expect(JSON.parse(error?.payload.toString() ?? "{}").code).toBe(WireCode.FRAME_TOO_LARGE);
      expect(conn.errors).toEqual([]); // a FIN, not a reset
    }
  });

  test("truncated frames then FIN, and malformed headers (case 5): 200 connections, each closed once with a coded cause, no unhandled rejection", async () => {
    const variants: Array<[Buffer, boolean, string]> = [
      [Buffer.concat([prefix(100), Buffer.alloc(50, 1)]), true, ErrorCode.FRAME_TRUNCATED],
      [Buffer.from([0, 0]), true, ErrorCode.FRAME_TRUNCATED],
      [prefix(0), false, ErrorCode.FRAME_MALFORMED],
      [
        Buffer.concat([prefix(7), Buffer.from([0x20, 0, 0, 0, 0, 0, 0])]),
        false,
        ErrorCode.UNKNOWN_KIND,
      ],
      [
        Buffer.concat([prefix(7), Buffer.from([Kind.EVENT, 0x80, 0, 0, 0, 0, 0])]),
        false,
        ErrorCode.UNKNOWN_FLAGS,
      ],
      [
        Buffer.concat([prefix(8), Buffer.from([Kind.EVENT, 0, 0, 0, 0, 0, 200, 0x61])]),
        false,
        ErrorCode.FRAME_MALFORMED,
      ],
    ];
    let index = 0;
    const { port } = await hostileServer((conn) => {
      const [bytes, fin] = variants[index % variants.length] as [Buffer, boolean, string];
      conn.socket.write(bytes);
      if (fin) conn.socket.end();
    });
    let unhandled = 0;
    const onUnhandled = () => void unhandled++;
    process.on("unhandledRejection", onUnhandled);
    try {
      for (; index < 200; index++) {
        const [, , expected] = variants[index % variants.length] as [Buffer, boolean, string];
        const run = await runOnce(port);
        await until(() => run.closed() !== undefined, "client closed", 5000);
        expect(causeCode(run.closed()?.error)).toBe(expected);
        expect(run.statuses.filter((s) => s === "closed")).toHaveLength(1);
      }
      await sleep(20);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toBe(0);
  });

  test("a partial frame that stalls (case 4): the client gives up at frameTimeoutMs with ERR_FRAME_TIMEOUT", async () => {
    const { port } = await hostileServer((conn) =>
      conn.socket.write(Buffer.concat([prefix(1000), Buffer.alloc(10)])),
    );
    const run = await runOnce(port, { frameTimeoutMs: 300 });
    await until(() => run.closed() !== undefined, "stall close", 3000);
    const elapsed = (run.closed()?.at ?? 0) - run.openedAt;
    expect(run.closed()?.error).toMatchObject({ details: { closeCode: WireCode.FRAME_STALLED } });
    expect(causeCode(run.closed()?.error)).toBe(ErrorCode.FRAME_TIMEOUT);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(300 + 1500);
  });

  test("garbage inside well-formed frames (cases 6 and 9): invalid UTF-8, bad JSON and 500,000-deep nesting are reported and dropped; the event loop is not blocked; the connection stays up", async () => {
    const { port } = await hostileServer((conn) => {
      const event = (payload: Buffer | string) =>
        encodeEnvelope({ kind: Kind.EVENT, type: "tick" }, payload);
      conn.socket.write(
        Buffer.concat([
          event(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
          event("{not json"),
          event(`{"s":${"[".repeat(500_000)}`),
          event(JSON.stringify({ s: "x", n: "one" })),
          event(JSON.stringify({ s: "after", n: 1 })),
        ]),
      );
    });
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const run = await runOnce(port);
    const ticks: unknown[] = [];
    run.client.on("tick", (t) => void ticks.push(t));
    try {
      await until(
        () => ticks.length === 1 && run.reported.length === 4,
        "reports and the good event",
        5000,
      );
      await sleep(20);
    } finally {
      histogram.disable();
    }
    expect(run.reported.map((e) => e.code)).toEqual([
      ErrorCode.PAYLOAD_INVALID,
      ErrorCode.PAYLOAD_INVALID,
      ErrorCode.PAYLOAD_TOO_DEEP,
      ErrorCode.VALIDATION_FAILED,
    ]);
    expect(ticks).toEqual([{ s: "after", n: 1 }]);
    expect(run.client.state).toBe("open");
    console.info(
      `cases 6/9 (client side): event-loop delay max ${(histogram.max / 1e6).toFixed(1)} ms`,
    );
    expect(histogram.max / 1e6).toBeLessThan(250);
  });

  test("ping flood (case 16): the client closes with TOO_MANY_PINGS after its strikes", async () => {
    const ping = encodeEnvelope({ kind: Kind.PING, id: 7 }, undefined);
    const { port, connections } = await hostileServer(
      (conn) => conn.socket.write(Buffer.concat(Array.from({ length: 1000 }, () => ping))),
      { heartbeat: { intervalMs: 1000, timeoutMs: 1000 } },
    );
    const run = await runOnce(port, { heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 1000 });
    await until(() => run.closed() !== undefined, "flood close", 3000);
    expect(run.closed()?.error).toMatchObject({ details: { closeCode: WireCode.TOO_MANY_PINGS } });
    // Strikes start after a too-early ping; with 2 strikes allowed the third too-early one closes.
    await sleep(50);
    expect(connections[0]?.frames.filter((e) => e.kind === Kind.PONG).length).toBeLessThanOrEqual(
      3,
    );
  });

  test("random byte streams after the welcome (case 10): the client ends with a coded error or stays up, never throws", async () => {
    const streams = fc.sample(
      fc.array(fc.uint8Array({ minLength: 0, maxLength: 96 }), { minLength: 1, maxLength: 6 }),
      { numRuns: 100, seed: 10_2026 },
    );
    let index = 0;
    const { port } = await hostileServer(async (conn) => {
      for (const chunk of streams[index] ?? []) {
        conn.socket.write(chunk);
        await new Promise((resolve) => setImmediate(resolve));
      }
      conn.socket.end();
    });
    let unhandled = 0;
    const onUnhandled = () => void unhandled++;
    process.on("unhandledRejection", onUnhandled);
    try {
      for (; index < streams.length; index++) {
        const run = await runOnce(port, { frameTimeoutMs: 300 });
        await until(() => run.closed() !== undefined, "closed after the server's FIN", 5000);
        const error = run.closed()?.error;
        // A FIN ends the connection: cleanly (NORMAL), or with the frame error that came first.
        expect(error?.code).toBe(ErrorCode.CONNECTION_LOST);
        expect(Object.values(WireCode)).toContain(
          (error?.details as { closeCode?: string } | undefined)?.closeCode,
        );
        for (const e of run.reported) expect(isSockwireError(e)).toBe(true);
      }
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toBe(0);
  });
});
