import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ALL_ERROR_CODES, ErrorCode } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { REDIS_ADAPTER_DEFAULTS } from "../src/index.js";
import { TS_EXEC_ARGV } from "./helpers/node-process.js";
import { SKIP_WITHOUT_REDIS } from "./helpers/redis-server.js";
import { within } from "./helpers/wait.js";

const root = new URL("../", import.meta.url);
const readme = readFileSync(new URL("README.md", root), "utf8");
/** Table rows of a `## heading` section that start with a code span. */
const rows = (heading: string) => {
  const section = readme.split(/^## /m).find((s) => s.startsWith(heading)) ?? "";
  return section.split("\n").filter((line) => line.startsWith("| `"));
};

describe("README", () => {
  test("the example shown is examples/chat-node.ts", () => {
    const source = readFileSync(new URL("examples/chat-node.ts", root), "utf8").trim();
    expect(readme).toContain(`\`\`\`ts\n${source}\n\`\`\``);
  });

  test("every option has a row with its default", () => {
    const table = rows("Options");
    for (const [name, value] of Object.entries(REDIS_ADAPTER_DEFAULTS)) {
      const row = table.find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, `row for ${name}`).toBeDefined();
      expect(row?.split("|")[2], `default of ${name}`).toContain(`\`${String(value)}\``);
    }
    expect(table.some((line) => line.startsWith("| `redis` |"))).toBe(true);
  });

  test("the errors table lists the codes this package surfaces, and only real codes", () => {
    const codes = rows("Errors").map((line) => line.split("`")[1]);
    expect(codes.sort()).toEqual([ErrorCode.ADAPTER, ErrorCode.INVALID_ARGUMENT].sort());
    for (const [code] of readme.matchAll(/ERR_[A-Z_]+/g)) {
      expect(ALL_ERROR_CODES as readonly string[]).toContain(code);
    }
  });

  test("every operation an ERR_ADAPTER can name is documented", () => {
    const sources = ["adapter", "link", "membership", "publisher", "queries", "envelope"]
      .map((f) => readFileSync(new URL(`src/${f}.ts`, root), "utf8"))
      .join("\n");
    const operations = new Set<string>();
    for (const [, expression] of sources.matchAll(/operation: ([^}]*)\}/g)) {
      for (const [, name] of (expression ?? "").matchAll(/"([a-z]+)"/g))
        operations.add(name as string);
    }
    expect(operations.size).toBeGreaterThanOrEqual(7);
    const errorsRow = rows("Errors").find((line) => line.startsWith(`| \`${ErrorCode.ADAPTER}\``));
    for (const operation of operations)
      expect(errorsRow, String(operation)).toContain(`\`${operation}\``);
  });

  test.skipIf(SKIP_WITHOUT_REDIS)(
    "the cluster demo runs: Redis, three node processes, clients; a broadcast crosses instances",
    async () => {
      const script = fileURLToPath(new URL("examples/cluster.ts", root));
      const child = spawn(process.execPath, [...TS_EXEC_ARGV, script], {
        cwd: fileURLToPath(root),
        env: { ...process.env, REDIS_URL: undefined },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
      };
      child.stdout.on("data", collect);
      child.stderr.on("data", collect);
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      try {
        expect(await within(exited, "cluster demo exit", 40_000), output).toBe(0);
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      for (const [user, node, members] of [
        ["ada", "A", 1],
        ["bob", "B", 2],
        ["cy", "C", 3],
        ["dee", "C", 4],
      ] as const) {
        expect(output).toMatch(
          new RegExp(`${user} joined lobby on ${node} as [\\w-]+\\.\\w+: ${members} member`),
        );
        expect(output).toContain(`${user} (on ${node}) got: lobby ada@A: hello from A\n`);
      }
      expect(output).toContain("dee (on C) got: (whisper) bob@B: psst, dee\n");
      expect(output.match(/psst/g)).toHaveLength(1);
      expect(output).not.toContain("!");
      expect(output).toMatch(/all stopped\n$/);
    },
    60_000,
  );
});
