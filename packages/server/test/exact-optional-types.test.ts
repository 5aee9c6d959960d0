import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

// The repository's own compiler, run as `tsc -p` would be: the package typecheck cannot turn
// exactOptionalPropertyTypes on for one folder, so the folder has its own tsconfig.
const TSC = path.join(
  path.dirname(createRequire(import.meta.url).resolve("typescript/package.json")),
  "bin",
  "tsc",
);

describe("public types under exactOptionalPropertyTypes", () => {
  test("every optional option of the server takes an explicit undefined", () => {
    const project = fileURLToPath(new URL("types-exact", import.meta.url));
    const run = spawnSync(process.execPath, [TSC, "-p", project, "--pretty", "false"], {
      encoding: "utf8",
    });
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});
