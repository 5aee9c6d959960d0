import { AppError, ErrorCode, Kind, WireCode } from "@sockwire/protocol";
import { afterEach, describe, expect, test, vi } from "vitest";
import { REJECT_LINGER_MS } from "../src/handshake.js";
import { authContract, testContract } from "./helpers/contract.js";
import { connect, FakeHost, rejectOf } from "./helpers/core-host.js";
import { sleep, until } from "./helpers/wait.js";

// The auth phase of a connection core: the authenticate hook, and the handshake deadline and
// reject linger under fake timers.

const tokenOf = (credentials: unknown) => (credentials as { token: string }).token;

const fakeTimers = () =>
  vi.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
  });

afterEach(() => {
  vi.useRealTimers();
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
