import { beforeAll, describe, expect, test } from "vitest";
import { ExitCode } from "../../src/index.js";
import { ensureBuilt } from "../support/build.js";
import { startShop, TOKEN } from "../support/shop-server.js";
import { Sockwire, sockwire } from "../support/sockwire.js";

// `sockwire emit` and `sockwire tail` through the built bin: events from the command line and
// from NDJSON on stdin, the server's events as NDJSON, and how each ends: its input, --count,
// Ctrl+C, or the server going away.

const env = { SHOP_CREDENTIALS: JSON.stringify({ token: TOKEN }) };
const auth = ["--credentials-env", "SHOP_CREDENTIALS"];

beforeAll(ensureBuilt, 120_000);

/** Resolves once `test` holds, checking every 10 ms for at most 5 s. */
async function until(test: () => boolean, what: string): Promise<void> {
  for (const started = Date.now(); !test(); ) {
    if (Date.now() - started > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("sockwire emit", () => {
  test("one event from the command line, and one without a value", async () => {
    const shop = await startShop({ reflection: true });
    const run = await sockwire("emit", shop.address, "note", '{"text":"hello"}', ...auth, { env });
    expect(run).toMatchObject({ code: ExitCode.OK, stdout: "", stderr: "" });
    const ping = await sockwire("emit", shop.address, "ping", "--json", ...auth, { env });
    expect(ping).toMatchObject({ code: ExitCode.OK, stdout: '{"emitted":1}\n' });
    await until(() => shop.notes.length === 1 && shop.pings === 1, "both events");
    expect(shop.notes).toEqual([{ text: "hello" }]);
  });

  test("NDJSON on stdin: every line is an event, all flushed before exit", async () => {
    const shop = await startShop({ reflection: true });
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ text: `n${i}` }));
    const run = await sockwire("emit", shop.address, "note", "--json", ...auth, {
      env,
      stdin: `${lines.join("\n")}\n\n`,
    });
    expect(run).toMatchObject({ code: ExitCode.OK, stdout: '{"emitted":200}\n' });
    await until(() => shop.notes.length === 200, "200 notes");
    expect(shop.notes.at(-1)).toEqual({ text: "n199" });
  });

  test("an invalid line stops there (exit 7), naming the line and the field", async () => {
    const shop = await startShop({ reflection: true });
    const stdin = [
      '{"text":"a"}',
      '{"text":"b"}',
      '{"text":"c","tags":["x","y","z","w"]}',
      '{"text":"d"}',
    ].join("\n");
    const run = await sockwire("emit", shop.address, "note", ...auth, { env, stdin });
    expect(run.code).toBe(ExitCode.INVALID);
    expect(run.stderr).toContain("line 3 (event note) is not valid");
    expect(run.stderr).toMatch(/^ {2}at tags: /m);
    await until(() => shop.notes.length === 2, "the lines before it");
    const notJson = await sockwire("emit", shop.address, "note", ...auth, {
      env,
      stdin: "{nope\n",
    });
    expect(notJson.code).toBe(ExitCode.INVALID);
    expect(notJson.stderr).toContain("line 1 is not valid JSON");
  });

  test("Ctrl+C while waiting for lines: exit 130 after flushing what was sent", async () => {
    const shop = await startShop({ reflection: true });
    const run = new Sockwire(["emit", shop.address, "note", ...auth], { env });
    run.write('{"text":"first"}\n');
    await until(() => shop.notes.length === 1, "the first note");
    run.signal("SIGINT");
    const done = await run.done;
    expect(done.code).toBe(ExitCode.INTERRUPTED);
    expect(done.stderr).toContain("interrupted after 1 events");
  });
});

describe("sockwire tail", () => {
  test("prints the server's events as NDJSON until --count", async () => {
    const shop = await startShop({ reflection: true });
    const run = new Sockwire(["tail", shop.address, "--count", "3", ...auth], { env });
    await run.until(({ stdout }) => stdout.includes("stock"), "the greeting");
    for (const conn of shop.server.connections.values()) {
      await conn.emit("news", { headline: "open" });
      await conn.emit("stock", { item: "tea", left: 0 });
      await conn.emit("news", { headline: "late" });
    }
    const done = await run.done;
    expect(done.code).toBe(ExitCode.OK);
    expect(
      done.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { event: "stock", data: { item: "tea", left: 3 } },
      { event: "news", data: { headline: "open" } },
      { event: "stock", data: { item: "tea", left: 0 } },
    ]);
  });

  test("NAME... keeps only those events", async () => {
    const shop = await startShop({ reflection: true });
    const run = new Sockwire(["tail", shop.address, "news", "--count", "1", ...auth], { env });
    await until(() => shop.server.connections.size === 1, "the connection");
    for (const conn of shop.server.connections.values())
      await conn.emit("news", { headline: "only" });
    const done = await run.done;
    expect(done).toMatchObject({
      code: ExitCode.OK,
      stdout: '{"event":"news","data":{"headline":"only"}}\n',
    });
  });

  test("a server that goes away mid-tail: exit 9, what was printed kept", async () => {
    const shop = await startShop({ reflection: true });
    const run = new Sockwire(["tail", shop.address, ...auth], { env });
    await run.until(({ stdout }) => stdout.includes("stock"), "the greeting");
    await shop.server.close({ timeoutMs: 1000 });
    const done = await run.done;
    expect(done.code).toBe(ExitCode.LOST);
    expect(done.stdout).toBe('{"event":"stock","data":{"item":"tea","left":3}}\n');
    expect(done.stderr).toMatch(/^sockwire: ERR_CONNECTION_LOST: the server closed the connection/);
  });

  test("a connection reset mid-tail is a loss too", async () => {
    const shop = await startShop({ reflection: true });
    const run = new Sockwire(["tail", shop.address, ...auth], { env });
    await run.until(({ stdout }) => stdout.includes("stock"), "the greeting");
    for (const conn of shop.server.connections.values()) conn.destroy();
    expect((await run.done).code).toBe(ExitCode.LOST);
  });

  test("Ctrl+C: exit 130", async () => {
    const shop = await startShop({ reflection: true });
    const run = new Sockwire(["tail", shop.address, ...auth], { env });
    await run.until(({ stdout }) => stdout.includes("stock"), "the greeting");
    run.signal("SIGINT");
    const done = await run.done;
    expect(done.code).toBe(ExitCode.INTERRUPTED);
    expect(done.stderr).toContain("interrupted after 1 events");
    await until(() => shop.server.connections.size === 0, "a graceful close");
  });

  test("an event the server does not send: exit 7", async () => {
    const shop = await startShop({ reflection: true });
    const run = await sockwire("tail", shop.address, "note", ...auth, { env });
    expect(run.code).toBe(ExitCode.INVALID);
    expect(run.stderr).toContain("note is a client event: use sockwire emit");
  });
});
