import { canonicalContract, defineContract } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { contractText, findMessages, messageJson } from "../src/describe/contract-view.js";

// How `sockwire describe` shows streams: a section per side that opens them, each stream with the
// parts it declares; `--json` gives its form with the opener.

const logs = canonicalContract(
  defineContract({
    name: "logs",
    client: {
      streams: {
        tail: { input: z.object({ service: z.string() }), item: z.object({ line: z.string() }) },
        upload: { input: z.undefined(), send: z.string(), result: z.object({ bytes: z.int() }) },
      },
    },
    server: { streams: { probe: { input: z.undefined(), item: z.string() } } },
  }),
);

describe("streams in describe", () => {
  test("the text has a section per opener, each stream with what it declares", () => {
    const text = contractText(logs);
    expect(text).toContain(
      [
        "client streams (the client opens them)",
        "  tail(input: { service: string }): stream of { line: string }",
        "  upload(): sends string, returns { bytes: number /* int */ }",
      ].join("\n"),
    );
    expect(text).toContain(
      "server streams (the server opens them on the client)\n  probe(): stream of string",
    );
  });

  test("a stream found by name, as JSON with its opener and parts", () => {
    const [found] = findMessages(logs, "tail");
    expect(found?.key).toBe("client.streams.tail");
    expect(messageJson(found as never)).toMatchObject({
      key: "client.streams.tail",
      kind: "stream",
      opener: "client",
      input: { type: "object" },
      item: { type: "object" },
    });
  });
});
