import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

// Keeps the README's runnable example running: same command as `pnpm example`, checked output.
test("examples/encode-decode.ts runs and prints what the README shows", async () => {
  const packageDir = fileURLToPath(new URL("..", import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--conditions=@sockwire/source", "examples/encode-decode.ts"],
    { cwd: packageDir, timeout: 20_000 },
  );
  const lines = stdout.trim().split("\n");
  expect(lines[0]).toMatch(/^frame \(74 bytes\): 00000046040000000000037361797b/);
  expect(lines[1]).toBe("received say #1: Client send Message on 2017/4/19 23:15:24");
  expect(lines[2]).toMatch(/^rejected: ERR_VALIDATION_FAILED \[\{"path":"text"/);
  expect(lines[3]).toMatch(/^contract fingerprint: [0-9a-f]{32}$/);
});
