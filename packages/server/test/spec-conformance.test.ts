import {
  defineContract,
  ErrorCode,
  encodeControl,
  encodeEnvelope,
  Flag,
  FRAME_PREFIX_BYTES,
  Kind,
  WireCode,
} from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { RawPeer } from "./helpers/raw-peer.js";
import { sleep, until } from "./helpers/wait.js";

// Raw-frame checks of the points where the wire spec once said two things, or nothing: each
// pins the behaviour PROTOCOL.md now states.

/** A request frame with the DEADLINE flag and the given deadline field, 0 included. */
function requestWithDeadline(id: number, type: string, deadline: number, payload: string): Buffer {
  const body = Buffer.from(payload);
  const frame = Buffer.alloc(FRAME_PREFIX_BYTES + 7 + type.length + 4 + body.length);
  frame.writeUInt32BE(frame.length - FRAME_PREFIX_BYTES, 0);
  frame[4] = Kind.REQUEST;
  frame[5] = Flag.DEADLINE;
  frame.writeUInt32BE(id, 6);
  frame[10] = type.length;
  frame.write(type, 11, "latin1");
  frame.writeUInt32BE(deadline, 11 + type.length);
  body.copy(frame, 15 + type.length);
  return frame;
}

describe("section 3: deadline 0", () => {
  test("a request whose deadline field is 0 has expired: the handler does not run, nothing is answered", async () => {
    let runs = 0;
    const run = await startServer(testContract, {}, (s) =>
      s.handle("echo", (input) => {
        runs++;
        return input;
      }),
    );
    const peer = await run.rawOpen();
    peer.write(requestWithDeadline(1, "echo", 0, '{"text":"late"}'));
    peer.write(requestWithDeadline(2, "echo", 5000, '{"text":"on time"}'));
    const answer = await peer.waitFor((e) => e.kind === Kind.RESPONSE);
    expect(answer.id).toBe(2);
    await sleep(50);
    expect(runs).toBe(1);
    expect(peer.frames.filter((e) => e.id === 1)).toEqual([]);
  });
});

describe("section 8.1: what comes before the hello", () => {
  test("a first frame that is not a hello is answered with reject PROTOCOL_ERROR", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    peer.event("say", { text: "too early" });
    const reject = await peer.waitFor((e) => e.kind === Kind.REJECT);
    expect(RawPeer.reason(reject).code).toBe(WireCode.PROTOCOL_ERROR);
    expect(peer.connectionError()).toBeUndefined();
    await peer.waitClosed();
  });

  test("a framing error before the hello is answered with error id 0, then FIN", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    peer.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await peer.waitClosed();
    expect(peer.connectionError()?.code).toBe(WireCode.FRAME_TOO_LARGE);
    expect(peer.ended).toBe(true);
  });

  test("a codec name outside the pattern is a malformed hello: PROTOCOL_ERROR", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    peer.hello(testContract, { codec: "JSON" });
    const reject = await peer.waitFor((e) => e.kind === Kind.REJECT);
    expect(RawPeer.reason(reject).code).toBe(WireCode.PROTOCOL_ERROR);
  });

  test("credentials sent to a contract without a credentials schema are ignored", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    await peer.handshake(testContract, { credentials: { token: "unused" } });
    expect(run.opened).toHaveLength(1);
  });
});

describe("section 8.2: every ping is answered", () => {
  test("pings in one read that pass the strike limit: the allowed ones get pongs, then error TOO_MANY_PINGS", async () => {
    const run = await startServer(testContract, { heartbeatIntervalMs: 1000 });
    const peer = await run.rawOpen();
    const pings = Array.from({ length: 10 }, (_, i) =>
      encodeEnvelope({ kind: Kind.PING, id: i + 1 }, undefined),
    );
    peer.write(Buffer.concat(pings));
    await peer.waitClosed();
    // The first ping is well spaced, the next two are strikes, the fourth passes the limit of 2.
    expect(peer.ofKind(Kind.PONG).map((e) => e.id)).toEqual([1, 2, 3]);
    expect(peer.connectionError()?.code).toBe(WireCode.TOO_MANY_PINGS);
    await until(() => run.disconnects.length === 1, "close");
    expect(run.disconnects[0]?.info.code).toBe(WireCode.TOO_MANY_PINGS);
  });
});

describe("section 8.3: cancel and issue paths", () => {
  test("a cancel for an id not in flight is ignored; the connection stays up", async () => {
    const run = await startServer(testContract, {}, (s) => s.handle("echo", (i) => i));
    const peer = await run.rawOpen();
    peer.send({ kind: Kind.CANCEL, id: 42 });
    peer.request(1, "echo", { text: "still here" });
    const answer = await peer.waitFor((e) => e.kind === Kind.RESPONSE);
    expect(RawPeer.json(answer)).toEqual({ text: "still here" });
    expect(run.errors).toEqual([]);
  });

  test("issue paths: keys joined with dots, array indices in brackets", async () => {
    const nested = defineContract({
      name: "paths",
      client: {
        requests: {
          put: {
            input: z.object({ user: z.object({ tags: z.array(z.object({ name: z.string() })) }) }),
            output: z.object({}),
          },
        },
      },
    });
    const run = await startServer(nested, {}, (s) => s.handle("put", () => ({})));
    const peer = await run.rawOpen();
    peer.request(1, "put", { user: { tags: [{ name: "a" }, { name: 5 }] } });
    const error = RawPeer.reason(await peer.waitFor((e) => e.kind === Kind.ERROR));
    expect(error.code).toBe(WireCode.VALIDATION_ERROR);
    expect(error.details).toMatchObject({ issues: [{ path: "user.tags[1].name" }] });
  });
});

describe("section 8.4: a FIN inside a frame", () => {
  test("is a protocol error: the peer is told with error id 0 before our FIN", async () => {
    const run = await startServer(testContract);
    const peer = await run.rawOpen();
    const frame = encodeEnvelope({ kind: Kind.EVENT, type: "say" }, '{"text":"cut"}');
    peer.write(frame.subarray(0, frame.length - 3));
    peer.end();
    await peer.waitClosed();
    expect(peer.connectionError()?.code).toBe(WireCode.PROTOCOL_ERROR);
    await until(() => run.disconnects.length === 1, "close");
    expect(run.disconnects[0]?.info).toMatchObject({
      code: WireCode.PROTOCOL_ERROR,
      initiator: "remote",
      error: { code: ErrorCode.FRAME_TRUNCATED },
    });
  });

  test("ends the hello the same way before the handshake", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    const hello = encodeEnvelope({ kind: Kind.HELLO }, encodeControl({ protocol: 1 }));
    peer.write(hello.subarray(0, 9));
    peer.end();
    await peer.waitClosed();
    expect(peer.connectionError()?.code).toBe(WireCode.PROTOCOL_ERROR);
  });
});
