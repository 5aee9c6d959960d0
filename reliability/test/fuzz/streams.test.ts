import {
  decodeControl,
  decodeEvent,
  decodeRequest,
  decodeResponse,
  type Envelope,
  ErrorCode,
  encodeControl,
  encodeEnvelope,
  encodeEvent,
  encodeRequest,
  FRAME_PREFIX_BYTES,
  FrameDecoder,
  helloSchema,
  isSockwireError,
  Kind,
  parseEnvelope,
  reasonSchema,
  welcomeSchema,
} from "@sockwire/protocol";
import { createServer } from "@sockwire/server";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { mutate, mutation, rawFrame, splitAt } from "../../src/fuzz/arbitraries.js";
import { fuzzContract } from "../../src/fuzz/fuzz-contract.js";
import { fuzzParameters, fuzzTimeout } from "../../src/fuzz/runs.js";
import { until } from "../../src/wait.js";
import { helloFor, RawPeer } from "../support/raw-peer.js";

/** The frames a real conversation is made of, each a complete, valid frame. */
const realFrames: fc.Arbitrary<Buffer>[] = [
  fc.constant(
    encodeEnvelope(
      { kind: Kind.HELLO },
      encodeControl(helloFor(fuzzContract, { credentials: { token: "t" } })),
    ),
  ),
  fc.constant(
    encodeEnvelope(
      { kind: Kind.GOAWAY },
      encodeControl({ code: "GOING_AWAY", reconnectAfterMs: 100 }),
    ),
  ),
  fc.constant(
    encodeEnvelope(
      { kind: Kind.ERROR, id: 3 },
      encodeControl({ code: "VALIDATION_ERROR", details: { issues: [] } }),
    ),
  ),
  fc
    .record({ id: fc.nat(), text: fc.string({ maxLength: 40 }) })
    .map(({ id, text }) => encodeEvent(fuzzContract, "client", "note", { id, text })),
  fc
    .tuple(fc.integer({ min: 1, max: 100 }), fc.string({ maxLength: 40 }))
    .map(([id, text]) =>
      encodeRequest(fuzzContract, "client", id, "echo", { text }, { deadlineMs: 500 }),
    ),
  fc
    .tuple(fc.integer({ min: 1, max: 100 }), fc.jsonValue({ maxDepth: 3 }))
    .map(([id, v]) => encodeEnvelope({ kind: Kind.RESPONSE, id }, JSON.stringify(v) ?? "")),
  fc
    .integer({ min: 0, max: 100 })
    .map((id) => encodeEnvelope({ kind: Kind.CANCEL, id }, undefined)),
  fc.constant(encodeEnvelope({ kind: Kind.PING }, undefined)),
  fc.constant(encodeEnvelope({ kind: Kind.PONG, id: 9 }, undefined)),
  fc.constant(encodeEnvelope({ kind: 0x41 as Kind, type: "ext" }, "{}")),
];

/**
 * What a receiver does with one frame body: parse the envelope, then decode and validate the
 * payload for its kind. Returns normally or throws; the property says what it may throw.
 */
function receive(body: Buffer): void {
  const envelope: Envelope | undefined = parseEnvelope(body);
  if (!envelope) return; // an ignorable extension kind
  switch (envelope.kind) {
    case Kind.HELLO:
      decodeControl(helloSchema, envelope.payload, "hello");
      return;
    case Kind.WELCOME:
      decodeControl(welcomeSchema, envelope.payload, "welcome");
      return;
    case Kind.REJECT:
    case Kind.GOAWAY:
    case Kind.ERROR:
      decodeControl(reasonSchema, envelope.payload, "reason");
      return;
    case Kind.EVENT:
      decodeEvent(fuzzContract, "client", envelope);
      return;
    case Kind.REQUEST:
      decodeRequest(fuzzContract, "client", envelope);
      return;
    case Kind.RESPONSE:
      decodeResponse(fuzzContract, "client", "echo", envelope);
      return;
    default:
  }
}

/** Codes a receiver may raise for a bad frame or payload; anything else is a bug. */
const RECEIVE_CODES: string[] = [
  ErrorCode.FRAME_MALFORMED,
  ErrorCode.UNKNOWN_KIND,
  ErrorCode.UNKNOWN_FLAGS,
  ErrorCode.PAYLOAD_INVALID,
  ErrorCode.PAYLOAD_TOO_DEEP,
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.UNKNOWN_MESSAGE_TYPE,
];

describe("stream fuzzing: decoder, envelope parser and payload decoding together", () => {
  test(
    "real and random frames, damaged and split anywhere: frames then at most one terminal error, coded errors only, buffering bounded",
    () => {
      const names = [...fuzzContract.client.events.keys(), ...fuzzContract.client.requests.keys()];
      const anyFrame = fc.oneof({ weight: 3, arbitrary: fc.oneof(...realFrames) }, rawFrame(names));
      fc.assert(
        fc.property(
          fc.array(anyFrame, { maxLength: 12 }),
          mutation,
          fc.array(fc.nat(), { maxLength: 20 }),
          fc.integer({ min: 0, max: 4096 }),
          (frames, damage, cuts, maxFrameBytes) => {
            const decoder = new FrameDecoder({ maxFrameBytes, maxRetainedChunks: 4 });
            const stream = mutate(Buffer.concat(frames), damage);
            let terminal: string | undefined;
            for (const chunk of splitAt(stream, cuts)) {
              decoder.push(chunk); // never throws
              for (let body = decoder.next(); body; body = decoder.next()) {
                expect(terminal).toBeUndefined(); // nothing after a terminal error
                expect(body.length).toBeLessThanOrEqual(maxFrameBytes);
                try {
                  receive(body);
                } catch (error) {
                  expect(isSockwireError(error), String(error)).toBe(true);
                  expect(RECEIVE_CODES).toContain((error as { code: string }).code);
                }
              }
              expect(decoder.bufferedBytes).toBeLessThanOrEqual(maxFrameBytes + FRAME_PREFIX_BYTES);
              expect(decoder.retainedChunks).toBeLessThanOrEqual(4);
              if (decoder.error) terminal ??= decoder.error.code;
            }
            const atEnd = decoder.end()?.code;
            if (atEnd)
              expect([ErrorCode.FRAME_TOO_LARGE, ErrorCode.FRAME_TRUNCATED]).toContain(atEnd);
          },
        ),
        fuzzParameters(3000),
      );
    },
    fuzzTimeout(10_000),
  );

  test(
    "valid requests split at arbitrary points, zero-byte writes included, through a real server: exactly the answers, in order (case 1 end to end)",
    async () => {
      const server = createServer(fuzzContract, { authenticate: ({ token }) => ({ token }) });
      server.handle("echo", (input) => input);
      const { port } = await server.listen({ port: 0 });
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.string({ maxLength: 300 }), { minLength: 1, maxLength: 20 }),
            fc.array(fc.nat(), { maxLength: 30 }),
            async (texts, cuts) => {
              const peer = await RawPeer.open(port, fuzzContract, { credentials: { token: "t" } });
              const stream = Buffer.concat(
                texts.map((text, i) =>
                  encodeRequest(fuzzContract, "client", i + 1, "echo", { text }),
                ),
              );
              for (const chunk of splitAt(stream, cuts)) {
                peer.write(chunk);
                await new Promise((resolve) => setImmediate(resolve));
              }
              await until(() => peer.frames.length >= 1 + texts.length, "every answer", 5000, 1);
              const answers = peer.frames.slice(1);
              expect(answers.map((e) => [e.kind, e.id])).toEqual(
                texts.map((_, i) => [Kind.RESPONSE, i + 1]),
              );
              expect(answers.map((e) => (RawPeer.json(e) as { text: string }).text)).toEqual(texts);
              peer.socket.end();
              await until(() => peer.closed, "closed", 5000, 1);
            },
          ),
          fuzzParameters(150),
        );
      } finally {
        await server.close({ timeoutMs: 500 });
      }
    },
    fuzzTimeout(20_000),
  );
});
