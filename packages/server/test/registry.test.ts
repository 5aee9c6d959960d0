import { inspect } from "node:util";
import { ErrorCode, Kind, SockwireError, WireCode } from "@sockwire/protocol";
import { Ticker } from "@sockwire/protocol/internal";
import { describe, expect, onTestFinished, test } from "vitest";
import type { ServerConnection, ServerOptions } from "../src/index.js";
import { resolveOptions } from "../src/options.js";
import { ConnectionRegistry } from "../src/registry.js";
import { Router } from "../src/router.js";
import { type TestContract, testContract } from "./helpers/contract.js";
import { MemoryAdapter } from "./helpers/memory-adapter.js";
import { RawPeer } from "./helpers/raw-peer.js";
import { socketPair } from "./helpers/socket-pair.js";
import { until, within } from "./helpers/wait.js";

// The registry's bookkeeping over in-memory sockets: which set a connection is in at each phase,
// what the hooks and the adapter hear, and what the counters say.

function setup(options: ServerOptions<TestContract> = {}) {
  let accepting = true;
  const router = new Router(testContract);
  const registry = new ConnectionRegistry<TestContract, undefined>(
    testContract,
    resolveOptions({ heartbeatIntervalMs: 0, ...options }),
    new Ticker(1000),
    router,
    () => accepting,
  );
  const events: string[] = [];
  const errors: string[] = [];
  registry.onConnection.add((conn) => void events.push(`open ${conn.id}`));
  registry.onDisconnect.add((conn, info) => void events.push(`close ${conn.id} ${info.code}`));
  registry.onError.add((error) => void errors.push(error.code));
  /** Accepts one end of a new socket pair; returns a raw peer on the other end. */
  const accept = (): RawPeer => {
    const { server, client } = socketPair();
    registry.accept(server);
    const peer = RawPeer.over(client);
    onTestFinished(() => peer.destroy());
    return peer;
  };
  const stopAccepting = () => {
    accepting = false;
  };
  return { registry, router, events, errors, accept, stopAccepting };
}

const only = <T>(items: Iterable<T>): T => {
  const [item, ...rest] = [...items];
  if (item === undefined || rest.length > 0) throw new Error("expected exactly one item");
  return item;
};

describe("accept and open", () => {
  test("a session is live from accept, and open (with onConnection) once its handshake is done", async () => {
    const { registry, events, accept } = setup();
    const peer = accept();
    expect(registry.live.size).toBe(1);
    expect(registry.open.size).toBe(0);
    expect(registry.stats("listening")).toMatchObject({
      accepted: 1,
      handshaking: 1,
      connections: 0,
    });
    await peer.handshake(testContract);
    const conn = only(registry.live);
    expect(registry.open.get(conn.id)).toBe(conn);
    expect(events).toEqual([`open ${conn.id}`]);
    expect(registry.stats("listening")).toMatchObject({
      handshaking: 0,
      connections: 1,
      opened: 1,
    });
  });

  test("a connection logs as its public fields only, never its session", async () => {
    const { registry, accept } = setup();
    await accept().handshake(testContract);
    const conn = only(registry.open.values());
    expect(Object.keys(conn)).toEqual(["id", "remoteAddress", "remotePort", "encrypted"]);
    expect(inspect(conn)).not.toMatch(/Session|Core|Registry/);
  });

  test("past maxConnections a socket is refused with SERVER_FULL and no session", async () => {
    const { registry, errors, accept } = setup({ maxConnections: 1 });
    await accept().handshake(testContract);
    const refused = accept();
    const reject = await refused.waitFor((e) => e.kind === Kind.REJECT, "reject");
    expect(RawPeer.reason(reject).code).toBe(WireCode.SERVER_FULL);
    expect(registry.live.size).toBe(1);
    expect(errors).toEqual([ErrorCode.HANDSHAKE_REJECTED]);
    expect(registry.stats("listening")).toMatchObject({ rejected: 1, closing: 1 });
    refused.end();
    await refused.waitClosed();
    await until(() => registry.stats("listening").closing === 0, "refused socket gone");
    expect(registry.stats("listening").closesByReason).toEqual({ SERVER_FULL: 1 });
  });

  test("refused sockets are capped too: past the cap they are destroyed without a reject", async () => {
    const { registry, accept } = setup({ maxConnections: 1 });
    await accept().handshake(testContract);
    const lingering = accept();
    await lingering.waitFor((e) => e.kind === Kind.REJECT, "reject");
    const dropped = accept();
    await dropped.waitClosed();
    expect(dropped.frames).toEqual([]);
    expect(registry.stats("listening")).toMatchObject({
      rejected: 2,
      closing: 1,
      closesByReason: { SERVER_FULL: 1 },
    });
  });

  test("once the server stops accepting, new sockets are refused with GOING_AWAY", async () => {
    const { registry, accept, stopAccepting } = setup();
    stopAccepting();
    const peer = accept();
    const reject = await peer.waitFor((e) => e.kind === Kind.REJECT, "reject");
    expect(RawPeer.reason(reject).code).toBe(WireCode.GOING_AWAY);
    expect(registry.live.size).toBe(0);
  });
});

describe("close", () => {
  test("an open connection that closes is forgotten, counted, and reported to onDisconnect", async () => {
    const { registry, events, errors, accept } = setup();
    const peer = accept();
    await peer.handshake(testContract);
    const conn = only(registry.open.values());
    const closed = conn.close();
    await until(() => peer.ended, "FIN");
    peer.end();
    expect(await closed).toMatchObject({ code: WireCode.NORMAL, graceful: true });
    expect(registry.live.size).toBe(0);
    expect(registry.open.size).toBe(0);
    expect(events).toEqual([`open ${conn.id}`, `close ${conn.id} NORMAL`]);
    expect(errors).toEqual([]);
    expect(registry.stats("listening")).toMatchObject({
      connections: 0,
      closesByReason: { NORMAL: 1 },
    });
    await within(registry.drained(), "drained");
  });

  test("a refused handshake is counted as rejected, reported, and never reaches onDisconnect", async () => {
    const { registry, events, errors, accept } = setup();
    const peer = accept();
    peer.hello(testContract, { codec: "other" });
    await peer.waitFor((e) => e.kind === Kind.REJECT, "reject");
    peer.end();
    await until(() => registry.live.size === 0, "session gone");
    expect(events).toEqual([]);
    expect(errors).toEqual([ErrorCode.UNSUPPORTED_CODEC]);
    expect(registry.stats("listening")).toMatchObject({
      rejected: 1,
      closesByReason: { UNSUPPORTED_CODEC: 1 },
    });
  });

  test("a socket that leaves before its hello is counted but not reported", async () => {
    const { registry, errors, accept } = setup();
    accept().end();
    await until(() => registry.live.size === 0, "session gone");
    expect(errors).toEqual([]);
    expect(registry.stats("listening").closesByReason).toEqual({ NORMAL: 1 });
  });

  test("shutdownAll refuses handshakes and sends open connections a goaway; drained waits for both", async () => {
    const { registry, accept } = setup();
    const open = accept();
    await open.handshake(testContract);
    const handshaking = accept();
    await until(() => registry.live.size === 2, "second session");
    const drained = registry.drained();
    registry.shutdownAll(WireCode.GOING_AWAY, "shutting down", 1000);
    const goaway = await open.waitFor((e) => e.kind === Kind.GOAWAY, "goaway");
    expect(RawPeer.reason(goaway).code).toBe(WireCode.GOING_AWAY);
    const reject = await handshaking.waitFor((e) => e.kind === Kind.REJECT, "reject");
    expect(RawPeer.reason(reject).code).toBe(WireCode.GOING_AWAY);
    open.end();
    handshaking.end();
    await within(drained, "drained");
    expect(registry.stats("closing").closesByReason).toEqual({ GOING_AWAY: 2 });
  });

  test("destroyAll ends every session and refused socket at once", async () => {
    const { registry, accept } = setup({ maxConnections: 1 });
    const open = accept();
    await open.handshake(testContract);
    const refused = accept();
    await refused.waitFor((e) => e.kind === Kind.REJECT, "reject");
    registry.destroyAll(new SockwireError(ErrorCode.SERVER_CLOSED, "forced"));
    await Promise.all([open.waitClosed(), refused.waitClosed()]);
    await within(registry.drained(), "drained");
    expect(registry.live.size).toBe(0);
  });
});

describe("rooms and the adapter", () => {
  test("membership changes reach the rooms and the adapter; a closing connection leaves its rooms", async () => {
    const adapter = new MemoryAdapter("node-a");
    const { registry, accept } = setup({ adapter });
    const peer = accept();
    await peer.handshake(testContract);
    const conn = only(registry.open.values()) as ServerConnection<TestContract, undefined>;
    expect(conn.id).toMatch(/^node-a\./);
    conn.join("lobby");
    conn.join("lobby");
    conn.join("news");
    conn.leave("news");
    expect([...registry.rooms.members("lobby")]).toEqual([conn]);
    peer.destroy();
    await until(() => registry.live.size === 0, "closed");
    expect(registry.rooms.size).toBe(0);
    expect(adapter.calls).toEqual([
      `open ${conn.id}`,
      `join ${conn.id} lobby`,
      `join ${conn.id} news`,
      `leave ${conn.id} news`,
      `leave ${conn.id} lobby`,
      `closed ${conn.id}`,
    ]);
  });

  test("an adapter that throws is reported as ERR_ADAPTER, never raised", async () => {
    const adapter = new MemoryAdapter("node-a");
    adapter.failing.add("connectionOpened");
    const { registry, errors, events, accept } = setup({ adapter });
    await accept().handshake(testContract);
    expect(errors).toEqual([ErrorCode.ADAPTER]);
    expect(events).toHaveLength(1);
    expect(registry.stats("listening").errorsByCode).toEqual({ ERR_ADAPTER: 1 });
  });
});

describe("errors and TLS bookkeeping", () => {
  test("reportError counts by code; a listener that throws is counted as a handler failure", () => {
    const { registry, errors } = setup();
    registry.onError.add(() => {
      throw new Error("listener bug");
    });
    registry.reportError(new SockwireError(ErrorCode.SOCKET_ERROR, "x"));
    expect(errors).toEqual([ErrorCode.SOCKET_ERROR]);
    expect(registry.stats("listening").errorsByCode).toEqual({
      ERR_SOCKET: 1,
      ERR_HANDLER_FAILED: 1,
    });
  });

  test("a TLS handshake counts as handshaking until it is secured or fails", async () => {
    const { registry, errors } = setup();
    registry.tlsStarted();
    registry.tlsStarted();
    expect(registry.stats("listening")).toMatchObject({ accepted: 2, handshaking: 2 });
    registry.tlsFailed({ code: WireCode.NORMAL, error: undefined });
    registry.tlsFailed({
      code: WireCode.SOCKET_ERROR,
      error: new SockwireError(ErrorCode.SOCKET_ERROR, "bad certificate"),
    });
    expect(registry.stats("listening")).toMatchObject({
      handshaking: 0,
      closesByReason: { NORMAL: 1, SOCKET_ERROR: 1 },
    });
    expect(errors).toEqual([ErrorCode.SOCKET_ERROR]);
    await within(registry.drained(), "drained");
  });
});
