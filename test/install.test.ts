import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

// pnpm runs a dependency's build script only when pnpm-workspace.yaml's allowBuilds says `true`,
// and at the end of every install it warns about each one that is not decided either way
// ("Ignored build scripts: ..."), which tells someone installing for the first time nothing.

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const STORE = path.join(ROOT, "node_modules", ".pnpm");

/** The packages named under `allowBuilds:` in pnpm-workspace.yaml, with their decision. */
function allowBuilds(): Map<string, boolean> {
  const yaml = readFileSync(path.join(ROOT, "pnpm-workspace.yaml"), "utf8");
  const block = /^allowBuilds:\n((?:[ \t]+.*\n?)*)/m.exec(yaml)?.[1] ?? "";
  const entries = [...block.matchAll(/^[ \t]+['"]?([^'"\s:#]+)['"]?:\s*(true|false)\b/gm)];
  return new Map(entries.map(([, name = "", value]) => [name, value === "true"]));
}

/** Installed packages that have a build script (pnpm's test: an install hook or a binding.gyp). */
function packagesWithBuildScripts(): string[] {
  const found = new Set<string>();
  for (const entry of readdirSync(STORE)) {
    // Entries are `<name>@<version>...`, with a scope's slash written as `+`.
    const at = entry.indexOf("@", entry.startsWith("@") ? 1 : 0);
    if (at <= 0) continue;
    const name = entry.slice(0, at).replace("+", "/");
    const dir = path.join(STORE, entry, "node_modules", name);
    if (!existsSync(path.join(dir, "package.json"))) continue;
    const { scripts = {} } = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
      scripts?: Record<string, string>;
    };
    const hooks = ["preinstall", "install", "postinstall"].some((hook) => hook in scripts);
    if (hooks || existsSync(path.join(dir, "binding.gyp"))) found.add(name);
  }
  return [...found].sort();
}

describe("pnpm install", () => {
  test("every installed dependency with a build script is decided in allowBuilds", () => {
    const decided = allowBuilds();
    expect(decided.get("esbuild")).toBe(true); // the parser found the block
    const undecided = packagesWithBuildScripts().filter((name) => !decided.has(name));
    expect(undecided, "add them to allowBuilds in pnpm-workspace.yaml").toEqual([]);
  });

  // The benchmark's zeromq is the one whose script is declared unneeded: its prebuilt binary
  // must load without it. (It is an optional dependency; where it is not installed, there is
  // nothing to check.)
  const bench = createRequire(path.join(ROOT, "bench", "package.json"));
  const zeromqInstalled = (() => {
    try {
      bench.resolve("zeromq/package.json");
      return true;
    } catch {
      return false;
    }
  })();

  test.runIf(zeromqInstalled)("zeromq loads its prebuilt binary, with no build step", () => {
    expect(allowBuilds().get("zeromq")).toBe(false);
    const zeromq = bench("zeromq") as { Push: new () => { close(): void } };
    new zeromq.Push().close();
  });
});
