import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

// Keeps the README's runnable example running: same command as `pnpm example`, checked output.
test("examples/chat.ts runs and prints what the README shows", async () => {
  const packageDir = fileURLToPath(new URL("..", import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--conditions=@sockwire/source", "examples/chat.ts"],
    { cwd: packageDir, timeout: 20_000 },
  );
  // A slow machine may need more than one reconnect attempt; each adds the same two lines.
  const output = stdout.replace(
    /(status: reconnecting\nstatus: connecting\n)+/,
    "status: reconnecting\nstatus: connecting\n",
  );
  expect(output.trim().split("\n")).toEqual([
    "status: connecting",
    "status: open",
    "client got: Server Say Hello",
    "server got: Client send Message",
    "joined lobby with 1 member(s)",
    "refused: ERR_VALIDATION_FAILED",
    "status: reconnecting",
    "status: connecting",
    "status: open (reconnected)",
    "client got: Server Say Hello",
    "server got: sent while the server was down",
    "rejoined lobby with 1 member(s)",
    "status: closing",
    "status: closed",
    "reconnects: 1",
  ]);
});

// The README's rolling-upgrade example: an old client across a server deploy of the next version.
test("examples/rolling-upgrade.ts runs and prints what the README shows", async () => {
  const packageDir = fileURLToPath(new URL("..", import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--conditions=@sockwire/source", "examples/rolling-upgrade.ts"],
    { cwd: packageDir, timeout: 20_000 },
  );
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const shown = /## Rolling upgrades[\s\S]*?It prints:\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(shown).toBeDefined();
  expect(stdout).toBe(shown);
});

// The README's resumable-sessions example: a dropped link resumed, then a server restart.
test("examples/resume.ts runs and prints what the README shows", async () => {
  const packageDir = fileURLToPath(new URL("..", import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--conditions=@sockwire/source", "examples/resume.ts"],
    { cwd: packageDir, timeout: 20_000 },
  );
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const shown = /## Resumable sessions[\s\S]*?It prints:\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(shown).toBeDefined();
  expect(stdout).toBe(shown);
});
