import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

// What a misspelt message name looks like to the person who typed it: the compiler's own words,
// from the repository's tsc, on a project of calls that each misspell one name.
const TSC = path.join(
  path.dirname(createRequire(import.meta.url).resolve("typescript/package.json")),
  "bin",
  "tsc",
);
const PROJECT = fileURLToPath(new URL("types-misspelt", import.meta.url));
const FIXTURE = "misspelt-names.ts";

/** tsc's diagnostics by `file:line`, each as `TSxxxx: message` plus its indented detail lines. */
function diagnostics(output: string): Map<string, string[]> {
  const byLine = new Map<string, string[]>();
  let last: string[] | undefined;
  let index = 0;
  for (const line of output.split("\n")) {
    const head = /^(.+)\((\d+),\d+\): error (TS\d+: .*)$/.exec(line);
    if (head) {
      const key = `${head[1]}:${head[2]}`;
      last = byLine.get(key) ?? [];
      byLine.set(key, last);
      index = last.push(sortUnion(head[3] ?? "")) - 1;
    } else if (line.trim() !== "" && last) {
      last[index] += `\n${line}`;
    }
  }
  return byLine;
}

/** The message with the union of names it quotes in sorted order (the compiler picks its own). */
function sortUnion(message: string): string {
  return message.replace(/parameter of type '("[^']*")'/, (_, union: string) => {
    const names = union.split(" | ").sort();
    return `parameter of type '${names.join(" | ")}'`;
  });
}

describe("a misspelt message name", () => {
  test("is one error per call, naming the valid names, never the contract's type", () => {
    const run = spawnSync(process.execPath, [TSC, "-p", ".", "--pretty", "false"], {
      cwd: PROJECT,
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    const expected = new Map<string, unknown[]>();
    readFileSync(path.join(PROJECT, FIXTURE), "utf8")
      .split("\n")
      .forEach((line, i) => {
        const valid = /\/\/ valid: (.+)$/.exec(line)?.[1];
        if (valid === undefined) return;
        const names = valid.split(" | ").sort().join(" \\| ");
        const message = `^TS2345: Argument of type '"\\w+"' is not assignable to parameter of type '${names}'\\.$`;
        expected.set(`${FIXTURE}:${i + 1}`, [expect.stringMatching(new RegExp(message))]);
      });
    expect(expected.size).toBeGreaterThan(10); // the markers were found
    expect(diagnostics(run.stdout)).toEqual(expected);
    expect(run.stdout).not.toContain("Contract<");
  });
});
