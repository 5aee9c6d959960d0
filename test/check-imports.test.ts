import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";

// The import check of `pnpm lint` must be able to fail: it runs here on small trees of the
// repository's layout, with and without a cycle, an upward import and a sibling import.

const SCRIPT = join(import.meta.dirname, "..", "scripts", "check-imports.mjs");
let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** Writes `files` (path → text) into a fresh tree and runs the check on it. */
function check(files: Record<string, string>): { ok: boolean; output: string } {
  root = mkdtempSync(join(tmpdir(), "imports-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  try {
    const out = execFileSync(process.execPath, [SCRIPT, "--root", root], { stdio: "pipe" });
    return { ok: true, output: out.toString() };
  } catch (error) {
    return { ok: false, output: String((error as { stderr: Buffer }).stderr) };
  }
}

const P = "packages/protocol/src";

describe("scripts/check-imports.mjs", () => {
  test("passes on this repository (pnpm lint runs it too)", () => {
    const out = execFileSync(process.execPath, [SCRIPT], { stdio: "pipe" }).toString();
    expect(out).toContain("no cycle");
  });

  test("passes a tree whose imports run downward", () => {
    const result = check({
      [`${P}/errors/codes.ts`]: "export const A = 1;\n",
      [`${P}/frame/reader.ts`]: 'import { A } from "../errors/codes.js";\nexport const B = A;\n',
      [`${P}/session/session.ts`]:
        'import type { B } from "../frame/reader.js";\n// import { X } from "../index.js";\n',
      [`${P}/index.ts`]: 'export * from "./session/session.js";\n',
    });
    expect(result.ok).toBe(true);
  });

  test("fails on a cycle, type-only imports included", () => {
    const result = check({
      [`${P}/session/a.ts`]: 'import type { B } from "./b.js";\nexport type A = B;\n',
      [`${P}/session/b.ts`]: 'import type { A } from "./a.js";\nexport type B = A;\n',
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("import cycle: session/a.ts -> session/b.ts");
  });

  test("fails on an import from a higher layer and from a sibling folder", () => {
    const result = check({
      [`${P}/frame/reader.ts`]: 'import { S } from "../session/session.js";\nexport const R = S;\n',
      [`${P}/session/session.ts`]: "export const S = 1;\n",
      [`${P}/contract/types.ts`]: 'export { K } from "../envelope/kinds.js";\n',
      [`${P}/envelope/kinds.ts`]: "export const K = 1;\n",
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain(
      "frame/reader.ts (layer 1) imports session/session.ts: a higher layer",
    );
    expect(result.output).toContain(
      "contract/types.ts (layer 2) imports envelope/kinds.ts: a sibling",
    );
  });

  test("names a file that is in no layer", () => {
    const result = check({ [`${P}/stray.ts`]: "export const S = 1;\n" });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("stray.ts: in no layer");
  });
});
