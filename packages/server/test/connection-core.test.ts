import {
  type Envelope,
  ErrorCode,
  encodeControl,
  encodeEnvelope,
  Kind,
  WireCode,
} from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { testContract } from "./helpers/contract.js";
import { connect, FakeHost, rejectOf } from "./helpers/core-host.js";
import { RawPeer } from "./helpers/raw-peer.js";
import { until } from "./helpers/wait.js";

// The server side of one connection (hello, shutdown, rooms), over an in-memory socket pair
// against a recording host. Authentication and the handshake timers: connection-core-auth.test.ts.

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
