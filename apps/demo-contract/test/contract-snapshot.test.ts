import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

// The demo contract's released form is committed as contract.snapshot.json; this is the
// breaking-change check CI runs on it (`pnpm --filter demo-contract contract:check` does the same
// with the built bin). A change that would break clients built from the snapshot fails here.
test("the demo contract has no breaking change against its committed snapshot", async () => {
  const appDir = fileURLToPath(new URL("..", import.meta.url));
  const bin = fileURLToPath(new URL("../../../packages/cli/src/bin.ts", import.meta.url));
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [
        "--conditions=@sockwire/source",
        "--import",
        "tsx",
        bin,
        "contract",
        "check",
        "src/contract.ts",
        "--snapshot",
        "contract.snapshot.json",
      ],
      { cwd: appDir, timeout: 20_000 },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number(error.code ?? -1), stdout, stderr }),
    );
  });
  expect(run.stderr).toBe("");
  expect(run.stdout).toBe("0 breaking of 0 changed messages\n");
  expect(run.code).toBe(0);
});
