import {
  type Envelope,
  ErrorCode,
  encodeEnvelope,
  Kind,
  PROTOCOL_MINOR,
  type Welcome,
  WireCode,
} from "@sockwire/protocol";
import { afterEach, describe, expect, test, vi } from "vitest";
import type { DisconnectInfo, ServerConnection, ServerOptions } from "../src/index.js";
import { authContract, type TestContract, testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { RawPeer } from "./helpers/raw-peer.js";
import { sleep, until, within } from "./helpers/wait.js";

// Resumable sessions, server side, over real loopback sockets with raw peers (PROTOCOL.md 8.6):
// what the welcome says, a lost link detaching the session, a resume on a new connection (same
// session, replay of what the peer lacks), tokens that no longer resume, the window and
// eviction, authentication on resume, a resume racing the old link, and acks without agreement.
// The client library's side, through a cutting proxy: packages/client/test/resume.integration.test.ts.

afterEach(() => {
  vi.useRealTimers();
});

type Conn = ServerConnection<TestContract>;

const TOKEN = /^[A-Za-z0-9_-]{22,}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A server recording its connections and the resumption hooks, in the order they fired. */
async function setup(options: ServerOptions<TestContract> = {}) {
  const said: string[] = [];
  const resumed: Conn[] = [];
  const expired: Array<{ conn: Conn; info: DisconnectInfo }> = [];
  const order: string[] = [];
  const run = await startServer(testContract, options, (server) => {
    server.on("say", ({ text }) => void said.push(text));
    server.handle("echo", (input) => input);
    server.onSessionResumed((conn) => {
      resumed.push(conn);
      order.push(`resumed ${conn.id}`);
    });
    server.onSessionExpired((conn, info) => {
      expired.push({ conn, info });
      order.push(`expired ${conn.id}`);
    });
    server.onDisconnect((conn) => void order.push(`disconnect ${conn.id}`));
  });
  return { ...run, said, resumed, expired, order };
}

type Run = Awaited<ReturnType<typeof setup>>;

/** A raw peer that asked for a resumable session (or to resume one); resolves with its welcome. */
async function resumePeer(
  run: Run,
  resume: { token?: string; received?: number } = {},
): Promise<{ peer: RawPeer; welcome: Welcome }> {
  const peer = await run.raw();
  const welcome = await peer.handshake(testContract, { resume });
  return { peer, welcome };
}

/** The first connection the server opened, once it has. */
async function firstConn(run: Run): Promise<Conn> {
  await until(() => run.opened.length >= 1, "onConnection");
  return run.opened[0] as Conn;
}

/** Destroys the peer's socket and waits for the server to detach the session. */
async function loseLink(peer: RawPeer, conn: Conn): Promise<void> {
  peer.destroy();
  await until(() => conn.state === "detached", "detached");
}

const notices = (frames: readonly Envelope[]) =>
  frames
    .filter((e) => e.kind === Kind.EVENT)
    .map((e) => (RawPeer.json(e) as { text: string }).text);

describe("welcome.resume", () => {
  test("a 1.1 hello with resume: {} gets a token, the default 120 s window and resumed: false", async () => {
    const run = await setup();
    const { welcome } = await resumePeer(run);
    expect(welcome.protocol.minor).toBe(PROTOCOL_MINOR);
    expect(welcome.resume).toEqual({
      token: expect.stringMatching(TOKEN),
      windowMs: 120_000,
      resumed: false,
    });
    expect(Object.keys(welcome.resume ?? {}).sort()).toEqual(["resumed", "token", "windowMs"]);
  });

  test("the window is resumeWindowMs", async () => {
    const run = await setup({ resumeWindowMs: 5000 });
    const { welcome } = await resumePeer(run);
    expect(welcome.resume?.windowMs).toBe(5000);
  });

  test.each([
    ["a hello without resume", {}, {}],
    ["a 1.0 hello with resume: {}", { protocol: { major: 1, minor: 0 }, resume: {} }, {}],
    ["resumeWindowMs: 0 on the server", { resume: {} }, { resumeWindowMs: 0 }],
  ])("%s: no welcome.resume", async (_name, hello, options) => {
    const run = await setup(options);
    const peer = await run.raw();
    const welcome = await peer.handshake(testContract, hello);
    expect(welcome.resume).toBeUndefined();
    expect(welcome.sessionId).toMatch(UUID);
  });
});

describe("a lost link", () => {
  test.each([
    ["destroyed (reset)", (peer: RawPeer) => peer.destroy()],
    ["ended without goaway (FIN)", (peer: RawPeer) => peer.end()],
    [
      "ended inside a frame",
      (peer: RawPeer) => {
        peer.write(Buffer.from([0, 0, 0]));
        peer.end();
      },
    ],
  ])("%s detaches the session: state detached, counted, no onDisconnect", async (_name, lose) => {
    const run = await setup();
    const { peer } = await resumePeer(run);
    const conn = await firstConn(run);
    lose(peer);
    await until(() => conn.state === "detached", "detached");
    expect(run.server.stats()).toMatchObject({ detached: 1, connections: 1 });
    expect(run.server.connections.get(conn.id)).toBe(conn);
    await sleep(30);
    expect(run.disconnects).toEqual([]);
    expect(run.order).toEqual([]);
  });

  test("without resume in the hello the session ends as before", async () => {
    const run = await setup();
    const peer = await run.rawOpen();
    const conn = await firstConn(run);
    peer.destroy();
    await until(() => run.disconnects.length === 1, "onDisconnect");
    expect(conn.state).toBe("closed");
    expect(run.server.stats()).toMatchObject({ detached: 0, connections: 0 });
  });
});

describe("resuming", () => {
  test("the token on a new connection resumes the session: same id, the server's received count, onSessionResumed once", async () => {
    const run = await setup();
    const first = await resumePeer(run);
    const conn = await firstConn(run);
    for (const text of ["a", "b", "c"]) first.peer.event("say", { text });
    await until(() => run.said.length === 3, "3 events");
    await loseLink(first.peer, conn);

    const second = await resumePeer(run, { token: first.welcome.resume?.token, received: 0 });
    expect(second.welcome.sessionId).toBe(first.welcome.sessionId);
    expect(second.welcome.resume).toEqual({
      token: expect.stringMatching(TOKEN),
      windowMs: 120_000,
      resumed: true,
      received: 3,
    });
    expect(second.welcome.resume?.token).not.toBe(first.welcome.resume?.token);
    expect(run.resumed).toEqual([conn]);
    expect(conn.state).toBe("open");
    expect(conn.remotePort).toBe(second.peer.socket.localPort);
    // The new connection was absorbed: one connection, one onConnection, nothing detached.
    expect(run.opened).toEqual([conn]);
    expect(run.server.stats()).toMatchObject({ connections: 1, detached: 0, resumed: 1 });
    // The session works on its new link.
    second.peer.event("say", { text: "d" });
    await until(() => run.said.length === 4, "event on the new link");
    await sleep(30);
    expect(run.resumed).toHaveLength(1);
    expect(run.disconnects).toEqual([]);
  });

  test.each([0, 2])(
    "received: %i: what the peer lacks is replayed in order, right after the welcome, and nothing twice",
    async (received) => {
      const run = await setup();
      const first = await resumePeer(run);
      const conn = await firstConn(run);
      await conn.emit("notice", { text: "0" });
      await conn.emit("notice", { text: "1" });
      await first.peer.waitUntil(() => notices(first.peer.frames).length === 2, "2 notices");
      await loseLink(first.peer, conn);
      // Sent while detached: kept for replay (the sends resolve; the frames are stored).
      for (const text of ["2", "3"]) await conn.emit("notice", { text });
      expect(run.server.broadcast("notice", { text: "4" })).toBe(1);

      const second = await resumePeer(run, { token: first.welcome.resume?.token, received });
      const expected = ["0", "1", "2", "3", "4"].slice(received);
      await second.peer.waitUntil(
        () => notices(second.peer.frames).length >= expected.length,
        "replay",
      );
      await sleep(50);
      expect(second.peer.frames.map((e) => e.kind)).toEqual([
        Kind.WELCOME,
        ...expected.map(() => Kind.EVENT),
      ]);
      expect(notices(second.peer.frames)).toEqual(expected);
      // Later events follow the replay on the same link.
      await conn.emit("notice", { text: "5" });
      await second.peer.waitUntil(() => notices(second.peer.frames).includes("5"), "live");
      expect(notices(second.peer.frames)).toEqual([...expected, "5"]);
    },
  );

  test("a received count above what the server sent cannot be served: a new session, and the old one ends", async () => {
    const run = await setup();
    const first = await resumePeer(run);
    const conn = await firstConn(run);
    await conn.emit("notice", { text: "0" });
    await first.peer.waitUntil(() => notices(first.peer.frames).length === 1, "notice");
    await loseLink(first.peer, conn);
    const second = await resumePeer(run, { token: first.welcome.resume?.token, received: 5 });
    expect(second.welcome.resume?.resumed).toBe(false);
    expect(second.welcome.sessionId).not.toBe(first.welcome.sessionId);
    await until(() => run.expired.length === 1, "old session ended");
    expect(run.expired[0]?.conn).toBe(conn);
    expect(run.expired[0]?.info.code).toBe(WireCode.SESSION_EXPIRED);
    expect(run.resumed).toEqual([]);
  });

  test("a wrong token (valid format) gets resumed: false and a new session; the detached one stays", async () => {
    const run = await setup();
    const first = await resumePeer(run);
    const conn = await firstConn(run);
    await loseLink(first.peer, conn);
    const stranger = await resumePeer(run, { token: "A".repeat(22), received: 0 });
    expect(stranger.welcome.resume).toEqual({
      token: expect.stringMatching(TOKEN),
      windowMs: 120_000,
      resumed: false,
    });
    expect(stranger.welcome.sessionId).not.toBe(first.welcome.sessionId);
    expect(conn.state).toBe("detached");
    const owner = await resumePeer(run, { token: first.welcome.resume?.token, received: 0 });
    expect(owner.welcome.resume?.resumed).toBe(true);
  });

  test("a malformed token is refused by the hello schema (PROTOCOL_ERROR)", async () => {
    const run = await setup();
    const peer = await run.raw();
    peer.hello(testContract, { resume: { token: "short", received: 0 } });
    const reject = await peer.waitFor((e) => e.kind === Kind.REJECT, "reject");
    expect(RawPeer.reason(reject).code).toBe(WireCode.PROTOCOL_ERROR);
  });

  test.each([
    ["an event", (peer: RawPeer) => peer.event("say", { text: "hi" })],
    ["an ack", (peer: RawPeer) => peer.send({ kind: Kind.ACK, id: 0 })],
  ])(
    "once the peer sent %s on the resumed link, the token it resumed with is spent",
    async (_name, confirm) => {
      const run = await setup();
      const first = await resumePeer(run);
      const conn = await firstConn(run);
      await loseLink(first.peer, conn);
      const second = await resumePeer(run, { token: first.welcome.resume?.token, received: 0 });
      expect(second.welcome.resume?.resumed).toBe(true);
      confirm(second.peer);
      await sleep(50);
      await loseLink(second.peer, conn);

      const replay = await resumePeer(run, { token: first.welcome.resume?.token, received: 0 });
      expect(replay.welcome.resume?.resumed).toBe(false);
      expect(replay.welcome.sessionId).not.toBe(first.welcome.sessionId);
      expect(conn.state).toBe("detached");
      // The token of the last welcome still resumes.
      const third = await resumePeer(run, { token: second.welcome.resume?.token, received: 0 });
      expect(third.welcome.resume?.resumed).toBe(true);
      expect(third.welcome.sessionId).toBe(first.welcome.sessionId);
      expect(run.resumed).toEqual([conn, conn]);
    },
  );

  test("until the peer sends on the resumed link, the token it resumed with still resumes (the welcome may be lost)", async () => {
    const run = await setup();
    const first = await resumePeer(run);
    const conn = await firstConn(run);
    await loseLink(first.peer, conn);
    const token = first.welcome.resume?.token;
    const second = await resumePeer(run, { token, received: 0 });
    expect(second.welcome.resume?.resumed).toBe(true);
    await loseLink(second.peer, conn);
    const third = await resumePeer(run, { token, received: 0 });
    expect(third.welcome.resume?.resumed).toBe(true);
    expect(third.welcome.sessionId).toBe(first.welcome.sessionId);
  });

  test("a resume racing the old link, still open, takes over; the old socket is closed", async () => {
    const run = await setup();
    const first = await resumePeer(run);
    const conn = await firstConn(run);
    const second = await resumePeer(run, { token: first.welcome.resume?.token, received: 0 });
    expect(second.welcome.resume?.resumed).toBe(true);
    expect(second.welcome.sessionId).toBe(first.welcome.sessionId);
    await first.peer.waitClosed();
    expect(conn.state).toBe("open");
    expect(run.resumed).toEqual([conn]);
    await conn.emit("notice", { text: "here" });
    await second.peer.waitUntil(() => notices(second.peer.frames).length === 1, "notice");
    await sleep(30);
    expect(notices(first.peer.frames)).toEqual([]);
    expect(run.disconnects).toEqual([]);
    expect(run.server.stats()).toMatchObject({ connections: 1, detached: 0, resumed: 1 });
  });
});

describe("the end of a detached session", () => {
  test("the window passing (fake timers): onSessionExpired, then onDisconnect with SESSION_EXPIRED", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const run = await setup();
    const first = await resumePeer(run);
    const conn = await firstConn(run);
    await loseLink(first.peer, conn);
    vi.advanceTimersByTime(119_999);
    await sleep(20);
    expect(conn.state).toBe("detached");
    vi.advanceTimersByTime(1);
    await until(() => run.disconnects.length === 1, "onDisconnect");
    expect(run.order).toEqual([`expired ${conn.id}`, `disconnect ${conn.id}`]);
    const info = run.disconnects[0]?.info;
    expect(info?.code).toBe(WireCode.SESSION_EXPIRED);
    expect(info?.error?.code).toBe(ErrorCode.SESSION_EXPIRED);
    expect(info?.error?.details).toEqual({ reason: "expired" });
    expect(run.expired[0]?.info).toBe(info);
    expect(conn.state).toBe("closed");
    expect(run.server.stats()).toMatchObject({ detached: 0, connections: 0 });

    // An expired token and one never issued get the same answer.
    const late = await resumePeer(run, { token: first.welcome.resume?.token, received: 0 });
    const stranger = await resumePeer(run, { token: "B".repeat(22), received: 0 });
    for (const { welcome } of [late, stranger]) {
      expect(welcome.resume).toEqual({
        token: expect.stringMatching(TOKEN),
        windowMs: 120_000,
        resumed: false,
      });
      expect(welcome.sessionId).not.toBe(first.welcome.sessionId);
    }
    expect(Object.keys(late.welcome).sort()).toEqual(Object.keys(stranger.welcome).sort());
    expect(run.resumed).toEqual([]);
  });

  test("maxDetachedSessions: 1: a second detached session evicts the first", async () => {
    const run = await setup({ maxDetachedSessions: 1 });
    const a = await resumePeer(run);
    const b = await resumePeer(run);
    await until(() => run.opened.length === 2, "both open");
    const [connA, connB] = run.opened as [Conn, Conn];
    await loseLink(a.peer, connA);
    await loseLink(b.peer, connB);
    await until(() => run.expired.length === 1, "eviction");
    expect(run.expired[0]?.conn).toBe(connA);
    expect(run.expired[0]?.info.code).toBe(WireCode.SESSION_EXPIRED);
    expect(run.expired[0]?.info.error?.details).toEqual({ reason: "evicted" });
    expect(connA.state).toBe("closed");
    expect(connB.state).toBe("detached");
    expect(run.server.stats().detached).toBe(1);
    const again = await resumePeer(run, { token: a.welcome.resume?.token, received: 0 });
    expect(again.welcome.resume?.resumed).toBe(false);
  });
});

describe("the bound on what detached sessions hold", () => {
  test("maxDetachedBytes applies as detached sessions keep what is sent to them, not only when they detach", async () => {
    const run = await setup({ maxDetachedBytes: 8 * 1024 });
    const a = await resumePeer(run);
    const b = await resumePeer(run);
    await until(() => run.opened.length === 2, "both open");
    const [connA, connB] = run.opened as [Conn, Conn];
    await loseLink(a.peer, connA);
    await loseLink(b.peer, connB);
    expect(run.expired).toEqual([]);
    const text = "x".repeat(1500);
    for (let i = 0; i < 5 && run.expired.length === 0; i++)
      run.server.broadcast("notice", { text });
    await until(() => run.expired.length === 1, "eviction");
    // The session that detached first ends first; the other stays within the bound.
    expect(run.expired[0]?.conn).toBe(connA);
    expect(run.expired[0]?.info.error?.details).toEqual({ reason: "evicted" });
    expect(connB.state).toBe("detached");
  });
});

describe("authentication on resume", () => {
  test("authenticate is told which session the hello resumes, and can refuse another user's credentials", async () => {
    const run = await startServer(authContract, {
      authenticate: (credentials, info) => {
        const previous = info.resuming?.context as { user: string } | undefined;
        if (previous !== undefined && previous.user !== credentials.token)
          throw new Error("not yours");
        return { user: credentials.token };
      },
    });
    const first = await run.raw();
    const welcome = await first.handshake(authContract, {
      credentials: { token: "alice" },
      resume: {},
    });
    await until(() => run.opened.length === 1, "open");
    const conn = run.opened[0] as ServerConnection<typeof authContract, { user: string }>;
    first.destroy();
    await until(() => conn.state === "detached", "detached");
    const thief = await run.raw();
    thief.hello(authContract, {
      credentials: { token: "mallory" },
      resume: { token: welcome.resume?.token, received: 0 },
    });
    const reject = await thief.waitFor((e) => e.kind === Kind.REJECT, "reject");
    expect(RawPeer.reason(reject).code).toBe(WireCode.UNAUTHORIZED);
    const owner = await run.raw();
    const again = await owner.handshake(authContract, {
      credentials: { token: "alice" },
      resume: { token: welcome.resume?.token, received: 0 },
    });
    expect(again.resume?.resumed).toBe(true);
    expect(again.sessionId).toBe(welcome.sessionId);
  });

  test("authenticate runs again: a refusal rejects the hello (UNAUTHORIZED) and the session stays detached", async () => {
    const seen: unknown[] = [];
    const run = await startServer(authContract, {
      authenticate: (credentials) => {
        seen.push(credentials.token);
        if (credentials.token === "bad") throw new Error("no");
        return { user: credentials.token };
      },
    });
    const resumed: string[] = [];
    run.server.onSessionResumed((conn) => void resumed.push(conn.id));
    const first = await run.raw();
    const welcome = await first.handshake(authContract, {
      credentials: { token: "alice" },
      resume: {},
    });
    await until(() => run.opened.length === 1, "open");
    const conn = run.opened[0] as ServerConnection<typeof authContract, { user: string }>;
    first.destroy();
    await until(() => conn.state === "detached", "detached");

    const refused = await run.raw();
    refused.hello(authContract, {
      credentials: { token: "bad" },
      resume: { token: welcome.resume?.token, received: 0 },
    });
    const reject = await refused.waitFor((e) => e.kind === Kind.REJECT, "reject");
    expect(RawPeer.reason(reject).code).toBe(WireCode.UNAUTHORIZED);
    await refused.waitClosed();
    expect(conn.state).toBe("detached");
    expect(resumed).toEqual([]);

    // The session keeps the context it opened with, whoever authenticates the resume.
    const second = await run.raw();
    const again = await second.handshake(authContract, {
      credentials: { token: "bob" },
      resume: { token: welcome.resume?.token, received: 0 },
    });
    expect(again.resume?.resumed).toBe(true);
    expect(again.sessionId).toBe(welcome.sessionId);
    expect(seen).toEqual(["alice", "bad", "bob"]);
    expect(conn.context).toEqual({ user: "alice" });
  });
});

describe("acks", () => {
  test("acks from a peer that agreed settle conn.delivered(); impossible ones are ignored", async () => {
    const run = await setup();
    const { peer } = await resumePeer(run);
    const conn = await firstConn(run);
    await conn.emit("notice", { text: "0" });
    await conn.emit("notice", { text: "1" });
    let delivered = false;
    void conn.delivered().then(() => {
      delivered = true;
    });
    peer.send({ kind: Kind.ACK, id: 1 });
    peer.send({ kind: Kind.ACK, id: 7 }); // more than was sent
    await sleep(50);
    expect(delivered).toBe(false);
    expect(conn.state).toBe("open");
    peer.send({ kind: Kind.ACK, id: 2 });
    await until(() => delivered, "delivered");
  });

  test("the server acks once 64 frames are unacknowledged, else one timer 20 ms after the first (fake timers)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const run = await setup();
    const { peer } = await resumePeer(run);
    const acks = () => peer.ofKind(Kind.ACK).map((e) => e.id);
    // A request and an event: answered and handled, acknowledged only when the timer fires.
    peer.request(1, "echo", { text: "hi" });
    await peer.waitFor((e) => e.kind === Kind.RESPONSE, "response");
    peer.event("say", { text: "lone" });
    await until(() => run.said.length === 1, "event handled");
    await sleep(30);
    expect(acks()).toEqual([]);
    vi.advanceTimersByTime(20);
    await peer.waitUntil(() => acks().length === 1, "timed ack");
    expect(peer.frames.map((e) => e.kind)).toEqual([Kind.WELCOME, Kind.RESPONSE, Kind.ACK]);
    expect(acks()).toEqual([2]);
    // 64 frames unacknowledged: acknowledged without the timer, however the reads split them.
    peer.write(
      Buffer.concat(
        Array.from({ length: 64 }, (_, n) =>
          encodeEnvelope({ kind: Kind.EVENT, type: "say" }, JSON.stringify({ text: `${n}` })),
        ),
      ),
    );
    await peer.waitUntil(() => acks().length === 2, "ack at 64");
    expect(acks()).toEqual([2, 66]);
  });

  test("a delivered() waiting when the connection closes rejects", async () => {
    const run = await setup();
    await resumePeer(run);
    const conn = await firstConn(run);
    await conn.emit("notice", { text: "never acknowledged" });
    const waiting = conn.delivered();
    await conn.close();
    // The peer's FIN came with the notice unacknowledged: it never got it, and the close says so.
    await expect(within(waiting, "delivered", 2000)).rejects.toMatchObject({
      code: ErrorCode.CONNECTION_LOST,
    });
  });

  // After the session ended, what is unacknowledged never will be: delivered() says so at once.
  test("delivered() on a closed connection rejects instead of hanging", async () => {
    const run = await setup();
    await resumePeer(run);
    const conn = await firstConn(run);
    await conn.emit("notice", { text: "never acknowledged" });
    await conn.close();
    await expect(within(conn.delivered(), "delivered", 1000)).rejects.toMatchObject({
      code: ErrorCode.NOT_CONNECTED,
    });
  });

  test.each([
    ["no resume in its hello", {}, {}],
    ["a 1.0 hello", { protocol: { major: 1, minor: 0 }, resume: {} }, {}],
    ["resumption off on the server", { resume: {} }, { resumeWindowMs: 0 }],
  ])(
    "an ack from a peer that did not agree (%s) is a protocol error: error id 0, then close",
    async (_name, hello, options) => {
      const run = await setup(options);
      const peer = await run.raw();
      await peer.handshake(testContract, hello);
      peer.send({ kind: Kind.ACK, id: 0 });
      const error = await peer.waitFor((e) => e.kind === Kind.ERROR && e.id === 0, "error");
      expect(RawPeer.reason(error).code).toBe(WireCode.PROTOCOL_ERROR);
      await peer.waitClosed();
      await until(() => run.disconnects.length === 1, "onDisconnect");
      expect(run.disconnects[0]?.info.code).toBe(WireCode.PROTOCOL_ERROR);
      expect(run.disconnects[0]?.info.error?.code).toBe(ErrorCode.UNEXPECTED_FRAME);
    },
  );
});
