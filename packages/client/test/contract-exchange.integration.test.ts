import type { Socket } from "node:net";
import {
  decodeControl,
  defineContract,
  type Envelope,
  ErrorCode,
  encodeEnvelope,
  type Hello,
  helloSchema,
  Kind,
  type Welcome,
} from "@sockwire/protocol";
import {
  contractForms,
  contractOffer,
  encodeContractFrame,
  localContract,
} from "@sockwire/protocol/internal";
import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";
import { testContract } from "./support/contract.js";
import { Harness, until } from "./support/harness.js";
import { controlFrame, readFrames, welcomePayload } from "./support/raw-peer.js";

// The client's side of the contract exchange (PROTOCOL.md 5.4 and 8.1, "Contracts that differ")
// against a scripted server on a raw socket: every frame out of order, malformed or too large
// fails connect() with a code, and the client closes its socket.

const h = new Harness();
afterEach(() => h.cleanup());

const MiB = 1024 * 1024;
const client = localContract(testContract, "client");

/** Another version of the test contract, as a new server has it: `tick` gains a field. */
const serverNext = defineContract({
  name: testContract.name,
  client: testContract.schema.client,
  server: {
    events: {
      ...testContract.schema.server.events,
      tick: z.object({ n: z.number().int(), at: z.number() }),
    },
    requests: testContract.schema.server.requests,
  },
});
const server = localContract(serverNext, "server");

/** A 1.1 welcome, after an exchange when `contract` is given. */
const welcome = (contract?: Welcome["contract"]): Buffer =>
  controlFrame(
    Kind.WELCOME,
    welcomePayload({ protocol: { major: 1, minor: 1 }, ...(contract ? { contract } : {}) }),
  );

interface Script {
  /** Answers the hello (decoded), returns the frames to write. */
  hello(hello: Hello): Buffer[];
  /** Answers a contract frame from the client (the answer), returns the frames to write. */
  contract?(envelope: Envelope, hello: Hello): Buffer[];
}

/**
 * A scripted server: what it writes for the hello and the client's contract answer. Records the
 * kinds it received, and whether the client ended the connection.
 */
async function scripted(
  script: Script,
): Promise<{ port: number; seen: number[]; ended: () => boolean }> {
  const seen: number[] = [];
  let closed = false;
  const port = await h.raw((socket: Socket) => {
    let hello: Hello | undefined;
    socket.on("end", () => (closed = true));
    socket.on("close", () => (closed = true));
    readFrames(socket, (envelope) => {
      seen.push(envelope.kind);
      if (envelope.kind === Kind.HELLO) {
        hello = decodeControl(helloSchema, envelope.payload, "hello");
        socket.write(Buffer.concat(script.hello(hello)));
      } else if (envelope.kind === Kind.CONTRACT && hello && script.contract) {
        socket.write(Buffer.concat(script.contract(envelope, hello)));
      }
    });
  });
  return { port, seen, ended: () => closed };
}

/** The server's offer for a hello (its message digests, its receive limit). */
const offer = (hello: Hello, maxFrameBytes = MiB): Buffer =>
  contractOffer(server, maxFrameBytes, hello.maxFrameBytes);

/** Connects a client to `port` and returns what connect() rejects with. */
async function failure(port: number): Promise<unknown> {
  const c = h.client(testContract, { port, connectTimeoutMs: 3000 });
  const error = await c.connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeDefined();
  expect(c.state).toBe("closed");
  return error;
}

describe("connect() fails with a code", () => {
  test.each([
    ["not JSON", "{"],
    ["a limit out of range", '{"maxFrameBytes":12,"messages":{}}'],
    [
      "a digest that is not hex",
      '{"maxFrameBytes":1048576,"messages":{"server.events.tick":"xyz"}}',
    ],
    ["no maxFrameBytes", '{"messages":{}}'],
  ])("a malformed offer (%s): CONNECT_FAILED, cause FRAME_MALFORMED", async (_what, payload) => {
    const run = await scripted({ hello: () => [encodeEnvelope({ kind: Kind.CONTRACT }, payload)] });
    expect(await failure(run.port)).toMatchObject({
      code: ErrorCode.CONNECT_FAILED,
      cause: { code: ErrorCode.FRAME_MALFORMED },
    });
    await until(run.ended, 2000, "the client's close");
    expect(run.seen).toEqual([Kind.HELLO]);
  });

  test("a welcome with `contract` although no exchange happened: CONNECT_FAILED", async () => {
    const run = await scripted({
      hello: () => [welcome({ digest: server.digest, disabled: [] })],
    });
    expect(await failure(run.port)).toMatchObject({ code: ErrorCode.CONNECT_FAILED });
    await until(run.ended, 2000, "the client's close");
  });

  test("an offer whose maxFrameBytes (1024) is smaller than our answer: CONTRACT_MISMATCH, nothing sent", async () => {
    // The offer claims another digest for each of our messages: our answer carries all our forms.
    const messages = Object.fromEntries(
      Object.keys(client.digests).map((k) => [k, "f".repeat(32)]),
    );
    const run = await scripted({
      hello: () => [encodeContractFrame({ maxFrameBytes: 1024, messages })],
    });
    expect(await failure(run.port)).toMatchObject({ code: ErrorCode.CONTRACT_MISMATCH });
    await until(run.ended, 2000, "the client's close");
    expect(run.seen).toEqual([Kind.HELLO]);
  });

  test("the forms first, without an offer: CONNECT_FAILED, cause FRAME_MALFORMED (an offer lacking messages and maxFrameBytes)", async () => {
    const run = await scripted({
      hello: () => [encodeContractFrame({ schemas: {} })],
    });
    expect(await failure(run.port)).toMatchObject({
      code: ErrorCode.CONNECT_FAILED,
      cause: { code: ErrorCode.FRAME_MALFORMED },
    });
    expect(run.seen).toEqual([Kind.HELLO]);
  });

  test("forms that are not those of the messages that differ: CONNECT_FAILED, cause FRAME_MALFORMED", async () => {
    const run = await scripted({
      hello: (hello) => [offer(hello)],
      contract: () => [
        encodeContractFrame({ schemas: {} }),
        welcome({ digest: server.digest, disabled: [] }),
      ],
    });
    expect(await failure(run.port)).toMatchObject({
      code: ErrorCode.CONNECT_FAILED,
      cause: { code: ErrorCode.FRAME_MALFORMED },
    });
  });

  test("a second offer after the forms: CONNECT_FAILED, cause UNEXPECTED_FRAME", async () => {
    const run = await scripted({
      hello: (hello) => [offer(hello)],
      contract: (answer, hello) => [
        contractForms(server, answer, hello.maxFrameBytes).frame,
        offer(hello),
      ],
    });
    expect(await failure(run.port)).toMatchObject({
      code: ErrorCode.CONNECT_FAILED,
      cause: { code: ErrorCode.UNEXPECTED_FRAME },
    });
  });

  test("a welcome without `contract` after the exchange: CONNECT_FAILED", async () => {
    const run = await scripted({
      hello: (hello) => [offer(hello)],
      contract: (answer, hello) => [
        contractForms(server, answer, hello.maxFrameBytes).frame,
        welcome(),
      ],
    });
    expect(await failure(run.port)).toMatchObject({ code: ErrorCode.CONNECT_FAILED });
  });

  // PROTOCOL.md 8.1: the welcome follows the forms, so one before them is out of order, with or
  // without `contract`.
  test.each([
    ["without `contract`", undefined],
    ["with `contract`", { digest: server.digest, disabled: [] }],
  ])(
    "a welcome %s after the offer, before the forms: CONNECT_FAILED, cause UNEXPECTED_FRAME",
    async (_what, contract) => {
      const run = await scripted({
        hello: (hello) => [offer(hello)],
        contract: () => [welcome(contract)],
      });
      expect(await failure(run.port)).toMatchObject({
        code: ErrorCode.CONNECT_FAILED,
        cause: { code: ErrorCode.UNEXPECTED_FRAME },
      });
      expect(run.seen).toEqual([Kind.HELLO, Kind.CONTRACT]);
    },
  );
});

describe("a complete exchange with the scripted server", () => {
  test("opens with the union of our terms and the welcome's disabled list", async () => {
    let serverDisabled: readonly string[] = [];
    const run = await scripted({
      hello: (hello) => [offer(hello)],
      contract: (answer, hello) => {
        const forms = contractForms(server, answer, hello.maxFrameBytes);
        serverDisabled = forms.terms.disabled;
        // The server also lists a message our terms keep: the client must not send it either.
        const disabled = [...forms.terms.disabled, "client.requests.echo"].sort();
        return [forms.frame, welcome({ digest: server.digest, disabled })];
      },
    });
    const c = h.client(testContract, { port: run.port, connectTimeoutMs: 3000 });
    await c.connect();
    expect(run.seen).toEqual([Kind.HELLO, Kind.CONTRACT]);
    // PROTOCOL.md 7.6, "add a required field": an old receiver (this client) strips it: safe.
    expect(serverDisabled).toEqual([]);
    expect(c.disabledMessages).toEqual(["client.requests.echo"]);
    await expect(c.request("echo", { text: "x" })).rejects.toMatchObject({
      code: ErrorCode.MESSAGE_DISABLED,
      details: { message: "client.requests.echo" },
    });
  });
});
