import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type ContractSchema,
  canonicalContract,
  checkSnapshot,
  formatSnapshotJson,
  formatSnapshotReport,
} from "../../src/index.js";

// The CI check: a snapshot of the released contract form against the current one, for old
// clients with a new server and new clients with an old server.

const released: ContractSchema = {
  name: "chat",
  client: {
    events: { say: z.object({ text: z.string().max(1000) }), bye: z.undefined() },
    requests: {
      join: { input: z.object({ room: z.string() }), output: z.object({ members: z.int() }) },
    },
  },
  server: { events: { greeting: z.object({ text: z.string() }) } },
};

const current: ContractSchema = {
  name: "chat",
  client: {
    events: {
      say: z.object({ text: z.string().max(500) }),
      wave: z.object({ emoji: z.string().optional() }),
    },
    requests: {
      join: {
        input: z.object({ room: z.string(), invite: z.string().optional() }),
        output: z.object({ members: z.int() }),
      },
    },
  },
  server: {
    events: { greeting: z.object({ text: z.string(), lang: z.enum(["en", "zh"]).default("en") }) },
  },
};

describe("checkSnapshot", () => {
  const report = checkSnapshot(canonicalContract(released), canonicalContract(current));
  const entry = (key: string) => report.messages.find((m) => m.key === key);

  it("classifies every message and finds the breaking ones", () => {
    expect(report.breaking).toBe(true);
    expect(report.messages.map((m) => [m.key, m.change, m.breaking])).toEqual([
      ["client.events.bye", "removed", true],
      ["client.events.say", "changed", true],
      ["client.events.wave", "added", false],
      ["client.requests.join", "changed", false],
      ["server.events.greeting", "changed", false],
    ]);
    expect(entry("client.events.say")?.oldClientNewServer?.status).toBe("incompatible");
    expect(entry("client.events.say")?.newClientOldServer?.status).toBe("compatible");
    expect(entry("client.events.bye")?.oldClientNewServer?.status).toBe("unknown-to-receiver");
    expect(entry("client.events.wave")?.newClientOldServer?.status).toBe("unknown-to-receiver");
  });

  it("formats one line per changed message with both skews, then a summary", () => {
    expect(formatSnapshotReport(report).split("\n")).toEqual([
      "client.events.bye: removed, BREAKING; old client -> new server: BREAKING, the server does not know it; new client -> old server: never sent",
      "client.events.say: changed, BREAKING; old client -> new server: BREAKING, text: maximum length lowered from 1000 to 500; new client -> old server: compatible",
      "client.events.wave: added; old client -> new server: never sent; new client -> old server: disabled, the server does not know it",
      "client.requests.join: changed, compatible; old client -> new server: compatible; new client -> old server: compatible",
      "server.events.greeting: changed, compatible; old client -> new server: compatible; new client -> old server: compatible",
      "2 breaking of 5 changed messages",
    ]);
    const unchanged = checkSnapshot(canonicalContract(released), canonicalContract(released));
    expect(unchanged.breaking).toBe(false);
    expect(formatSnapshotReport(unchanged)).toBe("0 breaking of 0 changed messages");
    expect(formatSnapshotReport(unchanged, { all: true }).split("\n")).toHaveLength(5);
  });

  it("has a JSON form that is the report itself", () => {
    expect(JSON.parse(formatSnapshotJson(report))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it("reports a renamed contract as breaking", () => {
    const renamed = checkSnapshot(
      canonicalContract(released),
      canonicalContract({ ...released, name: "chat2" }),
    );
    expect(renamed.breaking).toBe(true);
    expect(formatSnapshotReport(renamed)).toContain("contract name: changed from chat to chat2");
  });
});
