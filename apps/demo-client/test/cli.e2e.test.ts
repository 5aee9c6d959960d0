import { helpColumns, startApp, stopAllApps } from "demo-contract/testing";
import { afterEach, describe, expect, test } from "vitest";

afterEach(stopAllApps);

describe("demo-client command line", () => {
  test("--help prints every option with its default and exits 0", async () => {
    const client = startApp("demo-client", ["--help"]);
    expect(await client.waitForExit()).toEqual({ code: 0, signal: null });
    const help = client.stdout.join("\n");
    for (const text of [
      "--host",
      "--port",
      "--lang",
      "--wire",
      "--count",
      "--interval",
      "(default 10)",
      "(default 1000)",
    ]) {
      expect(help).toContain(text);
    }
    // Descriptions start in one column, and so do the defaults.
    const { descriptions, defaults } = helpColumns(client.stdout);
    expect(descriptions).toHaveLength(1);
    expect(defaults).toHaveLength(1);
  });

  test.each([
    ["a negative count", ["--count", "-1"], /--count/],
    ["an interval that is not a number", ["--interval", "1s"], /--interval/],
    ["port 0", ["--port", "0"], /--port/],
    ["an unknown wire", ["--wire", "tcp"], /--wire/],
    ["a stray argument", ["go"], /argument/],
  ])("%s: a clear message and exit status 2", async (_name, args, message) => {
    const client = startApp("demo-client", args);
    expect(await client.waitForExit()).toEqual({ code: 2, signal: null });
    expect(client.stdout).toEqual([]);
    expect(client.stderr.join("\n")).toMatch(message);
  });
});
