import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  canonicalContract,
  contractDigest,
  validateCanonicalContract,
  validateCanonicalNode,
  validateCanonicalStream,
} from "../../src/index.js";

// Forms from outside (a peer, a snapshot file) are checked before use: strictly, so that the
// checker never meets a member it would have to ignore, and within bounds.

const invalid = expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" });

describe("validateCanonicalNode", () => {
  it.each([
    ["an unknown type", { type: "strng" }],
    ["an unknown member", { type: "string", maxLen: 3 }],
    ["a missing member", { type: "array" }],
    ["a bad member value", { type: "string", maxLength: -1 }],
    ["two lower bounds", { type: "number", minimum: 1, exclusiveMinimum: 0 }],
    [
      "a required key that is not a property",
      { type: "object", properties: {}, required: ["a"], unknownKeys: "strip" },
    ],
    [
      "a catchall without its mode",
      {
        type: "object",
        properties: {},
        required: [],
        unknownKeys: "strip",
        catchall: { type: "string" },
      },
    ],
    ["an undefined reference", { $ref: "r0" }],
    ["$defs below the root", { type: "array", items: { type: "string", $defs: {} } }],
    ["references in a loop", { $ref: "r0", $defs: { r0: { $ref: "r1" }, r1: { $ref: "r0" } } }],
    ["not an object", "string"],
  ])("refuses %s", (_, value) => {
    expect(() => validateCanonicalNode(value)).toThrow(invalid);
  });

  it("accepts every form canonicalSchema makes, recursive ones included", () => {
    const Tree: z.ZodType = z.object({
      get kids() {
        return z.array(Tree);
      },
    });
    expect(() =>
      validateCanonicalNode(
        JSON.parse(
          JSON.stringify(
            canonicalContract({ name: "t", client: { events: { t: Tree } } }).client.events.t,
          ),
        ),
      ),
    ).not.toThrow();
  });
});

describe("validateCanonicalContract", () => {
  const form = canonicalContract({ name: "chat", client: { events: { say: z.string() } } });

  it("accepts a form and its JSON round trip, with the same digest", () => {
    const copy = validateCanonicalContract(JSON.parse(JSON.stringify(form)));
    expect(contractDigest(copy)).toBe(contractDigest(form));
  });

  it.each([
    ["another form version", { ...form, form: 2 }],
    ["a missing table", { ...form, server: { events: {} } }],
    ["an extra member", { ...form, extra: 1 }],
    [
      "a bad message name",
      { ...form, client: { events: { "9x": { type: "string" } }, requests: {} } },
    ],
    ["a bad contract name", { ...form, name: "" }],
  ])("refuses %s", (_, value) => {
    expect(() => validateCanonicalContract(value)).toThrow(invalid);
  });
});

describe("validateCanonicalContract with streams", () => {
  const form = canonicalContract({
    name: "logs",
    client: {
      streams: {
        tail: { input: z.string(), item: z.string() },
        chat: { input: z.undefined(), item: z.string(), send: z.string(), result: z.boolean() },
      },
    },
  });
  const withStreams = (streams: unknown) => ({
    ...form,
    server: { events: {}, requests: {}, streams },
  });
  const string = { type: "string" };

  it("accepts the streams table, in either direction, and its JSON round trip", () => {
    const copy = validateCanonicalContract(JSON.parse(JSON.stringify(form)));
    expect(contractDigest(copy)).toBe(contractDigest(form));
    expect(() =>
      validateCanonicalContract(withStreams({ probe: { input: string, send: string } })),
    ).not.toThrow();
  });

  it.each([
    ["an empty streams table (a second text for the same contract)", withStreams({})],
    ["a streams table that is not an object", withStreams([])],
    ["a bad stream name", withStreams({ "9x": { input: string, item: string } })],
    ["a stream without input", withStreams({ probe: { item: string } })],
    ["a stream with neither item nor send", withStreams({ probe: { input: string } })],
    [
      "a stream with neither item nor send, only a result",
      withStreams({ probe: { input: string, result: string } }),
    ],
    [
      "a stream with an unknown member",
      withStreams({ probe: { input: string, item: string, output: string } }),
    ],
    [
      "a stream whose item is not a node",
      withStreams({ probe: { input: string, item: { type: "strng" } } }),
    ],
    [
      "a stream member that is undefined",
      withStreams({ probe: { input: string, item: undefined, send: string } }),
    ],
    ["a stream that is not an object", withStreams({ probe: [string] })],
    [
      "a stream named like an event of its direction",
      {
        ...form,
        client: { ...form.client, events: { tail: string } },
      },
    ],
  ])("refuses %s", (_, value) => {
    expect(() => validateCanonicalContract(value)).toThrow(invalid);
  });

  it("validateCanonicalStream checks one stream's form, naming where", () => {
    expect(validateCanonicalStream({ input: string, send: string })).toEqual({
      input: string,
      send: string,
    });
    expect(() =>
      validateCanonicalStream({ input: string, result: string }, "client.streams.x"),
    ).toThrow(/client\.streams\.x has neither "item" nor "send"/);
    expect(() => validateCanonicalStream({ input: string, item: { type: "array" } }, "x")).toThrow(
      /x\.item/,
    );
  });
});
