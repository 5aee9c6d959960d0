import {
  ALL_ERROR_CODES,
  decodeControl,
  encodeControl,
  encodeEnvelope,
  helloSchema,
  isRegistryWireCode,
  isSockwireError,
  Kind,
  WireCode,
} from "@sockwire/protocol";
import { createServer, type SockwireServer } from "@sockwire/server";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mutate, mutation, rawFrame, splitAt } from "../../src/fuzz/arbitraries.js";
import { type FuzzContract, fuzzContract } from "../../src/fuzz/fuzz-contract.js";
import { prototypeSnapshot } from "../../src/fuzz/prototypes.js";
import { fuzzParameters, fuzzTimeout } from "../../src/fuzz/runs.js";
import { memoryAfterGc } from "../../src/resources.js";
import { until } from "../../src/wait.js";
import { helloFor, RawPeer } from "../support/raw-peer.js";

// The handshake and everything around it, fuzzed against a real server over loopback: mutated
// hellos checked against the documented order of refusals, and random frames before and after
// the handshake in random chunkings. The server must answer with coded frames only, close what it
// refuses, keep no state for closed sockets, and never throw.

const LIMIT = 64 * 1024;
const MAX_RETAINED = 64;
let server: SockwireServer<FuzzContract, { token: string }>;
let port = 0;
const reported: unknown[] = [];
let maxRetained = 0;
const prototypes = prototypeSnapshot();
const arrayBuffersBefore = { value: 0 };

beforeAll(async () => {
  server = createServer(fuzzContract, {
    authenticate: ({ token }) => ({ token }),
    handshakeTimeoutMs: 150,
    frameTimeoutMs: 150,
    closeTimeoutMs: 1000,
    maxFrameBytes: LIMIT,
    maxRetainedChunks: MAX_RETAINED,
  });
  server.onError((error) => reported.push(error));
  server.handle("echo", (input) => input);
  server.handle("sum", (input) => input.reduce((a, b) => a + b, 0));
  server.handle("maybe", () => ({ ok: true }));
  port = (await server.listen({ port: 0 })).port;
  arrayBuffersBefore.value = memoryAfterGc().arrayBuffers;
});

afterAll(async () => {
  // Nothing is left behind: every socket closed, no partial frame, queue or request held.
  await until(
    () => {
      const s = server.stats();
      return s.connections + s.handshaking + s.closing === 0;
    },
    "every fuzzed socket closed",
    10_000,
  );
  const stats = server.stats();
  expect(stats).toMatchObject({ retainedChunks: 0, queuedBytes: 0, inFlightRequests: 0 });
  for (const code of Object.keys(stats.closesByReason)) expect(isRegistryWireCode(code)).toBe(true);
  for (const error of reported) {
    expect(isSockwireError(error)).toBe(true);
    expect(ALL_ERROR_CODES).toContain((error as { code: string }).code);
  }
  expect(maxRetained).toBeLessThanOrEqual(MAX_RETAINED);
  const grown = memoryAfterGc().arrayBuffers - arrayBuffersBefore.value;
  console.info(
    `handshake fuzz: ${stats.accepted} sockets, closes ${JSON.stringify(stats.closesByReason)}; arrayBuffers +${(grown / 1048576).toFixed(2)} MiB`,
  );
  expect(grown).toBeLessThan(4 * 1048576);
  expect(prototypeSnapshot()).toBe(prototypes);
  await server.close({ timeoutMs: 500 });
});

/** Writes `chunks` one per event-loop turn, sampling the server's retained chunks as it goes. */
async function trickle(peer: RawPeer, chunks: Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    peer.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
    maxRetained = Math.max(maxRetained, server.stats().retainedChunks);
  }
}

/** Every reason the server sent (reject, goaway, error) carries a registry wire code. */
function expectCodedReasons(peer: RawPeer): void {
  expect(peer.decodeError).toBeUndefined();
  for (const frame of peer.frames) {
    if (frame.kind === Kind.REJECT || frame.kind === Kind.GOAWAY || frame.kind === Kind.ERROR) {
      const code = (RawPeer.json(frame) as { code: string }).code;
      expect(isRegistryWireCode(code), code).toBe(true);
    }
  }
}

const DROP = Symbol("drop");
/** A hello field: usually valid, sometimes dropped, sometimes replaced by something else. */
function field<T>(valid: T, wrong: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant(valid) },
    { weight: 1, arbitrary: fc.constant(DROP) },
    { weight: 2, arbitrary: wrong },
  );
}

const valid = helloFor(fuzzContract, { credentials: { token: "t" } });
const helloObject = fc
  .record({
    protocol: field(
      valid.protocol,
      fc.oneof(
        fc.record({
          major: fc.integer({ min: -1, max: 300 }),
          minor: fc.integer({ min: -1, max: 300 }),
        }),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    ),
    contract: field(
      valid.contract,
      fc.oneof(
        fc.record({
          name: fc.oneof(fc.constant(fuzzContract.name), fc.string()),
          fingerprint: fc.oneof(
            fc.constant(fuzzContract.fingerprint),
            fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), maxLength: 40 }),
          ),
        }),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    ),
    codec: field(
      "json",
      fc.oneof(fc.constantFrom("msgpack", "JSON", ""), fc.string(), fc.jsonValue({ maxDepth: 1 })),
    ),
    maxFrameBytes: field(
      valid.maxFrameBytes,
      fc.oneof(fc.integer(), fc.double(), fc.jsonValue({ maxDepth: 1 })),
    ),
    heartbeat: field(
      valid.heartbeat,
      fc.oneof(
        fc.record({
          intervalMs: fc.integer({ min: -10, max: 4_000_000 }),
          timeoutMs: fc.integer({ min: -10, max: 4_000_000 }),
        }),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    ),
    credentials: field(
      valid.credentials,
      fc.oneof(fc.record({ token: fc.string({ maxLength: 80 }) }), fc.jsonValue({ maxDepth: 3 })),
    ),
    agent: field(DROP, fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 1 }))),
    extra: field(DROP, fc.jsonValue({ maxDepth: 2 })),
  })
  .map((fields) => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== DROP)));

/** Hello payload bytes: a (mostly valid) object as JSON, poisoned JSON, or damaged bytes. */
const helloPayload = fc.oneof(
  { weight: 6, arbitrary: helloObject.map((o) => Buffer.from(JSON.stringify(o))) },
  {
    weight: 1,
    arbitrary: helloObject.map((o) =>
      Buffer.from(`{"__proto__":{"admin":true},${JSON.stringify(o).slice(1)}`),
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(helloObject, mutation)
      .map(([o, m]) => mutate(Buffer.from(JSON.stringify(o)), m)),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
);

/** What the server must answer to a hello payload, in the order PROTOCOL.md §8.1 fixes. */
function expectedAnswer(payload: Buffer): string {
  let hello: ReturnType<typeof helloSchema.parse>;
  try {
    hello = decodeControl(helloSchema, payload, "hello");
  } catch {
    return WireCode.PROTOCOL_ERROR;
  }
  if (hello.protocol.major !== valid.protocol.major) return WireCode.UNSUPPORTED_VERSION;
  if (
    hello.contract.name !== fuzzContract.name ||
    hello.contract.fingerprint !== fuzzContract.fingerprint
  )
    return WireCode.CONTRACT_MISMATCH;
  if (hello.codec !== "json") return WireCode.UNSUPPORTED_CODEC;
  if (!fuzzContract.schema.credentials?.safeParse(hello.credentials).success)
    return WireCode.UNAUTHORIZED;
  return "welcome";
}

describe("handshake fuzzing against a real server", () => {
  test(
    "mutated hellos in random chunkings: a welcome exactly when the hello is valid, otherwise a reject with the first failing check's code, then a FIN",
    async () => {
      const answers: Record<string, number> = {};
      await fc.assert(
        fc.asyncProperty(
          helloPayload,
          fc.array(fc.nat(), { maxLength: 6 }),
          async (payload, cuts) => {
            const expected = expectedAnswer(payload);
            answers[expected] = (answers[expected] ?? 0) + 1;
            const peer = await RawPeer.connect(port);
            await trickle(peer, splitAt(encodeEnvelope({ kind: Kind.HELLO }, payload), cuts));
            const first = await peer.waitFor(() => true, 3000);
            expectCodedReasons(peer);
            if (expected === "welcome") {
              expect(first.kind).toBe(Kind.WELCOME);
              peer.socket.end();
            } else {
              expect(first.kind).toBe(Kind.REJECT);
              expect((RawPeer.json(first) as { code: string }).code).toBe(expected);
              await until(() => peer.ended, "FIN after the reject", 3000);
              peer.socket.end(); // the server reads until our FIN (lingering close), then closes
            }
            await until(() => peer.closed, "socket closed", 3000);
            expect(peer.errors).toEqual([]); // closed with FINs, never reset
          },
        ),
        fuzzParameters(300),
      );
      console.info(`hello fuzz answers: ${JSON.stringify(answers)}`);
      expect(answers.welcome ?? 0).toBeGreaterThan(0);
    },
    fuzzTimeout(30_000),
  );

  test(
    "random frames before and after the handshake, damaged and chunked: coded answers only, and every socket closes",
    async () => {
      const names = [...fuzzContract.client.events.keys(), ...fuzzContract.client.requests.keys()];
      const hello = encodeEnvelope({ kind: Kind.HELLO }, encodeControl(valid));
      await fc.assert(
        fc.asyncProperty(
          fc.boolean(),
          fc.array(rawFrame(names), { maxLength: 8 }),
          mutation,
          fc.array(fc.nat(), { maxLength: 10 }),
          fc.boolean(),
          async (handshake, frames, damage, cuts, endEarly) => {
            const peer = await RawPeer.connect(port);
            const stream = mutate(Buffer.concat(frames), damage);
            await trickle(peer, splitAt(handshake ? Buffer.concat([hello, stream]) : stream, cuts));
            if (endEarly) peer.socket.end();
            // Bounded: the handshake timeout (150 ms), the frame deadline (150 ms) or our FIN
            // ends every connection. Without a handshake, give the timeout its chance to fire.
            const quietMs = handshake ? 30 : 250;
            await until(() => peer.closed || peer.ended, "the server ends it", quietMs).catch(
              () => {},
            );
            peer.socket.end();
            await until(() => peer.closed, "socket closed", 5000);
            expectCodedReasons(peer);
          },
        ),
        fuzzParameters(150),
      );
    },
    fuzzTimeout(60_000),
  );
});
