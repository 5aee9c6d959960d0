import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { contractMessages } from "../../src/contract/canonical/contract-form.js";
import {
  type ContractSchema,
  canonicalContract,
  canonicalDigest,
  canonicalSchema,
  canonicalText,
  contractDigest,
  contractFingerprint,
  defineContract,
  messageDigests,
  type StreamSchema,
} from "../../src/index.js";
import { chat } from "../fixtures/chat.js";
import { descArb, schemaOf } from "../fixtures/schemas.js";

// The contract form's streams table (PROTOCOL.md 7.3): present only in a direction that declares
// streams, so that every contract without them keeps its form and digests; each stream's form has
// `input` and exactly the parts it declares; stream messages have keys and digests of their own.

const tail = {
  input: z.object({ service: z.string() }),
  item: z.object({ line: z.string() }),
};

describe("canonicalContract with streams", () => {
  it("adds a streams table only to a direction that declares streams", () => {
    const form = canonicalContract({ name: "logs", client: { streams: { tail } } });
    expect(Object.keys(form.client)).toEqual(["events", "requests", "streams"]);
    expect(Object.keys(form.server)).toEqual(["events", "requests"]);
    expect(form.client.streams?.tail).toEqual({
      input: canonicalSchema(tail.input),
      item: canonicalSchema(tail.item),
    });
  });

  it("gives a contract with an empty streams table the form and digests it has without", () => {
    const schema = chat.schema as ContractSchema;
    const empty: ContractSchema = {
      ...schema,
      client: { ...schema.client, streams: {} },
      server: { ...schema.server, streams: {} },
    };
    expect(canonicalText(canonicalContract(empty))).toBe(canonicalText(canonicalContract(chat)));
    expect(contractDigest(empty)).toBe(contractDigest(chat));
    expect(messageDigests(empty)).toEqual(messageDigests(chat));
    expect(contractFingerprint(empty)).toBe(chat.fingerprint);
  });

  it("writes each part a stream declares, and no other", () => {
    const parts = { input: z.undefined(), item: z.string(), send: z.number(), result: z.boolean() };
    const only = (...names: (keyof typeof parts)[]) =>
      Object.fromEntries(names.map((n) => [n, parts[n]])) as unknown as StreamSchema;
    const form = canonicalContract({
      name: "s",
      server: {
        streams: {
          a: only("input", "item"),
          b: only("input", "send"),
          c: only("input", "send", "result"),
          d: only("input", "item", "send", "result"),
        },
      },
    });
    const members = Object.fromEntries(
      Object.entries(form.server.streams ?? {}).map(([name, s]) => [name, Object.keys(s).sort()]),
    );
    expect(members).toEqual({
      a: ["input", "item"],
      b: ["input", "send"],
      c: ["input", "result", "send"],
      d: ["input", "item", "result", "send"],
    });
  });

  it("keys stream messages by the side that opens them, after events and requests", () => {
    const contract = defineContract({
      name: "logs",
      client: { events: { zz: z.string() }, streams: { tail } },
      server: {
        requests: { q: { input: z.string(), output: z.string() } },
        streams: { probe: tail },
      },
    });
    const form = canonicalContract(contract);
    expect(contractMessages(form).map(([key]) => key)).toEqual([
      "client.events.zz",
      "client.streams.tail",
      "server.requests.q",
      "server.streams.probe",
    ]);
    const digests = messageDigests(contract);
    expect(digests["client.streams.tail"]).toBe(canonicalDigest(form.client.streams?.tail));
    expect(digests["server.streams.probe"]).toBe(digests["client.streams.tail"]);
  });

  it("refuses a stream it cannot state, naming it", () => {
    const schema = {
      name: "s",
      client: { streams: { up: { input: z.string(), result: z.string() } } },
    } as unknown as ContractSchema;
    expect(() => canonicalContract(schema)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
    expect(() => canonicalContract(schema)).toThrow(/client\.streams\.up/);
    const bad = { name: "s", client: { streams: { "9x": tail } } } as ContractSchema;
    expect(() => canonicalContract(bad)).toThrow(/invalid client message name/);
    const notZod = { name: "s", client: { streams: { up: { input: z.string(), item: 1 } } } };
    expect(() => canonicalContract(notZod as unknown as ContractSchema)).toThrow(
      /client\.streams\.up\.item/,
    );
  });

  test.prop([descArb, descArb, fc.boolean(), fc.boolean()], { numRuns: 100 })(
    "a stream's digest is that of its parts; adding one changes no other message's digest",
    (a, b, withSend, withResult) => {
      const stream: StreamSchema = {
        input: schemaOf(a),
        item: schemaOf(b),
        ...(withSend ? { send: schemaOf(a) } : {}),
        ...(withResult ? { result: schemaOf(b) } : {}),
      };
      const before: ContractSchema = {
        name: "p",
        client: {
          events: { e: schemaOf(a) },
          requests: { r: { input: schemaOf(b), output: schemaOf(a) } },
        },
      };
      const after: ContractSchema = {
        ...before,
        client: { ...before.client, streams: { s: stream } },
      };
      const digests = messageDigests(after);
      const parts: Record<string, unknown> = {
        input: canonicalSchema(stream.input),
        item: canonicalSchema(stream.item as z.ZodType),
      };
      if (withSend) parts.send = canonicalSchema(stream.send as z.ZodType);
      if (withResult) parts.result = canonicalSchema(stream.result as z.ZodType);
      expect(digests["client.streams.s"]).toBe(canonicalDigest(parts));
      const { "client.streams.s": _, ...others } = digests;
      expect(others).toEqual(messageDigests(before));
      expect(contractDigest(after)).not.toBe(contractDigest(before));
    },
  );
});
