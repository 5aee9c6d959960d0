import {
  decodeEvent,
  decodeRequest,
  decodeResponse,
  ErrorCode,
  encodeEnvelope,
  encodeEvent,
  encodeRequest,
  isSockwireError,
  Kind,
  parseEnvelope,
  WireCode,
} from "@sockwire/protocol";
import { createServer } from "@sockwire/server";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import { payloadBytes } from "../../src/fuzz/arbitraries.js";
import { fuzzContract, type Tree, treeSize } from "../../src/fuzz/fuzz-contract.js";
import { prototypeSnapshot } from "../../src/fuzz/prototypes.js";
import { fuzzParameters, fuzzTimeout } from "../../src/fuzz/runs.js";
import { RawPeer } from "../support/raw-peer.js";

// Contract validation under fuzzing: random JSON and random JavaScript values against every
// message of a contract with the schema shapes applications use. Only coded errors come out,
// their details stay small, and nothing pollutes a prototype.

const before = prototypeSnapshot();
afterAll(() => expect(prototypeSnapshot()).toBe(before));

const DECODE_CODES = [
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.PAYLOAD_INVALID,
  ErrorCode.PAYLOAD_TOO_DEEP,
];
const ENCODE_CODES = [ErrorCode.VALIDATION_FAILED, ErrorCode.PAYLOAD_INVALID];

/** Random JavaScript values for the encoders: anything, including what JSON cannot carry. */
const jsValue = fc.oneof(
  fc.anything({ withBigInt: true, withNullPrototype: true, withSparseArray: true, maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({
    id: fc.integer(),
    text: fc.string(),
    tags: fc.option(fc.array(fc.string()), { nil: undefined }),
  }),
  fc.record({ kind: fc.constantFrom("a", "b", "c"), a: fc.double(), b: fc.option(fc.string()) }),
);

function expectCoded(error: unknown, codes: string[]): void {
  expect(isSockwireError(error), String(error)).toBe(true);
  const e = error as { code: string; message: string; details?: unknown };
  expect(codes).toContain(e.code);
  // Bounded: a huge bad input never becomes a huge error.
  expect(e.message.length).toBeLessThanOrEqual(2048);
  expect(JSON.stringify(e.details ?? null).length).toBeLessThanOrEqual(2048);
}

function expectPlain(value: unknown): void {
  const stack = [value];
  for (let v = stack.pop(); stack.length > 0 || v !== undefined; v = stack.pop()) {
    if (typeof v !== "object" || v === null) continue;
    const proto = Object.getPrototypeOf(v);
    expect(proto === Object.prototype || proto === Array.prototype).toBe(true);
    expect(Object.hasOwn(v, "__proto__")).toBe(false);
    stack.push(...Object.values(v));
  }
}

/** A frame as the receiver sees it: the envelope of its body (after the length prefix). */
function envelopeOf(header: Parameters<typeof encodeEnvelope>[0], payload: Buffer) {
  return parseEnvelope(encodeEnvelope(header, payload).subarray(4)) as never;
}

const clientEvents = [...fuzzContract.client.events.keys()];
const clientRequests = [...fuzzContract.client.requests.keys()];

describe("contract validation fuzzing (pure)", () => {
  test(
    "decoding random payloads for every event, request and response: a valid value or a coded, bounded error",
    () => {
      fc.assert(
        fc.property(
          fc.constantFrom(
            ...clientEvents.map((n) => ["event", n]),
            ...clientRequests.map((n) => ["request", n]),
            ...clientRequests.map((n) => ["response", n]),
          ),
          payloadBytes,
          ([what, name], payload) => {
            try {
              if (what === "event") {
                const env = envelopeOf({ kind: Kind.EVENT, type: name }, payload);
                const { data } = decodeEvent(fuzzContract, "client", env);
                const schema = fuzzContract.client.events.get(name as string);
                expect(schema?.safeParse(data).success).toBe(true);
                expectPlain(data);
              } else if (what === "request") {
                const env = envelopeOf({ kind: Kind.REQUEST, id: 1, type: name }, payload);
                expectPlain(decodeRequest(fuzzContract, "client", env).params);
              } else {
                const env = envelopeOf({ kind: Kind.RESPONSE, id: 1 }, payload);
                expectPlain(decodeResponse(fuzzContract, "client", name as never, env));
              }
            } catch (error) {
              expectCoded(error, DECODE_CODES);
            }
          },
        ),
        fuzzParameters(3000),
      );
    },
    fuzzTimeout(10_000),
  );

  test(
    "encoding random values: refused with a coded error, or encoded into a frame the receiver accepts",
    () => {
      fc.assert(
        fc.property(
          fc.constantFrom(
            ...clientEvents.map((n) => ["event", n]),
            ...clientRequests.map((n) => ["request", n]),
          ),
          jsValue,
          ([what, name], value) => {
            let frame: Buffer;
            try {
              frame =
                what === "event"
                  ? encodeEvent(fuzzContract, "client", name as never, value as never)
                  : encodeRequest(fuzzContract, "client", 1, name as never, value as never);
            } catch (error) {
              expectCoded(error, ENCODE_CODES);
              return;
            }
            // What a sender validated and encoded, the receiver decodes and validates too.
            const env = parseEnvelope(frame.subarray(4));
            if (what === "event") decodeEvent(fuzzContract, "client", env as never);
            else decodeRequest(fuzzContract, "client", env as never);
          },
        ),
        fuzzParameters(3000),
      );
    },
    fuzzTimeout(10_000),
  );
});

describe("contract validation fuzzing (through a real server)", () => {
  test(
    "random JSON requests and events: answered with a valid response or a coded error; handlers only ever see schema-valid, plain data; the connection stays open",
    async () => {
      const violations: string[] = [];
      const errors: string[] = [];
      const check = (name: string, input: unknown) => {
        const schema =
          fuzzContract.client.requests.get(name)?.input ?? fuzzContract.client.events.get(name);
        if (!schema?.safeParse(input).success) violations.push(`${name} got invalid input`);
        try {
          expectPlain(input);
        } catch {
          violations.push(`${name} got a non-plain object`);
        }
      };
      const server = createServer(fuzzContract, { authenticate: ({ token }) => ({ token }) });
      server.onError((e) => errors.push(e.code));
      /** Checks what a handler is given, then answers with `answer`. */
      const checked =
        <I, O>(name: string, answer: (input: I) => O) =>
        (input: I): O => {
          check(name, input);
          return answer(input);
        };
      server.handle(
        "echo",
        checked("echo", (input) => input),
      );
      server.handle(
        "sum",
        checked("sum", (input: number[]) => input.reduce((a, b) => a + b, 0)),
      );
      server.handle(
        "tree",
        checked("tree", (input: Tree) => treeSize(input)),
      );
      server.handle(
        "maybe",
        checked("maybe", (input: { v?: unknown }) => ({ ok: input.v !== undefined })),
      );
      server.handle(
        "nested",
        checked("nested", (input: object) => ({ keys: Object.keys(input) })),
      );
      for (const name of clientEvents)
        server.on(name as never, (data: unknown) => check(name, data));
      const { port } = await server.listen({ port: 0 });
      try {
        const peer = await RawPeer.open(port, fuzzContract, { credentials: { token: "t" } });
        let id = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...clientRequests, ...clientEvents),
            payloadBytes,
            async (name, payload) => {
              if (clientEvents.includes(name)) {
                peer.write(encodeEnvelope({ kind: Kind.EVENT, type: name }, payload));
                return;
              }
              const requestId = ++id;
              peer.write(
                encodeEnvelope({ kind: Kind.REQUEST, id: requestId, type: name }, payload),
              );
              const answer = await peer.waitFor(
                (e) => e.id === requestId && (e.kind === Kind.RESPONSE || e.kind === Kind.ERROR),
              );
              if (answer.kind === Kind.ERROR) {
                expect([WireCode.VALIDATION_ERROR, WireCode.INVALID_PAYLOAD]).toContain(
                  (RawPeer.json(answer) as { code: string }).code,
                );
                expect(answer.payload.length).toBeLessThanOrEqual(2048);
              } else {
                const output = fuzzContract.client.requests.get(name)?.output;
                expect(output?.safeParse(RawPeer.json(answer)).success).toBe(true);
              }
            },
          ),
          fuzzParameters(400),
        );
        // A last request proves every event before it was handled and the connection is still up.
        peer.write(encodeRequest(fuzzContract, "client", ++id, "echo", { text: "still here" }));
        const last = await peer.waitFor((e) => e.id === id);
        expect(RawPeer.json(last)).toEqual({ text: "still here" });
        expect(peer.ended).toBe(false);
        expect(violations).toEqual([]);
        for (const code of errors) expect(DECODE_CODES).toContain(code);
      } finally {
        await server.close({ timeoutMs: 500 });
      }
    },
    fuzzTimeout(20_000),
  );
});
