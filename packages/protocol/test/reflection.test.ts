import { describe, expect, test } from "vitest";
import {
  canonicalContract,
  type Envelope,
  encodeControl,
  encodeEnvelope,
  Kind,
  parseEnvelope,
} from "../src/index.js";
import {
  encodeContractFrame,
  localContract,
  reflectedForm,
  reflectionFrame,
} from "../src/internal.js";
import { chat } from "./fixtures/chat.js";

// The reflection answer (PROTOCOL.md 8.1, "Reflection"): one contract frame with the server's
// whole form, which must fit the client's limit and is checked on arrival like any form.

const envelopeOf = (frame: Buffer): Envelope => parseEnvelope(frame.subarray(4)) as Envelope;

describe("reflection", () => {
  test("the answer carries the server's whole form, read back as it was", () => {
    const frame = reflectionFrame(localContract(chat, "server"), 1024 * 1024);
    expect(reflectedForm(envelopeOf(frame))).toEqual(canonicalContract(chat));
  });

  test("an answer over the client's limit is refused, saying which limit to raise", () => {
    expect(() => reflectionFrame(localContract(chat, "server"), 1024)).toThrow(
      expect.objectContaining({
        code: "ERR_CONTRACT_MISMATCH",
        details: expect.objectContaining({ limit: 1024 }),
      }),
    );
  });

  test("a frame without a valid form, or of another kind, is not an answer", () => {
    const empty = encodeContractFrame({ schemas: {} });
    expect(() => reflectedForm(envelopeOf(empty))).toThrow(
      expect.objectContaining({ code: "ERR_FRAME_MALFORMED" }),
    );
    const bad = encodeEnvelope({ kind: Kind.CONTRACT }, '{"form":{"form":1,"name":"chat"}}');
    expect(() => reflectedForm(envelopeOf(bad))).toThrow(
      expect.objectContaining({ code: "ERR_FRAME_MALFORMED" }),
    );
    const welcome = encodeEnvelope({ kind: Kind.WELCOME }, encodeControl({}));
    expect(() => reflectedForm(envelopeOf(welcome))).toThrow(
      expect.objectContaining({ code: "ERR_UNEXPECTED_FRAME" }),
    );
  });
});
