import { readFileSync } from "node:fs";
import { ALL_ERROR_CODES } from "@sockwire/protocol";
import { describe, expect, test } from "vitest";
import { type CliIo, EXIT_CODE_MEANINGS, ExitCode, runCli } from "../src/index.js";

// The README and each command's --help say the same things: every command, every option, every
// exit code; and every --help has usage, examples and the exit codes it can end with.

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const COMMANDS = ["describe", "call", "emit", "tail", "bench", "contract"];

async function help(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const write = (text: string) => {
    out += text;
  };
  const io: CliIo = { out: write, err: write, cwd: "." };
  return { code: await runCli(argv, io), out };
}

describe("--help", () => {
  test.each(COMMANDS)(
    "%s --help: usage, examples, exit codes, and every option in the README",
    async (command) => {
      const { code, out } = await help(command, "--help");
      expect(code).toBe(ExitCode.OK);
      expect(out).toMatch(/^sockwire \w+: /);
      expect(out).toContain("Usage:");
      expect(out).toContain("Examples:");
      expect(out).toMatch(/Exit codes:\n {2}0 {3}done/);
      for (const [option] of out.matchAll(/--[a-z][a-z-]+/g)) {
        expect(readme, `${option} of ${command}`).toContain(`\`${option}`);
      }
      expect(readme).toContain(`### \`sockwire ${command}`);
    },
  );

  test("sockwire --help lists every command and every exit code", async () => {
    const { code, out } = await help("--help");
    expect(code).toBe(ExitCode.OK);
    for (const command of COMMANDS) expect(out).toContain(`sockwire ${command}`);
    for (const value of Object.values(ExitCode))
      expect(out).toMatch(
        new RegExp(`^ {2}${value} +${EXIT_CODE_MEANINGS[value].slice(0, 10)}`, "m"),
      );
    expect((await help()).code).toBe(ExitCode.USAGE);
    expect((await help("frobnicate")).code).toBe(ExitCode.USAGE);
  });
});

describe("README", () => {
  test("the exit code table has a row for every exit code, and no other", () => {
    const section = readme.slice(
      readme.indexOf("## Exit codes"),
      readme.indexOf("\n## ", readme.indexOf("## Exit codes") + 1),
    );
    const rows = [...section.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => Number(m[1]));
    expect(rows.sort((a, b) => a - b)).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
  });

  test("every ERR_ code it names exists", () => {
    for (const [code] of readme.matchAll(/ERR_[A-Z_]+/g))
      expect(ALL_ERROR_CODES as readonly string[]).toContain(code);
  });
});
