import { defineContract, ErrorCode } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { startServer } from "./helpers/harness.js";
import { until } from "./helpers/wait.js";

// The server's side of streams (PROTOCOL.md 8.7) that the client's integration tests do not
// reach: registration, and a client that speaks a protocol before streams (1.1).

const logs = defineContract({
  name: "server-streams",
  client: { streams: { tail: { input: z.undefined(), item: z.string() } } },
  server: { streams: { probe: { input: z.undefined(), item: z.string() } } },
});

describe("streams on the server", () => {
  test("a handler for a stream the contract does not declare, or a second one, is refused", async () => {
    const run = await startServer(logs);
    const handler = async function* () {
      yield "line";
    };
    run.server.handleStream("tail", handler);
    expect(() => run.server.handleStream("tail", handler)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
    expect(() => run.server.handleStream("probe" as never, handler as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });

  test("a 1.1 client connects as before; a stream to it is refused at the call, nothing sent", async () => {
    const run = await startServer(logs);
    const client = await run.client({ hello: { protocol: { major: 1, minor: 1 } } });
    await until(() => run.opened.length === 1, "open");
    const conn = run.opened[0];
    const sentBefore = conn?.stats().messagesOut;
    expect(() => conn?.stream("probe", undefined)).toThrow(
      expect.objectContaining({ code: ErrorCode.STREAMS_UNSUPPORTED }),
    );
    expect(conn?.stats().messagesOut).toBe(sentBefore);
    expect(client.session.state).toBe("open");
  });
});
