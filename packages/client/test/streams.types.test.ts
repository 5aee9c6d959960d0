// Type tests for streams: `tsc` (the package's typecheck) checks every expectTypeOf and every
// `@ts-expect-error` below; the functions that hold them never run. The item, sent item, input
// and result types of a stream come from its schemas, on both ends, with nothing written twice.

import { defineContract, type StreamCall } from "@sockwire/protocol";
import type { ServerConnection, SockwireServer } from "@sockwire/server";
import { describe, expectTypeOf, test } from "vitest";
import { z } from "zod";
import type { SockwireClient } from "../src/index.js";

const logs = defineContract({
  name: "logs-types",
  client: {
    streams: {
      tail: {
        input: z.object({ service: z.string(), since: z.number().optional() }),
        item: z.object({ at: z.date().or(z.number()), line: z.string() }),
        result: z.object({ lines: z.number() }),
      },
      upload: { input: z.object({ file: z.string() }), send: z.string(), result: z.boolean() },
    },
  },
  server: { streams: { probe: { input: z.undefined(), item: z.array(z.string()) } } },
});
type L = typeof logs;
declare const client: SockwireClient<L>;
declare const server: SockwireServer<L>;
declare const conn: ServerConnection<L>;

describe("stream types", () => {
  test("are inferred from the contract on both ends", () => {
    expectTypeOf(inferred).toBeFunction();
  });

  async function inferred(): Promise<void> {
    const tail = client.stream("tail", { service: "api" });
    expectTypeOf(tail).toEqualTypeOf<
      StreamCall<{ at: Date | number; line: string }, { lines: number }>
    >();
    for await (const item of tail) expectTypeOf(item.line).toEqualTypeOf<string>();
    expectTypeOf(await tail.result).toEqualTypeOf<{ lines: number }>();

    // A client stream: its items are sent from an iterable of the `send` type.
    const upload = client.stream("upload", { file: "a" }, { send: ["chunk"] });
    expectTypeOf(await upload.result).toEqualTypeOf<boolean>();
    // @ts-expect-error numbers are not the `send` type
    client.stream("upload", { file: "a" }, { send: [1, 2] });
    // @ts-expect-error the input is checked too
    client.stream("tail", { service: 1 });
    // @ts-expect-error a stream the server opens is not the client's to open
    client.stream("probe", undefined);

    server.handleStream("tail", async function* (input, _conn, { signal }) {
      expectTypeOf(input).toEqualTypeOf<{ service: string; since?: number | undefined }>();
      expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
      yield { at: 1, line: "ready" };
      return { lines: 1 };
    });
    // @ts-expect-error an item of the wrong shape
    server.handleStream("tail", async function* () {
      yield { text: "nope" };
      return { lines: 0 };
    });
    // biome-ignore lint/correctness/useYield: a client stream's handler yields nothing; it returns the result.
    server.handleStream("upload", async function* (_input, _conn, { items }) {
      for await (const chunk of items) expectTypeOf(chunk).toEqualTypeOf<string>();
      return true;
    });

    // The server opens `probe`; the client serves it.
    for await (const dirs of conn.stream("probe", undefined)) {
      expectTypeOf(dirs).toEqualTypeOf<string[]>();
    }
    client.handleStream("probe", async function* () {
      yield ["a", "b"];
    });
  }
});
