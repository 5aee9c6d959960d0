import {
  decodeControl,
  defineContract,
  type Envelope,
  ErrorCode,
  encodeEnvelope,
  Kind,
  parseEnvelope,
  WireCode,
  welcomeSchema,
} from "@sockwire/protocol";
import { contractAnswer, encodeContractFrame, localContract } from "@sockwire/protocol/internal";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { testContract } from "./helpers/contract.js";
import { startServer } from "./helpers/harness.js";
import { RawPeer } from "./helpers/raw-peer.js";
import { until } from "./helpers/wait.js";

// The server's side of the contract exchange (PROTOCOL.md 5.4 and 8.1, "Contracts that differ"),
// driven by a raw peer: the offer, the answer, the forms and the welcome in that order, and every
// frame out of order, malformed or too large refused with a code.

const server = localContract(testContract, "server");

/**
 * A later version of the test contract, as a new client has it: `say` makes its field optional
 * (an old receiver requires it: breaking), `notice` gains an optional field (a new receiver gets
 * what old senders write: safe), and the client has a new event `extra` (unknown to the server).
 */
const next = defineContract({
  name: testContract.name,
  client: {
    events: {
      ...testContract.schema.client.events,
      say: z.object({ text: z.string().optional() }),
      extra: z.object({ n: z.number() }),
    },
    requests: testContract.schema.client.requests,
  },
  server: {
    events: {
      ...testContract.schema.server.events,
      notice: z.object({ text: z.string(), tone: z.string().optional() }),
    },
    requests: testContract.schema.server.requests,
  },
});
const client = localContract(next, "client");
/** What the rules table of PROTOCOL.md 7.6 disables between `next` (client) and the server. */
const DISABLED = ["client.events.extra", "client.events.say"];

/** A 1.1 hello for `next`: its digest differs from the server's. */
const nextHello = {
  contract: { name: next.name, fingerprint: next.fingerprint, digest: client.digest },
};

const envelopeOf = (frame: Buffer): Envelope => parseEnvelope(frame.subarray(4)) as Envelope;
const json = (envelope: Envelope): Record<string, unknown> =>
  JSON.parse(envelope.payload.toString("utf8")) as Record<string, unknown>;
const isContract = (e: Envelope) => e.kind === Kind.CONTRACT;
const isAnswer = (e: Envelope) => e.kind === Kind.WELCOME || e.kind === Kind.REJECT;

/** Connects a raw peer, sends the 1.1 hello of `next`, and waits for the server's offer. */
async function offered(run: {
  raw(): Promise<RawPeer>;
}): Promise<{ peer: RawPeer; offer: Envelope }> {
  const peer = await run.raw();
  peer.hello(next, nextHello);
  const offer = await peer.waitFor(isContract, "the offer");
  return { peer, offer };
}

/** The reject that ends the handshake: its code, after the server has closed. */
async function rejectCode(peer: RawPeer): Promise<string> {
  const reject = await peer.waitFor((e) => e.kind === Kind.REJECT, "reject");
  await peer.waitClosed();
  expect(peer.count(Kind.WELCOME)).toBe(0);
  return RawPeer.reason(reject).code;
}

describe("a 1.1 hello whose digest differs", () => {
  test("gets the offer: the server's receive limit and every message digest", async () => {
    const run = await startServer(testContract, { maxFrameBytes: 2 * 1024 * 1024 });
    const { peer, offer } = await offered(run);
    expect(offer).toMatchObject({ kind: 0x40, id: 0, type: "" });
    const payload = json(offer);
    expect(payload.maxFrameBytes).toBe(2 * 1024 * 1024);
    const messages = payload.messages as Record<string, string>;
    expect(Object.keys(messages).sort()).toEqual([
      ...["bag", "note", "say", "unhandled"].map((n) => `client.events.${n}`),
      ...["bag", "echo", "fail", "hang", "missing", "size", "sleep", "strict"].map(
        (n) => `client.requests.${n}`,
      ),
      "server.events.blob",
      "server.events.notice",
      "server.requests.confirm",
    ]);
    expect(Object.values(messages).every((d) => /^[0-9a-f]{32}$/.test(d))).toBe(true);
    expect(messages).toEqual(server.digests);
    // Nothing else until the client answers.
    expect(peer.frames.map((e) => e.kind)).toEqual([Kind.CONTRACT]);
  });

  test("a correct answer gets the forms, then a welcome naming the server digest and the disabled keys", async () => {
    const run = await startServer(testContract);
    const { peer, offer } = await offered(run);
    peer.write(contractAnswer(client, offer).frame);
    const welcomeFrame = await peer.waitFor(isAnswer, "welcome");
    expect(peer.frames.map((e) => e.kind)).toEqual([Kind.CONTRACT, Kind.CONTRACT, Kind.WELCOME]);
    // The forms: the server's forms of exactly the messages both have with different digests.
    const forms = json(peer.frames[1] as Envelope);
    expect(Object.keys(forms)).toEqual(["schemas"]);
    expect(Object.keys(forms.schemas as object).sort()).toEqual([
      "client.events.say",
      "server.events.notice",
    ]);
    const welcome = decodeControl(welcomeSchema, welcomeFrame.payload, "welcome");
    expect(welcome.contract).toEqual({ digest: server.digest, disabled: DISABLED });
    // The server speaks 1.2 and says so; the connection speaks the lower of the two (1.1).
    expect(welcome.protocol).toEqual({ major: 1, minor: 2 });
    await until(() => run.opened.length === 1, "onConnection");
    expect(run.opened[0]?.disabledMessages).toEqual(DISABLED);
    await until(() => run.errors.length === 1, "the report");
    expect(run.errors.map((e) => e.error.code)).toEqual([ErrorCode.CONTRACT_DIFFERS]);
  });

  test("pings during the exchange are answered and do not break it", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    peer.hello(next, nextHello);
    peer.send({ kind: Kind.PING, id: 7 });
    const offer = await peer.waitFor(isContract, "the offer");
    await peer.waitFor((e) => e.kind === Kind.PONG && e.id === 7, "pong 7");
    peer.send({ kind: Kind.PING, id: 8 });
    await peer.waitFor((e) => e.kind === Kind.PONG && e.id === 8, "pong 8");
    peer.send({ kind: Kind.PING, id: 9 });
    peer.write(contractAnswer(client, offer).frame);
    const welcome = await peer.waitFor(isAnswer, "welcome");
    expect(welcome.kind).toBe(Kind.WELCOME);
    expect(peer.ofKind(Kind.PONG).map((e) => e.id)).toEqual([7, 8, 9]);
    expect(peer.count(Kind.CONTRACT)).toBe(2);
  });
});

describe("no exchange", () => {
  test("a 1.1 hello with the server's digest gets the welcome at once, without `contract` (even with another fingerprint)", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    const contract = {
      name: testContract.name,
      fingerprint: "0".repeat(32),
      digest: server.digest,
    };
    const welcome = await peer.handshake(testContract, { contract });
    expect(welcome.contract).toBeUndefined();
    expect("contract" in (json(peer.ofKind(Kind.WELCOME)[0] as Envelope) as object)).toBe(false);
    expect(peer.count(Kind.CONTRACT)).toBe(0);
    await until(() => run.opened.length === 1, "onConnection");
    expect(run.opened[0]?.disabledMessages).toEqual([]);
    expect(run.errors).toEqual([]);
  });

  test("a 1.0 hello (minor 0) with another digest and the right fingerprint: the digest is ignored", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    const welcome = await peer.handshake(testContract, {
      protocol: { major: 1, minor: 0 },
      contract: {
        name: testContract.name,
        fingerprint: testContract.fingerprint,
        digest: client.digest,
      },
    });
    expect(welcome.protocol).toEqual({ major: 1, minor: 0 });
    expect(welcome.contract).toBeUndefined();
    expect(peer.count(Kind.CONTRACT)).toBe(0);
  });
});

describe("refused during the exchange", () => {
  test("an event instead of the answer: reject PROTOCOL_ERROR", async () => {
    const run = await startServer(testContract);
    const { peer } = await offered(run);
    peer.event("say", { text: "too early" });
    expect(await rejectCode(peer)).toBe(WireCode.PROTOCOL_ERROR);
    await until(() => run.errors.length === 1, "the report");
    expect(run.errors[0]?.error.code).toBe(ErrorCode.UNEXPECTED_FRAME);
    expect(run.opened).toEqual([]);
  });

  test("an answer whose form does not match its announced digest: reject PROTOCOL_ERROR", async () => {
    const run = await startServer(testContract);
    const { peer } = await offered(run);
    const schemas = client.schemasFor(["client.events.say", "server.events.notice"]);
    peer.write(
      encodeContractFrame({
        messages: client.digests,
        schemas: { ...schemas, "client.events.say": { type: "string" } },
      }),
    );
    expect(await rejectCode(peer)).toBe(WireCode.PROTOCOL_ERROR);
    await until(() => run.errors.length === 1, "the report");
    expect(run.errors[0]?.error.code).toBe(ErrorCode.FRAME_MALFORMED);
  });

  test("an answer without `messages`: reject PROTOCOL_ERROR", async () => {
    const run = await startServer(testContract);
    const { peer, offer } = await offered(run);
    const answer = json(envelopeOf(contractAnswer(client, offer).frame));
    expect(Object.keys(answer)).toContain("messages");
    peer.write(encodeContractFrame({ schemas: answer.schemas as Record<string, never> }));
    expect(await rejectCode(peer)).toBe(WireCode.PROTOCOL_ERROR);
  });

  test("an offer larger than the client's receive limit (1024): reject CONTRACT_MISMATCH", async () => {
    const many = defineContract({
      name: "many",
      client: {
        events: Object.fromEntries(
          Array.from({ length: 40 }, (_, i) => [`event${i}`, z.object({ n: z.number() })]),
        ),
      },
    });
    const run = await startServer(many);
    const peer = await run.raw();
    const digest = "0".repeat(32);
    peer.hello(many, {
      maxFrameBytes: 1024,
      contract: { name: many.name, fingerprint: many.fingerprint, digest },
    });
    expect(await rejectCode(peer)).toBe(WireCode.CONTRACT_MISMATCH);
    expect(peer.count(Kind.CONTRACT)).toBe(0);
    await until(() => run.errors.length === 1, "the report");
    expect(run.errors[0]?.error.code).toBe(ErrorCode.CONTRACT_MISMATCH);
  });

  test("an offer that fits the client's limit (1024) but forms that do not: reject CONTRACT_MISMATCH", async () => {
    const fields = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`field${i}`, z.string()]));
    const wide = (extra: object) =>
      defineContract({
        name: "wide",
        client: { events: { wide: z.object({ ...fields(40), ...extra }) } },
      });
    const before = wide({});
    const after = localContract(wide({ more: z.string().optional() }), "client");
    const run = await startServer(before);
    const peer = await run.raw();
    peer.hello(before, {
      maxFrameBytes: 1024,
      contract: { name: before.name, fingerprint: before.fingerprint, digest: after.digest },
    });
    const offer = await peer.waitFor(isContract, "the offer");
    peer.write(contractAnswer(after, offer).frame);
    expect(await rejectCode(peer)).toBe(WireCode.CONTRACT_MISMATCH);
    expect(peer.count(Kind.CONTRACT)).toBe(1);
  });

  test("no answer to the offer: the handshake timeout still applies (HANDSHAKE_TIMEOUT)", async () => {
    const run = await startServer(testContract, { handshakeTimeoutMs: 200 });
    const { peer } = await offered(run);
    expect(await rejectCode(peer)).toBe(WireCode.HANDSHAKE_TIMEOUT);
  });

  test("a contract frame in place of the hello: reject PROTOCOL_ERROR", async () => {
    const run = await startServer(testContract);
    const peer = await run.raw();
    peer.write(encodeContractFrame({ messages: client.digests, schemas: {} }));
    expect(await rejectCode(peer)).toBe(WireCode.PROTOCOL_ERROR);
  });
});

describe("after the welcome", () => {
  // PROTOCOL.md 4: in the open state a contract frame is fatal (ERR_UNEXPECTED_FRAME); 8.4: the
  // server sends error id 0 PROTOCOL_ERROR, then its FIN (not a reject: the handshake is over).
  test.each([
    ["an exchange (the answer sent again)", true],
    ["a plain handshake", false],
  ])(
    "a contract frame from the client after %s: error id 0 PROTOCOL_ERROR, then the close",
    async (_what, exchanged) => {
      const run = await startServer(testContract);
      let peer: RawPeer;
      if (exchanged) {
        const started = await offered(run);
        peer = started.peer;
        const answer = contractAnswer(client, started.offer).frame;
        peer.write(answer);
        await peer.waitFor(isAnswer, "welcome");
        peer.write(answer);
      } else {
        peer = await run.rawOpen();
        peer.write(encodeEnvelope({ kind: Kind.CONTRACT }, '{"messages":{}}'));
      }
      await peer.waitClosed();
      expect(peer.count(Kind.WELCOME)).toBe(1);
      expect(peer.count(Kind.REJECT)).toBe(0);
      expect(peer.connectionError()?.code).toBe(WireCode.PROTOCOL_ERROR);
      await until(() => run.disconnects.length === 1, "the close");
      expect(run.disconnects[0]?.info).toMatchObject({
        code: WireCode.PROTOCOL_ERROR,
        error: { code: ErrorCode.UNEXPECTED_FRAME },
      });
    },
  );
});
