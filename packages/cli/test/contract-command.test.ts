import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { ExitCode } from "../src/index.js";

// `sockwire contract check|write` run as a user runs them: the bin in a child process, on contract
// modules written in TypeScript, with its stdout, stderr and exit code checked.

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "sockwire-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the bin from source (the built one is exercised by the package's end-to-end tests). */
function sockwire(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--conditions=@sockwire/source", "--import", "tsx", "src/bin.ts", ...args],
      { cwd: packageDir, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const v1 = "test/fixtures/jobs-v1.ts";
const snapshot = join(dir, "jobs.snapshot.json");

describe("contract write, then check", () => {
  test("write stores the canonical form; the same contract checks clean", async () => {
    const written = await sockwire("contract", "write", v1, "--snapshot", snapshot);
    expect(written.code).toBe(ExitCode.OK);
    expect(written.stderr).toMatch(
      /^wrote .*jobs\.snapshot\.json \(contract jobs, digest [0-9a-f]{32}\)/,
    );
    const form = JSON.parse(readFileSync(snapshot, "utf8")) as { form: number; name: string };
    expect(form).toMatchObject({ form: 1, name: "jobs" });
    const checked = await sockwire("contract", "check", v1, "--snapshot", snapshot);
    expect(checked).toMatchObject({
      code: ExitCode.OK,
      stdout: "0 breaking of 0 changed messages\n",
    });
  });

  test("safe changes pass, each direction named", async () => {
    const run = await sockwire(
      "contract",
      "check",
      "test/fixtures/jobs-v2-safe.ts",
      "--snapshot",
      snapshot,
    );
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stdout.trim().split("\n")).toEqual([
      "client.requests.run: changed, compatible; old client -> new server: compatible; new client -> old server: compatible",
      "server.events.progress: added; old client -> new server: disabled, the client does not know it; new client -> old server: never sent",
      "0 breaking of 2 changed messages",
    ]);
  });

  test("a breaking change exits 1 and says why", async () => {
    const run = await sockwire(
      "contract",
      "check",
      "test/fixtures/jobs-v2-breaking.ts",
      "--snapshot",
      snapshot,
    );
    expect(run.code).toBe(ExitCode.BREAKING);
    expect(run.stdout).toContain(
      "client.requests.run: changed, BREAKING; old client -> new server: BREAKING, input",
    );
    expect(run.stdout).toContain("priority");
    expect(run.stdout.trim().split("\n").at(-1)).toBe("2 breaking of 2 changed messages");
  });

  test("--json prints the report as JSON", async () => {
    const run = await sockwire(
      "contract",
      "check",
      "test/fixtures/jobs-v2-breaking.ts",
      "--snapshot",
      snapshot,
      "--json",
    );
    expect(run.code).toBe(ExitCode.BREAKING);
    const report = JSON.parse(run.stdout) as { breaking: boolean; messages: { key: string }[] };
    expect(report.breaking).toBe(true);
    expect(report.messages.map((m) => m.key)).toContain("client.requests.run");
  });

  test("#name picks one export of several", async () => {
    const many = await sockwire(
      "contract",
      "check",
      "test/fixtures/two-contracts.ts",
      "--snapshot",
      snapshot,
    );
    expect(many.code).toBe(ExitCode.INPUT);
    expect(many.stderr).toContain("exports several contracts (jobs, next)");
    const picked = await sockwire(
      "contract",
      "check",
      "test/fixtures/two-contracts.ts#jobs",
      "--snapshot",
      snapshot,
    );
    expect(picked.code).toBe(ExitCode.OK);
  });
});

describe("inputs that cannot be used exit 3", () => {
  test.each([
    ["a missing snapshot", [v1, "--snapshot", join(dir, "none.json")], "no snapshot at"],
    [
      "a missing module",
      ["test/fixtures/nowhere.ts", "--snapshot", snapshot],
      "no contract module at",
    ],
    [
      "a module without a contract",
      ["test/fixtures/no-contract.ts", "--snapshot", snapshot],
      "exports no contract",
    ],
    ["an unknown export", [`${v1}#other`, "--snapshot", snapshot], "no contract exported as other"],
  ])("%s", async (_what, args, message) => {
    const run = await sockwire("contract", "check", ...args);
    expect(run.code).toBe(ExitCode.INPUT);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe("");
  });

  test("a snapshot that is not a contract form", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"form":2}');
    const run = await sockwire("contract", "check", v1, "--snapshot", bad);
    expect(run.code).toBe(ExitCode.INPUT);
    expect(run.stderr).toContain("is not a contract snapshot");
  });
});

describe("the command line", () => {
  test.each([
    [["contract", "check", v1]],
    [["contract", "publish", v1, "--snapshot", snapshot]],
    [["contract", "check", "--snapshot", snapshot]],
    [["contract", "check", v1, "--snapshot", snapshot, "--colour"]],
    [["frobnicate"]],
  ])("%j is a usage error", async (args) => {
    const run = await sockwire(...args);
    expect(run.code).toBe(ExitCode.USAGE);
    expect(run.stderr).toContain("sockwire --help");
  });

  test("--help lists the commands and the exit codes", async () => {
    const top = await sockwire("--help");
    expect(top.code).toBe(ExitCode.OK);
    expect(top.stdout).toContain("contract check");
    const help = await sockwire("contract", "--help");
    expect(help.code).toBe(ExitCode.OK);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /);
  });
});
