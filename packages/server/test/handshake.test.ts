import {
  AppError,
  type Envelope,
  ErrorCode,
  encodeControl,
  encodeEnvelope,
  Kind,
  PROTOCOL_MINOR,
  WireCode,
} from "@sockwire/protocol";
import { afterEach, describe, expect, test, vi } from "vitest";
import type { AuthenticateInfo } from "../src/index.js";
import { authContract, testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { helloFor, RawPeer } from "./helpers/raw-peer.js";
import { sleep, until } from "./helpers/wait.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

afterEach(() => {
  vi.useRealTimers();
});

describe("welcome", () => {
  test("carries a session id, the server's receive limit, the agreed heartbeat and maxInFlight", async () => {
    const run = await startServer(testContract, {
      maxFrameBytes: 2 * 1024 * 1024,
      maxInFlight: 64,
    });
    const peer = await run.raw();
    const welcome = await peer.handshake(testContract, {
      heartbeat: { intervalMs: 10_000, timeoutMs: 40_000 },
      agent: "probe/1",
    });
    expect(welcome).toEqual({
      protocol: { major: 1, minor: PROTOCOL_MINOR },
      sessionId: expect.stringMatching(UUID),
      maxFrameBytes: 2 * 1024 * 1024,
      heartbeat: { intervalMs: 10_000, timeoutMs: 20_000 },
      maxInFlight: 64,
    });
    await until(() => run.opened.length === 1, "onConnection");
    const conn = run.opened[0];
    expect(conn).toMatchObject({
      sessionId: welcome.sessionId,
      remoteAddress: "127.0.0.1",
      remotePort: peer.socket.localPort,
      agent: "probe/1",
      encrypted: false,
      state: "open",
      context: undefined,
    });
    expect(run.server.connections.get(conn?.id ?? "")).toBe(conn);
  });

  test("a newer minor version is accepted and answered with ours", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    const welcome = await peer.handshake(testContract, { protocol: { major: 1, minor: 9 } });
    expect(welcome.protocol).toEqual({ major: 1, minor: PROTOCOL_MINOR });
  });

  test("an older minor is answered with that minor (a 1.0 client speaks 1.0)", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    const welcome = await peer.handshake(testContract, { protocol: { major: 1, minor: 0 } });
    expect(welcome.protocol).toEqual({ major: 1, minor: 0 });
    expect(welcome.contract).toBeUndefined();
  });
});

describe("refusals", () => {
  const cases = [
    {
      name: "another protocol major",
      hello: { protocol: { major: 2, minor: 0 } },
      code: WireCode.UNSUPPORTED_VERSION,
      error: ErrorCode.UNSUPPORTED_VERSION,
    },
    {
      name: "another contract name",
      hello: { contract: { name: "other", fingerprint: testContract.fingerprint } },
      code: WireCode.CONTRACT_MISMATCH,
      error: ErrorCode.CONTRACT_MISMATCH,
    },
    {
      name: "another fingerprint in a hello without a digest (as 1.0 sends)",
      hello: { contract: { name: testContract.name, fingerprint: "0".repeat(32) } },
      code: WireCode.CONTRACT_MISMATCH,
      error: ErrorCode.CONTRACT_MISMATCH,
    },
    {
      name: "another codec",
      hello: { codec: "msgpack" },
      code: WireCode.UNSUPPORTED_CODEC,
      error: ErrorCode.UNSUPPORTED_CODEC,
    },
  ] as const;

  for (const c of cases) {
    test(`${c.name} is refused with ${c.code}, reported, counted and closed`, async () => {
      const run = await startServer(testContract);
      const peer = await run.raw();
      peer.hello(testContract, c.hello);
      const reject = await peer.waitFor((e) => e.kind === Kind.REJECT, "reject");
      expect(RawPeer.reason(reject).code).toBe(c.code);
      await peer.waitClosed();
      await until(() => run.errors.length === 1, "error report");
      expect(run.errors[0]?.error.code).toBe(c.error);
      expect(run.errors[0]?.conn?.state).toBe("closed");
      expect(run.opened).toEqual([]);
      const stats = run.server.stats();
      expect(stats).toMatchObject({ rejected: 1, opened: 0, closesByReason: { [c.code]: 1 } });
    });
  }

  test("a malformed hello is refused with PROTOCOL_ERROR", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    peer.write(encodeEnvelope({ kind: Kind.HELLO }, encodeControl({ protocol: "one" })));
    const reject = await peer.waitFor((e) => e.kind === Kind.REJECT);
    expect(RawPeer.reason(reject).code).toBe(WireCode.PROTOCOL_ERROR);
    await peer.waitClosed();
  });

  test("a stray welcome from the client is refused with PROTOCOL_ERROR", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    peer.write(encodeEnvelope({ kind: Kind.WELCOME }, encodeControl({})));
    expect(RawPeer.reason(await peer.waitFor((e) => e.kind === Kind.REJECT)).code).toBe(
      WireCode.PROTOCOL_ERROR,
    );
  });

  test("nothing reaches application handlers before the handshake", async () => {
    const calls: string[] = [];
    const run = await startServer(testContract, {}, (server) => {
      server.on("say", () => void calls.push("event"));
      server.handle("echo", (input) => {
        calls.push("request");
        return input;
      });
    });
    for (const frame of [
      encodeEnvelope({ kind: Kind.EVENT, type: "say" }, JSON.stringify({ text: "early" })),
      encodeEnvelope(
        { kind: Kind.REQUEST, id: 1, type: "echo" },
        JSON.stringify({ text: "early" }),
      ),
    ]) {
      const peer = await run.raw();
      peer.write(frame);
      await peer.waitClosed();
      // The answer to a first frame that is not a hello is a reject (PROTOCOL.md 8.1).
      expect(RawPeer.reason(peer.ofKind(Kind.REJECT)[0] as Envelope).code).toBe(
        WireCode.PROTOCOL_ERROR,
      );
      expect(peer.ofKind(Kind.RESPONSE)).toEqual([]);
    }
    expect(calls).toEqual([]);
    await until(() => run.errors.length === 2, "reports");
    expect(run.errors.map((e) => e.error.code)).toEqual([
      ErrorCode.UNEXPECTED_FRAME,
      ErrorCode.UNEXPECTED_FRAME,
    ]);
  });

  test("a TCP probe that connects and leaves without a hello is counted but not reported", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    peer.end();
    await peer.waitClosed();
    await until(() => run.server.stats().closesByReason.NORMAL === 1, "close counted");
    expect(run.errors).toEqual([]);
  });
});

describe("authenticate", () => {
  test("credentials are validated against the contract, then turned into a typed context", async () => {
    const seen: Array<{ credentials: unknown; info: AuthenticateInfo }> = [];
    const run = await startServer(
      authContract,
      {
        authenticate: async (credentials, info) => {
          seen.push({ credentials, info });
          if (credentials.token === "bad") throw new AppError("BANNED", "this token is banned");
          if (credentials.token === "boom") throw new Error("auth backend down");
          return { user: `user-${credentials.token}` };
        },
      },
      (server) => server.handle("whoami", (_input, conn) => ({ user: conn.context.user })),
    );
    const client = await run.client({ hello: { credentials: { token: "42" }, agent: "test" } });
    await expect(client.request("whoami", {})).resolves.toEqual({ user: "user-42" });
    expect(seen[0]?.info).toMatchObject({
      remoteAddress: "127.0.0.1",
      remotePort: client.socket.localPort,
      agent: "test",
    });
    expect(seen[0]?.info.signal.aborted).toBe(false);

    const refusals: Array<[unknown, string]> = [
      [undefined, WireCode.UNAUTHORIZED],
      [{ token: "" }, WireCode.UNAUTHORIZED],
      [{ token: "bad" }, "BANNED"],
      [{ token: "boom" }, WireCode.UNAUTHORIZED],
    ];
    for (const [credentials, code] of refusals) {
      const peer = await run.raw();
      peer.hello(authContract, { credentials });
      const reject = await peer.waitFor((e) => e.kind === Kind.REJECT);
      expect(RawPeer.reason(reject).code).toBe(code);
      expect(reject.payload.toString()).not.toContain("backend down");
      await peer.waitClosed();
    }
    await until(() => run.errors.length === 5, "reports");
    // The hook's own crash is reported as a handler failure, besides the refusal itself.
    expect(run.errors.filter((e) => e.error.code === ErrorCode.HANDLER_FAILED)).toHaveLength(1);
    expect(run.server.stats()).toMatchObject({ opened: 1, rejected: 4 });
  });

  test("an authenticate slower than the handshake timeout is aborted and refused with HANDSHAKE_TIMEOUT", async () => {
    let signal: AbortSignal | undefined;
    const run = await startServer(authContract, {
      handshakeTimeoutMs: 200,
      authenticate: (_c, info) => {
        signal = info.signal;
        return new Promise<{ user: string }>(() => {});
      },
    });
    const peer = await run.raw();
    peer.hello(authContract, { credentials: { token: "slow" } });
    const reject = await peer.waitFor((e) => e.kind === Kind.REJECT, "reject", 3000);
    expect(RawPeer.reason(reject).code).toBe(WireCode.HANDSHAKE_TIMEOUT);
    expect(signal?.aborted).toBe(true);
  });

  test("a second hello while the first is being authenticated is a protocol error", async () => {
    const run = await startServer(authContract, {
      authenticate: () => new Promise<{ user: string }>(() => {}),
    });
    const peer = await run.raw();
    peer.hello(authContract, { credentials: { token: "a" } });
    peer.hello(authContract, { credentials: { token: "b" } });
    const reject = await peer.waitFor((e) => e.kind === Kind.REJECT);
    expect(RawPeer.reason(reject).code).toBe(WireCode.PROTOCOL_ERROR);
    await peer.waitClosed();
  });
});

describe("handshake timeout", () => {
  test("defaults to 5 s (fake timers): a silent peer is refused with HANDSHAKE_TIMEOUT", async () => {
    vi.useFakeTimers({
      toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
    });
    const run = await startServer(testContract);
    const peer = await run.raw();
    await until(() => run.server.stats().handshaking === 1, "accept");
    vi.advanceTimersByTime(4999);
    await sleep(30);
    expect(peer.frames).toEqual([]);
    expect(peer.ended).toBe(false);
    vi.advanceTimersByTime(1);
    const reject = await peer.waitFor((e) => e.kind === Kind.REJECT);
    expect(RawPeer.reason(reject).code).toBe(WireCode.HANDSHAKE_TIMEOUT);
    await peer.waitClosed();
    await until(() => run.server.stats().closesByReason.HANDSHAKE_TIMEOUT === 1, "counted");
    expect(run.errors[0]?.error.code).toBe(ErrorCode.HANDSHAKE_TIMEOUT);
  });

  test("slowloris (case 11): 200 silent sockets and a 1-byte-per-100-ms hello are all closed at the timeout", async () => {
    const timeoutMs = 200;
    const run = await startServer(testContract, { handshakeTimeoutMs: timeoutMs });
    const start = performance.now();
    const peers = await Promise.all(Array.from({ length: 200 }, () => run.raw()));
    const trickler = await run.raw();
    const hello = encodeEnvelope({ kind: Kind.HELLO }, encodeControl(helloFor(testContract)));
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < hello.length && !trickler.socket.destroyed)
        trickler.write(hello.subarray(sent, ++sent));
    }, 100);
    try {
      await Promise.all([...peers, trickler].map((p) => p.waitClosed(10_000)));
    } finally {
      clearInterval(trickle);
    }
    const times = peers.map((p) => p.endedAt - p.openedAt).sort((a, b) => a - b);
    // Never early: every socket had its full budget (allowing the timer's 1 ms granularity).
    expect(times[0]).toBeGreaterThanOrEqual(timeoutMs - 5);
    for (const peer of [...peers, trickler]) {
      expect(RawPeer.reason(peer.frames.find((e) => e.kind === Kind.REJECT) ?? fail()).code).toBe(
        WireCode.HANDSHAKE_TIMEOUT,
      );
    }
    expect(trickler.endedAt - start).toBeLessThan(timeoutMs + 2000);
    expect(sent).toBeLessThan(hello.length);
    await until(
      () => run.server.stats().closesByReason.HANDSHAKE_TIMEOUT === 201,
      "server-side closes",
    );
    const stats = run.server.stats();
    expect(stats.handshaking + stats.closing + stats.connections).toBe(0);
    console.info(
      `case 11: time to close p50 ${times[100]?.toFixed(0)} ms, max ${times[199]?.toFixed(0)} ms`,
    );
  });
});

function fail(): never {
  throw new Error("missing frame");
}
