import {
  type AnyContract,
  AppError,
  type Envelope,
  ErrorCode,
  encodeControl,
  encodeEnvelope,
  Kind,
  type SockwireError,
  WireCode,
} from "@sockwire/protocol";
import { type SessionOptions, Ticker } from "@sockwire/protocol/internal";
import { afterEach, describe, expect, onTestFinished, test, vi } from "vitest";
import { ConnectionCore } from "../src/connection-core.js";
import type { CloseOutcome, ConnectionHost, CoreOwner } from "../src/connection-host.js";
import { REJECT_LINGER_MS } from "../src/handshake.js";
import type { ServerOptions } from "../src/index.js";
import { type ResolvedOptions, resolveOptions } from "../src/options.js";
import type { DisconnectInfo } from "../src/types.js";
import { authContract, testContract } from "./helpers/contract.js";
import { RawPeer } from "./helpers/raw-peer.js";
import { socketPair } from "./helpers/socket-pair.js";
import { sleep, until } from "./helpers/wait.js";

// The server side of one connection, driven over an in-memory socket pair against a host that
// records what the core tells it: the handshake's decisions, the session hooks, rooms and close.

interface FakeConn extends CoreOwner {
  readonly id: string;
}

class FakeHost implements ConnectionHost<FakeConn> {
  readonly contract: AnyContract;
  readonly options: ResolvedOptions;
  readonly sessionOptions: SessionOptions;
  readonly idPrefix = "";
  accepting = true;
  /** What the core called, in order (errors and closes have their own lists). */
  readonly calls: string[] = [];
  readonly errors: SockwireError[] = [];
  readonly closes: Array<{ conn: FakeConn; info: DisconnectInfo; outcome: CloseOutcome }> = [];

  constructor(contract: AnyContract, options: ServerOptions<AnyContract, unknown> = {}) {
    this.contract = contract;
    this.options = resolveOptions({ heartbeatIntervalMs: 0, ...options });
    this.sessionOptions = {
      side: "server",
      contract,
      codec: this.options.codec,
      overflow: "close",
      validateOutbound: true,
      ticker: new Ticker(1000),
      limits: this.options,
    };
  }

  dispatchEvent(name: string, data: unknown, conn: FakeConn): undefined {
    this.calls.push(`event ${name} ${JSON.stringify(data)} ${conn.id}`);
    return undefined;
  }

  dispatchRequest(name: string, input: unknown, conn: FakeConn): unknown {
    this.calls.push(`request ${name} ${conn.id}`);
    return input;
  }

  joinRoom(conn: FakeConn, room: string): void {
    this.calls.push(`join ${room} ${conn.id}`);
  }

  leaveRoom(conn: FakeConn, room: string): void {
    this.calls.push(`leave ${room} ${conn.id}`);
  }

  opened(conn: FakeConn): void {
    this.calls.push(`opened ${conn.id}`);
  }

  closed(conn: FakeConn, info: DisconnectInfo, outcome: CloseOutcome): void {
    this.closes.push({ conn, info, outcome });
  }

  reportError(error: SockwireError): void {
    this.errors.push(error);
  }
}

/** A core on one end of a socket pair and a raw peer on the other, torn down after the test. */
function connect(host: FakeHost) {
  const { server, client } = socketPair();
  const conn: FakeConn = {
    id: "c1",
    remoteAddress: "127.0.0.1",
    remotePort: 40_000,
    encrypted: false,
  };
  const core = new ConnectionCore(server, host, conn);
  const peer = RawPeer.over(client);
  onTestFinished(() => {
    peer.destroy();
    server.destroy();
  });
  return { core, peer, conn };
}

const tokenOf = (credentials: unknown) => (credentials as { token: string }).token;

const rejectOf = async (peer: RawPeer) =>
  RawPeer.reason(await peer.waitFor((e: Envelope) => e.kind === Kind.REJECT, "reject"));

const fakeTimers = () =>
  vi.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
  });

afterEach(() => {
  vi.useRealTimers();
});

describe("hello", () => {
  test("a valid hello without authenticate opens at once: welcome, host told, state open", async () => {
    const host = new FakeHost(testContract);
    const { core, peer } = connect(host);
    expect(core.state).toBe("handshake");
    const welcome = await peer.handshake(testContract, { agent: "probe/1" });
    expect(core.phase).toBe("open");
    expect(core.state).toBe("open");
    expect(core.sessionId).toBe(welcome.sessionId);
    expect(core.agent).toBe("probe/1");
    expect(core.context).toBeUndefined();
    expect(host.calls).toEqual(["opened c1"]);
  });

  test("once open, events and requests reach the host with the connection", async () => {
    const host = new FakeHost(testContract);
    const { peer } = connect(host);
    await peer.handshake(testContract);
    peer.event("say", { text: "hi" });
    peer.request(1, "echo", { text: "back" });
    await peer.waitFor((e) => e.kind === Kind.RESPONSE, "response");
    expect(host.calls).toEqual(["opened c1", 'event say {"text":"hi"} c1', "request echo c1"]);
    expect(RawPeer.json(peer.ofKind(Kind.RESPONSE)[0] as Envelope)).toEqual({ text: "back" });
  });

  const refusals = [
    {
      name: "a hello for another contract",
      send: (peer: RawPeer) =>
        peer.hello(testContract, { contract: { name: "x", fingerprint: "0".repeat(32) } }),
      code: WireCode.CONTRACT_MISMATCH,
      error: ErrorCode.CONTRACT_MISMATCH,
    },
    {
      name: "a first frame that is not a hello",
      send: (peer: RawPeer) => peer.event("say", { text: "early" }),
      code: WireCode.PROTOCOL_ERROR,
      error: ErrorCode.UNEXPECTED_FRAME,
    },
    {
      name: "a malformed hello",
      send: (peer: RawPeer) =>
        peer.write(encodeEnvelope({ kind: Kind.HELLO }, encodeControl({ protocol: 1 }))),
      code: WireCode.PROTOCOL_ERROR,
      error: ErrorCode.FRAME_MALFORMED,
    },
  ];
  for (const c of refusals) {
    test(`${c.name} is refused with ${c.code}; the close outcome is rejected`, async () => {
      const host = new FakeHost(testContract);
      const { core, peer } = connect(host);
      c.send(peer);
      expect((await rejectOf(peer)).code).toBe(c.code);
      expect(core.phase).toBe("rejected");
      expect(core.state).toBe("closing");
      peer.end();
      await until(() => host.closes.length === 1, "close");
      expect(host.closes[0]?.outcome).toBe("rejected");
      expect(host.closes[0]?.info.error?.code).toBe(c.error);
      expect(core.state).toBe("closed");
      expect(host.calls).toEqual([]);
    });
  }

  test("a hello while the server is not accepting is refused with GOING_AWAY", async () => {
    const host = new FakeHost(testContract);
    host.accepting = false;
    const { peer } = connect(host);
    peer.hello(testContract);
    expect((await rejectOf(peer)).code).toBe(WireCode.GOING_AWAY);
    peer.end();
    await until(() => host.closes.length === 1, "close");
    expect(host.closes[0]?.info.error?.code).toBe(ErrorCode.SERVER_CLOSED);
  });
});

describe("authenticate", () => {
  test("its result, sync or async, becomes the context; the handshake waits for it", async () => {
    let release: (context: unknown) => void = () => {};
    const host = new FakeHost(authContract, {
      authenticate: (credentials, info) => {
        expect(info).toMatchObject({ remoteAddress: "127.0.0.1", remotePort: 40_000, agent: "a" });
        if (tokenOf(credentials) === "sync") return { user: "sync" };
        return new Promise((resolve) => (release = resolve));
      },
    });
    const sync = connect(host);
    await sync.peer.handshake(authContract, { credentials: { token: "sync" }, agent: "a" });
    expect(sync.core.context).toEqual({ user: "sync" });

    const later = connect(host);
    later.peer.hello(authContract, { credentials: { token: "later" }, agent: "a" });
    await until(() => later.core.phase === "auth", "auth phase");
    await sleep(20);
    expect(later.peer.frames).toEqual([]);
    expect(later.core.state).toBe("handshake");
    release({ user: "later" });
    await later.peer.waitFor((e) => e.kind === Kind.WELCOME, "welcome");
    expect(later.core.context).toEqual({ user: "later" });
  });

  test("an AppError keeps its code; another throw is UNAUTHORIZED and reported as a handler failure", async () => {
    const host = new FakeHost(authContract, {
      authenticate: (credentials) => {
        if (tokenOf(credentials) === "banned") throw new AppError("BANNED", "no");
        throw new Error("backend down");
      },
    });
    const banned = connect(host);
    banned.peer.hello(authContract, { credentials: { token: "banned" } });
    expect((await rejectOf(banned.peer)).code).toBe("BANNED");
    expect(host.errors).toEqual([]);

    const broken = connect(host);
    broken.peer.hello(authContract, { credentials: { token: "x" } });
    expect((await rejectOf(broken.peer)).code).toBe(WireCode.UNAUTHORIZED);
    expect(host.errors.map((e) => e.code)).toEqual([ErrorCode.HANDLER_FAILED]);
  });

  test("another frame while the hello is being authenticated is a protocol error", async () => {
    const host = new FakeHost(authContract, { authenticate: () => new Promise(() => {}) });
    const { peer } = connect(host);
    peer.hello(authContract, { credentials: { token: "a" } });
    peer.hello(authContract, { credentials: { token: "b" } });
    expect((await rejectOf(peer)).code).toBe(WireCode.PROTOCOL_ERROR);
    peer.end();
    await until(() => host.closes.length === 1, "close");
    expect(host.closes[0]?.info.error?.code).toBe(ErrorCode.UNEXPECTED_FRAME);
  });

  test("a peer that leaves during authenticate is abandoned and the hook's signal aborts", async () => {
    let signal: AbortSignal | undefined;
    const host = new FakeHost(authContract, {
      authenticate: (_credentials, info) => {
        signal = info.signal;
        return new Promise(() => {});
      },
    });
    const { core, peer } = connect(host);
    peer.hello(authContract, { credentials: { token: "a" } });
    await until(() => signal !== undefined, "authenticate called");
    peer.destroy();
    await until(() => host.closes.length === 1, "close");
    expect(host.closes[0]?.outcome).toBe("abandoned");
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toMatchObject({ code: ErrorCode.CONNECTION_LOST });
    expect(core.state).toBe("closed");
  });
});

describe("handshake timeout (fake timers)", () => {
  test("a silent peer is refused with HANDSHAKE_TIMEOUT exactly at the deadline", async () => {
    fakeTimers();
    const host = new FakeHost(testContract, { handshakeTimeoutMs: 1000 });
    const { core, peer } = connect(host);
    vi.advanceTimersByTime(999);
    await sleep(10);
    expect(peer.frames).toEqual([]);
    expect(core.phase).toBe("hello");
    vi.advanceTimersByTime(1);
    expect((await rejectOf(peer)).code).toBe(WireCode.HANDSHAKE_TIMEOUT);
    expect(core.phase).toBe("rejected");
  });

  test("authenticate is aborted at the deadline, and its late answer opens nothing", async () => {
    fakeTimers();
    let release: (context: unknown) => void = () => {};
    let signal: AbortSignal | undefined;
    const host = new FakeHost(authContract, {
      handshakeTimeoutMs: 1000,
      authenticate: (_credentials, info) => {
        signal = info.signal;
        return new Promise((resolve) => (release = resolve));
      },
    });
    const { core, peer } = connect(host);
    peer.hello(authContract, { credentials: { token: "slow" } });
    await until(() => signal !== undefined, "authenticate called");
    vi.advanceTimersByTime(1000);
    expect((await rejectOf(peer)).code).toBe(WireCode.HANDSHAKE_TIMEOUT);
    expect(signal?.reason).toMatchObject({ code: ErrorCode.HANDSHAKE_TIMEOUT });
    release({ user: "late" });
    await sleep(10);
    expect(peer.count(Kind.WELCOME)).toBe(0);
    expect(core.context).toBeUndefined();
    expect(host.calls).toEqual([]);
  });

  test("a refused peer that never closes its side is destroyed after REJECT_LINGER_MS", async () => {
    fakeTimers();
    const host = new FakeHost(testContract, { handshakeTimeoutMs: 1000 });
    const { peer } = connect(host);
    vi.advanceTimersByTime(1000);
    await rejectOf(peer);
    await until(() => peer.ended, "FIN after the reject");
    vi.advanceTimersByTime(REJECT_LINGER_MS - 1);
    await sleep(10);
    expect(host.closes).toEqual([]);
    vi.advanceTimersByTime(1);
    await until(() => host.closes.length === 1, "close");
    expect(host.closes[0]?.outcome).toBe("rejected");
    expect(host.closes[0]?.info.code).toBe(WireCode.HANDSHAKE_TIMEOUT);
    await peer.waitClosed();
  });

  test("an open connection has no handshake timer left", async () => {
    fakeTimers();
    const host = new FakeHost(testContract, { handshakeTimeoutMs: 1000 });
    const { core, peer } = connect(host);
    await peer.handshake(testContract);
    vi.advanceTimersByTime(5000);
    await sleep(10);
    expect(core.state).toBe("open");
    expect(peer.count(Kind.REJECT)).toBe(0);
  });
});

describe("shutdown", () => {
  test("during the handshake it refuses with the given code", async () => {
    const host = new FakeHost(testContract);
    const { core, peer } = connect(host);
    core.shutdown(WireCode.GOING_AWAY, "bye");
    expect(await rejectOf(peer)).toEqual({ code: WireCode.GOING_AWAY, message: "bye" });
    peer.end();
    await until(() => host.closes.length === 1, "close");
    expect(host.closes[0]?.info.error?.code).toBe(ErrorCode.SERVER_CLOSED);
  });

  test("on an open connection it sends a goaway, and whenClosed resolves with how it ended", async () => {
    const host = new FakeHost(testContract);
    const { core, peer } = connect(host);
    await peer.handshake(testContract);
    const closed = core.whenClosed();
    core.shutdown("MAINTENANCE", "later", 500);
    const goaway = await peer.waitFor((e) => e.kind === Kind.GOAWAY, "goaway");
    expect(RawPeer.reason(goaway)).toMatchObject({ code: "MAINTENANCE", message: "later" });
    await until(() => peer.ended, "FIN");
    peer.end();
    const info = await closed;
    expect(info).toMatchObject({ code: "MAINTENANCE", initiator: "local", graceful: true });
    expect(host.closes[0]).toMatchObject({ outcome: "open", info });
    await expect(core.whenClosed()).resolves.toBe(info);
  });
});

describe("rooms", () => {
  test("join and leave go to the host, leaving twice tells it once, closing leaves every room", async () => {
    const host = new FakeHost(testContract);
    const { core, peer } = connect(host);
    await peer.handshake(testContract);
    core.join("a");
    core.join("b");
    core.leave("a");
    core.leave("a");
    expect([...core.rooms]).toEqual(["b"]);
    peer.destroy();
    await until(() => host.closes.length === 1, "close");
    expect(core.rooms.size).toBe(0);
    core.join("c");
    expect(core.rooms.size).toBe(0);
    expect(host.calls).toEqual(["opened c1", "join a c1", "join b c1", "leave a c1", "leave b c1"]);
  });
});
