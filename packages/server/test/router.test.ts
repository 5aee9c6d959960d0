import { ErrorCode, type SockwireError } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import type { ServerConnection } from "../src/index.js";
import { Router, type StoredEventHandler } from "../src/router.js";
import { testContract } from "./helpers/contract.js";
import { until } from "./helpers/wait.js";

// The router never looks inside a connection, so a stand-in object is enough here.
const conn = { id: "c1" } as unknown as ServerConnection;

function recorder() {
  const reports: Array<{ code: string; conn: unknown }> = [];
  const report = (error: SockwireError, from: unknown) =>
    void reports.push({ code: error.code, conn: from });
  return { reports, report };
}

const invalid = expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT });

describe("registration", () => {
  test("names are checked against the contract, and handlers must be functions", () => {
    const router = new Router(testContract);
    expect(() => router.on("nope", () => undefined, false)).toThrow(invalid);
    expect(() => router.on("echo", () => undefined, false)).toThrow(invalid);
    expect(() => router.on("say", "x" as never, false)).toThrow(invalid);
    expect(() => router.handle("say", () => undefined)).toThrow(invalid);
    expect(() => router.handle("echo", 1 as never)).toThrow(invalid);
  });

  test("a request takes one handler; a second one is a wiring mistake", () => {
    const router = new Router(testContract);
    router.handle("echo", (input) => input);
    expect(() => router.handle("echo", (input) => input)).toThrow(invalid);
  });
});

describe("dispatchEvent", () => {
  test("handlers run in order with the data and the connection; once-handlers run once", () => {
    const router = new Router(testContract);
    const { reports, report } = recorder();
    const calls: string[] = [];
    router.on(
      "say",
      (data, from) => void calls.push(`a ${JSON.stringify(data)} ${from.id}`),
      false,
    );
    router.on("say", () => void calls.push("once"), true);
    expect(router.dispatchEvent("say", { text: "1" }, conn, report)).toBeUndefined();
    router.dispatchEvent("say", { text: "2" }, conn, report);
    expect(calls).toEqual(['a {"text":"1"} c1', "once", 'a {"text":"2"} c1']);
    expect(reports).toEqual([]);
  });

  test("off removes one handler, or all of the event", () => {
    const router = new Router(testContract);
    const { reports, report } = recorder();
    const calls: string[] = [];
    const a: StoredEventHandler = () => void calls.push("a");
    router.on("say", a, false);
    router.on("say", () => void calls.push("b"), false);
    router.off("say", a);
    router.dispatchEvent("say", {}, conn, report);
    router.off("say");
    router.dispatchEvent("say", {}, conn, report);
    expect(calls).toEqual(["b"]);
    expect(reports.map((r) => r.code)).toEqual([ErrorCode.HANDLER_NOT_FOUND]);
  });

  test("handlers added or removed during a dispatch take effect from the next one", () => {
    const router = new Router(testContract);
    const { report } = recorder();
    const calls: string[] = [];
    const second: StoredEventHandler = () => void calls.push("second");
    router.on(
      "say",
      () => {
        calls.push("first");
        router.off("say", second);
        router.on("say", () => void calls.push("added"), false);
      },
      true,
    );
    router.on("say", second, false);
    router.dispatchEvent("say", {}, conn, report);
    router.dispatchEvent("say", {}, conn, report);
    expect(calls).toEqual(["first", "second", "added"]);
  });

  test("an event without handlers is reported as ERR_HANDLER_NOT_FOUND with the connection", () => {
    const router = new Router(testContract);
    const { reports, report } = recorder();
    expect(router.dispatchEvent("note", { n: 1 }, conn, report)).toBeUndefined();
    expect(reports).toEqual([{ code: ErrorCode.HANDLER_NOT_FOUND, conn }]);
  });

  test("throwing and rejecting handlers are reported; the others still run", async () => {
    const router = new Router(testContract);
    const { reports, report } = recorder();
    let after = 0;
    router.on(
      "say",
      () => {
        throw new Error("sync");
      },
      false,
    );
    router.on("say", () => Promise.reject(new Error("async")), false);
    router.on("say", () => void after++, false);
    const pending = router.dispatchEvent("say", {}, conn, report);
    expect(after).toBe(1);
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    await until(() => reports.length === 2, "both reports");
    expect(reports).toEqual([
      { code: ErrorCode.HANDLER_FAILED, conn },
      { code: ErrorCode.HANDLER_FAILED, conn },
    ]);
  });

  test("the returned promise settles when every async handler has", async () => {
    const router = new Router(testContract);
    const { report } = recorder();
    const releases: Array<() => void> = [];
    const slow = () => new Promise<void>((resolve) => releases.push(resolve));
    router.on("say", slow, false);
    router.on("say", slow, false);
    let settled = false;
    void router.dispatchEvent("say", {}, conn, report)?.then(() => {
      settled = true;
    });
    releases[0]?.();
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(false);
    releases[1]?.();
    await until(() => settled, "settled");
  });
});

describe("dispatchRequest", () => {
  test("the handler gets the input, the connection and { id, signal }, and its result is returned", () => {
    const router = new Router(testContract);
    const controller = new AbortController();
    let signalReads = 0;
    const request = {
      id: 7,
      get signal() {
        signalReads++;
        return controller.signal;
      },
    };
    router.handle("echo", (input, from, ctx) => ({ input, from: from.id, id: ctx.id }));
    expect(router.dispatchRequest("echo", { text: "x" }, conn, request)).toEqual({
      input: { text: "x" },
      from: "c1",
      id: 7,
    });
    // The signal is read from the session's request only when a handler asks for it.
    expect(signalReads).toBe(0);
    let seen: AbortSignal | undefined;
    router.handle("hang", (_input, _from, ctx) => {
      seen = ctx.signal;
      return {};
    });
    router.dispatchRequest("hang", {}, conn, request);
    expect(seen).toBe(controller.signal);
    expect(signalReads).toBe(1);
  });

  test("a request without a handler throws ERR_HANDLER_NOT_FOUND", () => {
    const router = new Router(testContract);
    expect(() =>
      router.dispatchRequest("missing", {}, conn, { id: 1, signal: new AbortController().signal }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.HANDLER_NOT_FOUND }));
  });
});
