import { test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type ContractSchema,
  canonicalContract,
  compareContracts,
  type MessageComparison,
} from "../../src/index.js";
import { eDescArb, mutate, planArb } from "../fixtures/evolving-schemas.js";
import { schemaOfE } from "../fixtures/evolving-values.js";

// compareContracts: per message, the verdict for the direction it flows between a client and a
// server, the same whichever of the two computes it.

const v1: ContractSchema = {
  name: "chat",
  credentials: z.object({ token: z.string() }),
  client: {
    events: { say: z.object({ text: z.string().max(100) }), bye: z.undefined() },
    requests: {
      join: { input: z.object({ room: z.string() }), output: z.object({ members: z.int() }) },
    },
  },
  server: { events: { greeting: z.object({ text: z.string() }) } },
};

const v2: ContractSchema = {
  name: "chat",
  credentials: z.object({ token: z.string(), device: z.string().optional() }),
  client: {
    events: { say: z.object({ text: z.string().max(50) }), wave: z.object({}) },
    requests: {
      join: { input: z.object({ room: z.string() }), output: z.object({ members: z.number() }) },
    },
  },
  server: {
    events: {
      greeting: z.object({ text: z.string(), lang: z.string().optional() }),
      news: z.string(),
    },
  },
};

const byKey = (messages: readonly MessageComparison[]): Record<string, MessageComparison> =>
  Object.fromEntries(messages.map((m) => [m.key, m]));

describe("compareContracts", () => {
  it("gives each message its verdict in the direction it flows (old client, new server)", () => {
    const client = canonicalContract(v1);
    const server = canonicalContract(v2);
    const result = compareContracts(client, server, "client");
    const m = byKey(result.messages);
    expect(result.nameMatches).toBe(true);
    expect(result.compatible).toBe(false);
    expect(m["client.events.say"]?.status).toBe("incompatible");
    expect(m["client.events.say"]?.flows[0]?.reasons).toEqual([
      { path: "text", message: "maximum length lowered from 100 to 50" },
    ]);
    expect(m["client.events.bye"]?.status).toBe("unknown-to-receiver");
    expect(m["client.events.wave"]?.status).toBe("never-sent");
    // The new server's output (number) goes to an old client that expects an integer.
    expect(m["client.requests.join"]?.status).toBe("incompatible");
    expect(m["client.requests.join"]?.flows.map((f) => [f.flow, f.from, f.compatible])).toEqual([
      ["input", "client", true],
      ["output", "server", false],
    ]);
    expect(m["server.events.greeting"]?.status).toBe("compatible");
    expect(m["server.events.news"]?.status).toBe("unknown-to-receiver");
    expect(m.credentials?.status).toBe("compatible");
  });

  it("marks identical messages", () => {
    const form = canonicalContract(v1);
    const result = compareContracts(form, form, "server");
    expect(result.compatible).toBe(true);
    expect(result.messages.every((m) => m.identical && m.status === "compatible")).toBe(true);
  });

  it("checks credentials from the client to the server", () => {
    const none = canonicalContract({ name: "chat" });
    const needs = canonicalContract({ name: "chat", credentials: z.object({ token: z.string() }) });
    expect(byKey(compareContracts(needs, none, "client").messages).credentials?.status).toBe(
      "compatible",
    );
    expect(byKey(compareContracts(none, needs, "client").messages).credentials?.status).toBe(
      "incompatible",
    );
  });

  it("agrees on both peers for the chat contracts", () => {
    const a = canonicalContract(v1);
    const b = canonicalContract(v2);
    expect(compareContracts(a, b, "client")).toEqual(compareContracts(b, a, "server"));
    expect(compareContracts(b, a, "client")).toEqual(compareContracts(a, b, "server"));
  });

  test.prop([eDescArb, planArb, eDescArb], { numRuns: 200 })(
    "agrees on both peers for random contracts",
    (event, plan, request) => {
      const one: ContractSchema = {
        name: "x",
        client: {
          events: { e: schemaOfE(event) },
          requests: { r: { input: schemaOfE(request), output: schemaOfE(event) } },
        },
        server: { events: { s: schemaOfE(request) } },
      };
      const two: ContractSchema = {
        name: "x",
        client: { events: { e: schemaOfE(mutate(event, plan)) } },
        server: {
          events: { s: schemaOfE(mutate(request, plan)) },
          requests: { q: { input: z.string(), output: z.string() } },
        },
      };
      const a = canonicalContract(one);
      const b = canonicalContract(two);
      expect(compareContracts(a, b, "client")).toEqual(compareContracts(b, a, "server"));
    },
  );

  it("refuses a bad side or a malformed form", () => {
    const form = canonicalContract(v1);
    expect(() => compareContracts(form, form, "peer" as never)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
    expect(() => compareContracts(form, { ...form, form: 2 }, "client")).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
  });

  it("checks a received form in bounded time, whatever its size", () => {
    let deep: unknown = { type: "string" };
    for (let i = 0; i < 300; i++) deep = { type: "array", items: deep };
    const form = canonicalContract(v1);
    const hostile = { ...form, client: { ...form.client, events: { say: deep } } };
    expect(() => compareContracts(form, hostile as never, "server")).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
  });
});

describe("compareContracts with streams", () => {
  const base = (streams: ContractSchema["client"]): ContractSchema => ({
    name: "logs",
    client: streams,
  });
  const tail = (item: z.ZodType, extra: object = {}) =>
    base({ streams: { tail: { input: z.object({ file: z.string() }), item, ...extra } } });
  const verdict = (client: ContractSchema, server: ContractSchema) =>
    byKey(
      compareContracts(canonicalContract(client), canonicalContract(server), "client").messages,
    )["client.streams.tail"];

  it("checks input from the opener, items and the result from the responder", () => {
    const old = tail(z.object({ line: z.string() }), { result: z.object({ lines: z.int() }) });
    // The server adds an optional field to its items: an old opener still reads them.
    const newer = tail(z.object({ line: z.string(), at: z.number().optional() }), {
      result: z.object({ lines: z.int() }),
    });
    expect(verdict(old, newer)?.status).toBe("compatible");
    expect(verdict(old, newer)?.flows.map((f) => `${f.flow}:${f.from}`)).toEqual([
      "input:client",
      "item:server",
      "result:server",
    ]);
    // Items that grow a required field the old responder never writes cannot be read.
    const stricter = tail(z.object({ line: z.string(), at: z.number() }), {
      result: z.object({ lines: z.int() }),
    });
    const broken = verdict(stricter, old);
    expect(broken?.status).toBe("incompatible");
    expect(broken?.flows.find((f) => !f.compatible)?.flow).toBe("item");
  });

  it("items one side does not declare: none flow, or they cannot be read", () => {
    const both = tail(z.string(), { send: z.string() });
    const itemsOnly = tail(z.string());
    // The opener would send items the responder has no schema for.
    expect(verdict(both, itemsOnly)?.flows.find((f) => f.flow === "send")?.compatible).toBe(false);
    // The responder declares `send`, this opener never sends: nothing flows, compatible.
    expect(verdict(itemsOnly, both)?.status).toBe("compatible");
    // A result the opener does not expect is compared with the undefined value.
    expect(verdict(itemsOnly, tail(z.string(), { result: z.int() }))?.status).toBe("incompatible");
  });

  it("a stream only one side knows is handled like any message", () => {
    const none = base({ events: { ping: z.undefined() } });
    const m = verdict(tail(z.string()), none);
    expect(m?.status).toBe("unknown-to-receiver");
  });
});
