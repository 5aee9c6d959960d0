import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import {
  canonicalContract,
  contractDigest,
  decodeControl,
  decodeEvent,
  decodeRequest,
  decodeResponse,
  type Envelope,
  encodeEnvelope,
  FrameDecoder,
  helloSchema,
  isSockwireError,
  Kind,
  parseEnvelope,
  reasonSchema,
  welcomeSchema,
} from "../src/index.js";
import { creditOf, decodeContractFrame, reflectedForm } from "../src/internal.js";
import { chat } from "./fixtures/chat.js";
import { logs } from "./fixtures/logs.js";

const tail = logs.client.streams.get("tail") as {
  input: z.ZodType;
  item: z.ZodType<{ line: string }>;
};
const upload = logs.client.streams.get("upload") as { result: z.ZodType };

// Named golden vectors, quoted in PROTOCOL.md. Each is checked both ways: the header fields and
// payload encode to exactly the stored hex, and the hex decodes back to the same fields. Changing
// a vector changes the wire format and needs a protocol version bump.

interface ValidVector {
  name: string;
  description: string;
  header: { kind: string; flags: number; id: number; type: string; deadlineMs?: number };
  payload: string;
  hex: string;
}
interface InvalidVector {
  name: string;
  description: string;
  hex: string;
  error?: string;
  ignored?: true;
}

const dir = new URL("./vectors/", import.meta.url);
const vectors = readdirSync(dir)
  .filter((file) => file.endsWith(".json"))
  .map(
    (file) => JSON.parse(readFileSync(new URL(file, dir), "utf8")) as ValidVector | InvalidVector,
  );
const valid = vectors.filter((v): v is ValidVector => "header" in v);
const invalid = vectors.filter((v): v is InvalidVector => !("header" in v));

const kindOf = (name: string) => Kind[name.toUpperCase() as keyof typeof Kind];

/** Decodes a whole hex stream the way a receiver does; returns envelopes (undefined = ignored) or the error code. */
function receive(hex: string): { envelopes: (Envelope | undefined)[]; error: string | undefined } {
  const decoder = new FrameDecoder();
  const envelopes: (Envelope | undefined)[] = [];
  decoder.push(Buffer.from(hex, "hex"));
  try {
    for (let body = decoder.next(); body; body = decoder.next())
      envelopes.push(parseEnvelope(body));
  } catch (error) {
    if (!isSockwireError(error)) throw error;
    return { envelopes, error: error.code };
  }
  return { envelopes, error: decoder.error?.code ?? decoder.end()?.code };
}

describe("golden vectors", () => {
  test("the named set is complete", () => {
    expect(valid.map((v) => v.name).sort()).toEqual(
      [
        "ack",
        "cancel",
        "contract-answer",
        "contract-forms",
        "contract-offer",
        "contract-reflection",
        "error",
        "error-connection",
        "event-advisory-flag",
        "event-empty-payload",
        "event-say",
        "event-utf8",
        "goaway",
        "hello",
        "hello-1.1",
        "hello-resume",
        "hello-reflect",
        "ping",
        "ping-with-id",
        "pong",
        "reject",
        "reject-reflection-disabled",
        "request",
        "request-with-deadline",
        "response",
        "stream-cancel",
        "stream-credit",
        "stream-end",
        "stream-end-sends",
        "stream-error",
        "stream-item",
        "stream-open",
        "welcome",
        "welcome-contract",
        "welcome-resumed",
      ].sort(),
    );
    expect(new Set(valid.map((v) => v.header.kind))).toEqual(
      new Set(Object.keys(Kind).map((k) => k.toLowerCase())),
    );
    expect(invalid.length).toBeGreaterThanOrEqual(6);
  });

  describe.each(valid)("$name", (vector) => {
    test("fields encode to the stored hex", () => {
      const { kind, id, type, deadlineMs, flags } = vector.header;
      const frame = encodeEnvelope(
        { kind: kindOf(kind), id, type, deadlineMs, flags: flags & 0x0f },
        vector.payload,
      );
      expect(frame.toString("hex")).toBe(vector.hex);
    });

    test("the hex decodes to the stored fields", () => {
      const { envelopes, error } = receive(vector.hex);
      expect(error).toBeUndefined();
      expect(envelopes).toHaveLength(1);
      const envelope = envelopes[0] as Envelope;
      expect({
        kind: envelope.kind,
        flags: envelope.flags,
        id: envelope.id,
        type: envelope.type,
        deadlineMs: envelope.deadlineMs,
      }).toEqual({
        ...vector.header,
        kind: kindOf(vector.header.kind),
        deadlineMs: vector.header.deadlineMs,
      });
      expect(envelope.payload.toString("utf8")).toBe(vector.payload);
    });

    test("the payload is valid for its kind", () => {
      const envelope = receive(vector.hex).envelopes[0] as Envelope;
      switch (vector.header.kind) {
        case "hello": {
          const hello = decodeControl(helloSchema, envelope.payload, "hello");
          if (hello.reflect === true) {
            // A reflecting client has no contract: any name, no fingerprint, no digest.
            expect(hello.contract).toEqual({ name: "", fingerprint: "" });
            expect(hello.protocol.minor).toBe(1);
            break;
          }
          expect(hello.contract.fingerprint).toBe(chat.fingerprint);
          // The 1.1 hello carries the canonical digest too (the 1.0 one does not).
          expect(hello.contract.digest).toBe(
            hello.protocol.minor >= 1 ? contractDigest(chat) : undefined,
          );
          break;
        }
        case "contract": {
          const frame = decodeContractFrame(envelope);
          // A reflection answer carries the server's whole form: here, chat's.
          if (frame.form !== undefined)
            expect(reflectedForm(envelope)).toEqual(canonicalContract(chat));
          break;
        }
        case "welcome":
          decodeControl(welcomeSchema, envelope.payload, "welcome");
          break;
        case "reject":
        case "error":
        case "goaway":
          decodeControl(reasonSchema, envelope.payload, vector.header.kind);
          break;
        case "event":
          expect(
            vector.header.type === "greeting"
              ? decodeEvent(chat, "server", envelope).name
              : decodeEvent(chat, "client", envelope).name,
          ).toBe(vector.header.type);
          break;
        case "request":
          expect(decodeRequest(chat, "client", envelope).params).toEqual({ room: "lobby" });
          break;
        case "response":
          expect(decodeResponse(chat, "client", "join", envelope)).toEqual({ members: 3 });
          break;
        case "stream_open":
          expect(tail.input.parse(JSON.parse(vector.payload))).toEqual({ service: "api" });
          break;
        case "stream_item":
          expect(tail.item.parse(JSON.parse(vector.payload)).line).toBe("ready");
          break;
        case "stream_credit":
          expect(creditOf(envelope)).toEqual({ items: 64, bytes: 65_536 });
          break;
        case "stream_end":
          // The responder's result, or the opener's end of its items (empty).
          if (vector.payload !== "")
            expect(upload.result.parse(JSON.parse(vector.payload))).toEqual({ bytes: 4096 });
          break;
        case "stream_error":
        case "stream_cancel":
          decodeControl(reasonSchema, envelope.payload, vector.header.kind);
          break;
        default:
          expect(z.literal(0).parse(envelope.payload.length)).toBe(0);
      }
    });
  });

  describe.each(invalid)("$name", (vector) => {
    test(vector.ignored ? "is ignored" : `fails with ${vector.error}`, () => {
      const { envelopes, error } = receive(vector.hex);
      if (vector.ignored) {
        expect(error).toBeUndefined();
        expect(envelopes).toEqual([undefined]);
      } else {
        expect(error).toBe(vector.error);
      }
    });
  });

  test("PROTOCOL.md quotes every vector by name with its exact hex", () => {
    const doc = readFileSync(new URL("../PROTOCOL.md", import.meta.url), "utf8");
    const compact = doc.replace(/\s+/g, "");
    for (const vector of vectors) {
      expect(doc).toContain(`#### \`${vector.name}\``);
      expect(compact).toContain(vector.hex);
    }
  });

  test("all valid vectors in one stream decode in order", () => {
    const { envelopes, error } = receive(valid.map((v) => v.hex).join(""));
    expect(error).toBeUndefined();
    expect(envelopes.map((e) => e?.kind)).toEqual(valid.map((v) => kindOf(v.header.kind)));
  });
});
