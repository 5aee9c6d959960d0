import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import {
  type AnyContract,
  defineContract,
  type Envelope,
  ErrorCode,
  encodeEnvelope,
  Kind,
  parseEnvelope,
} from "../src/index.js";
import {
  contractAnswer,
  contractForms,
  contractOffer,
  contractTermsFromForms,
  decodeContractFrame,
  encodeContractFrame,
  localContract,
} from "../src/internal.js";
import { chat, chatNext } from "./fixtures/chat.js";

// The three contract frames of a handshake between two versions of one contract (PROTOCOL.md
// 8.1): the steps produce the golden vectors byte for byte, both sides reach the same terms, and
// every frame that is out of order, malformed, inconsistent or too large is refused with a code.

const LIMIT = 1024 * 1024;
const vectorHex = (name: string): string =>
  (
    JSON.parse(readFileSync(new URL(`./vectors/${name}.json`, import.meta.url), "utf8")) as {
      hex: string;
    }
  ).hex;
const envelopeOf = (frame: Buffer): Envelope => parseEnvelope(frame.subarray(4)) as Envelope;
const contractFrame = (payload: string): Envelope =>
  envelopeOf(encodeEnvelope({ kind: Kind.CONTRACT }, payload));

/** Runs the exchange between a client on `clientContract` and a server on `serverContract`. */
function exchange(clientContract: AnyContract = chat, serverContract: AnyContract = chatNext) {
  const client = localContract(clientContract, "client");
  const server = localContract(serverContract, "server");
  const offer = contractOffer(server, LIMIT, LIMIT);
  const answer = contractAnswer(client, envelopeOf(offer));
  const forms = contractForms(server, envelopeOf(answer.frame), LIMIT);
  const clientTerms = contractTermsFromForms(client, envelopeOf(forms.frame), answer.pending);
  return { client, server, offer, answer, forms, clientTerms, serverTerms: forms.terms };
}

describe("the exchange between chat and its next version", () => {
  test("each step writes its golden vector", () => {
    const run = exchange();
    expect(run.offer.toString("hex")).toBe(vectorHex("contract-offer"));
    expect(run.answer.frame.toString("hex")).toBe(vectorHex("contract-answer"));
    expect(run.forms.frame.toString("hex")).toBe(vectorHex("contract-forms"));
  });

  test("only the form of the message that differs travels", () => {
    const run = exchange();
    expect(run.answer.pending.differing).toEqual(["server.events.greeting"]);
    const answer = decodeContractFrame(envelopeOf(run.answer.frame));
    expect([...answer.schemas.keys()]).toEqual(["server.events.greeting"]);
    expect([...(answer.messages?.keys() ?? [])]).not.toContain("credentials");
  });

  test("both sides reach the same terms", () => {
    const run = exchange();
    expect(run.serverTerms.disabled).toEqual(["server.events.news"]);
    expect(run.clientTerms.disabled).toEqual(run.serverTerms.disabled);
    expect(run.clientTerms.verdicts.get("server.events.news")?.status).toBe("unknown-to-receiver");
  });

  test("the reverse skew: an old server and a new client disable what the client would send", () => {
    const next = defineContract({
      name: "chat",
      credentials: chat.schema.credentials,
      client: {
        events: { ...chat.schema.client.events, say: z.object({ text: z.string() }) },
        requests: chat.schema.client.requests,
      },
      server: chat.schema.server,
    });
    const run = exchange(next, chat);
    // The new client's `say` lost its seq, which the old server requires.
    expect(run.serverTerms.disabled).toEqual(["client.events.say"]);
    expect(run.clientTerms.disabled).toEqual(["client.events.say"]);
    expect(run.clientTerms.verdicts.get("client.events.say")?.status).toBe("incompatible");
  });
});

describe("frames refused", () => {
  const client = localContract(chat, "client");
  const server = localContract(chatNext, "server");

  test("an offer too large for the client is CONTRACT_MISMATCH", () => {
    expect(() => contractOffer(server, LIMIT, 400)).toThrow(
      expect.objectContaining({ code: ErrorCode.CONTRACT_MISMATCH }),
    );
  });

  test("an answer too large for the server is CONTRACT_MISMATCH", () => {
    const offer = encodeContractFrame({ maxFrameBytes: 1024, messages: { ...server.digests } });
    const big = defineContract({
      name: "chat",
      client: chat.schema.client,
      server: {
        events: {
          greeting: z.object(
            Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, z.string()])),
          ),
        },
      },
    });
    expect(() => contractAnswer(localContract(big, "client"), envelopeOf(offer))).toThrow(
      expect.objectContaining({ code: ErrorCode.CONTRACT_MISMATCH }),
    );
  });

  test("an offer without messages or limit, a frame of another kind", () => {
    const noLimit = contractFrame(JSON.stringify({ messages: server.digests }));
    expect(() => contractAnswer(client, noLimit)).toThrow(
      expect.objectContaining({ code: ErrorCode.FRAME_MALFORMED }),
    );
    const ping = envelopeOf(encodeEnvelope({ kind: Kind.PING }, undefined));
    expect(() => contractAnswer(client, ping)).toThrow(
      expect.objectContaining({ code: ErrorCode.UNEXPECTED_FRAME }),
    );
  });

  test("an answer whose form does not match its digest", () => {
    const run = exchange();
    const answer = JSON.parse(envelopeOf(run.answer.frame).payload.toString()) as {
      schemas: Record<string, unknown>;
    };
    answer.schemas["server.events.greeting"] = { type: "string" };
    expect(() => contractForms(server, contractFrame(JSON.stringify(answer)), LIMIT)).toThrow(
      expect.objectContaining({ code: ErrorCode.FRAME_MALFORMED }),
    );
  });

  test("forms missing, or forms of messages that do not differ", () => {
    const run = exchange();
    expect(() =>
      contractTermsFromForms(client, contractFrame('{"schemas":{}}'), run.answer.pending),
    ).toThrow(expect.objectContaining({ code: ErrorCode.FRAME_MALFORMED }));
    const extra = JSON.stringify({
      schemas: {
        "server.events.greeting": chatNextGreeting(),
        "client.events.bye": { type: "undefined" },
      },
    });
    expect(() => contractTermsFromForms(client, contractFrame(extra), run.answer.pending)).toThrow(
      expect.objectContaining({ code: ErrorCode.FRAME_MALFORMED }),
    );
  });

  test.each([
    ["not JSON", "{"],
    ["not an object", "[]"],
    ["a limit out of range", '{"maxFrameBytes":12,"messages":{}}'],
    ["a digest that is not hex", '{"messages":{"client.events.say":"XYZ"}}'],
    ["a key that is not a message key", `{"messages":{"credentials":"${"0".repeat(32)}"}}`],
    ["a key with a bad name", `{"messages":{"client.events.9x":"${"0".repeat(32)}"}}`],
    ["a form with an unknown node type", '{"schemas":{"client.events.say":{"type":"strng"}}}'],
    [
      "a request form without output",
      '{"schemas":{"client.requests.join":{"input":{"type":"string"}}}}',
    ],
  ])("a payload with %s is malformed", (_what, payload) => {
    expect(() => decodeContractFrame(contractFrame(payload))).toThrow(
      expect.objectContaining({ code: ErrorCode.FRAME_MALFORMED }),
    );
  });

  test("members a receiver does not know are ignored", () => {
    const frame = decodeContractFrame(contractFrame('{"messages":{},"later":1}'));
    expect(frame.messages?.size).toBe(0);
    expect(frame.schemas.size).toBe(0);
  });
});

/** The server's form of greeting, as the forms frame carries it. */
function chatNextGreeting(): unknown {
  const forms = JSON.parse(
    Buffer.from(vectorHex("contract-forms"), "hex").subarray(11).toString(),
  ) as { schemas: Record<string, unknown> };
  return forms.schemas["server.events.greeting"];
}
