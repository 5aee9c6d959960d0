import { describe, expect, test } from "vitest";
import { z } from "zod";
import {
  type ContractSchema,
  canonicalJson,
  contractFingerprint,
  defineContract,
} from "../src/index.js";

const base = (): ContractSchema => ({
  name: "chat",
  client: {
    events: { say: z.object({ text: z.string().max(1000), seq: z.number().int() }) },
    requests: {
      join: { input: z.object({ room: z.string() }), output: z.object({ members: z.number() }) },
    },
  },
  server: { events: { greeting: z.object({ text: z.string() }) } },
});

describe("canonicalJson", () => {
  test("sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe("contractFingerprint", () => {
  test("is 32 hex chars and equals defineContract's", () => {
    const fingerprint = contractFingerprint(base());
    expect(fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(defineContract(base()).fingerprint).toBe(fingerprint);
  });

  test("is pinned for a known contract (a change here breaks every deployed peer)", () => {
    expect(contractFingerprint(base())).toBe("9f243b5a76b197740b1964ee527ab733");
  });

  test("is stable across key order: fields, messages and directions", () => {
    const reordered: ContractSchema = {
      server: { events: { greeting: z.object({ text: z.string() }) } },
      client: {
        requests: {
          join: {
            output: z.object({ members: z.number() }),
            input: z.object({ room: z.string() }),
          },
        },
        events: { say: z.object({ seq: z.number().int(), text: z.string().max(1000) }) },
      },
      name: "chat",
    };
    expect(contractFingerprint(reordered)).toBe(contractFingerprint(base()));
  });

  test("an empty direction equals an absent one", () => {
    const a = contractFingerprint({ name: "x", client: { events: { e: z.string() } } });
    const b = contractFingerprint({
      name: "x",
      client: { events: { e: z.string() }, requests: {} },
      server: {},
    });
    expect(a).toBe(b);
  });

  test("changes when anything a peer relies on changes", () => {
    const original = contractFingerprint(base());
    const variants: ((s: ContractSchema) => void)[] = [
      (s) => {
        s.name = "chat2";
      },
      (s) => {
        (s.client?.events as Record<string, z.ZodType>).say = z.object({
          text: z.string().max(999),
          seq: z.number().int(),
        });
      },
      (s) => {
        (s.client?.events as Record<string, z.ZodType>).say = z.object({
          text: z.string().max(1000),
          seq: z.number(),
        });
      },
      (s) => {
        (s.client?.events as Record<string, z.ZodType>).say = z.object({
          text: z.string().max(1000),
          seq: z.number().int().optional(),
        });
      },
      (s) => {
        (s.client?.events as Record<string, z.ZodType>).shout = z.string();
      },
      (s) => {
        const events = s.client?.events as Record<string, z.ZodType>;
        events.speak = events.say as z.ZodType;
        delete events.say;
      },
      (s) => {
        s.credentials = z.object({ token: z.string() });
      },
      (s) => {
        // The same event moved to the other direction.
        s.server = {
          events: { greeting: z.object({ text: z.string() }), say: z.object({ text: z.string() }) },
        };
      },
    ];
    const seen = new Set([original]);
    for (const change of variants) {
      const schema = base();
      change(schema);
      const fingerprint = contractFingerprint(schema);
      expect(seen.has(fingerprint)).toBe(false);
      seen.add(fingerprint);
    }
  });
});
