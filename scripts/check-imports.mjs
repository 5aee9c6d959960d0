#!/usr/bin/env node
// Import rules, checked rather than hoped for (part of `pnpm lint`):
//
//   1. no import cycle among the source files of a package, type-only imports included;
//   2. inside packages/protocol/src, packages/server/src and packages/cli/src, imports run
//      downward: a file may import from its own folder or from a lower layer, never from a
//      higher one, and never from a sibling folder of its own layer.
//
// The layer order of each package is written below and in that package's README or index. The
// check reads `import ... from "./x.js"`, `export ... from`, `import("./x.js")` and
// `import x = require(...)`-free TypeScript as text: relative specifiers only (packages import
// each other through their public names, which the package graph governs). Usage:
//
//   node scripts/check-imports.mjs                 check the repository, exit 1 on a violation
//   node scripts/check-imports.mjs --root DIR      check another tree with the same layout
//
// A second script is not needed for tests: scripts/check-imports.test.ts runs this one on
// fixtures with a cycle and an upward import and expects it to fail.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Layers per package, bottom first. Each layer lists paths relative to the package's src/: a
 * folder (ending in "/") or a file. A package listed with `layers: null` is checked for cycles
 * only.
 */
export const PACKAGES = {
  "packages/protocol/src": {
    layers: [
      ["constants.ts", "no-buffers.ts", "errors/"],
      ["frame/", "codec/"],
      ["envelope/", "contract/", "handshake/"],
      ["message/"],
      ["negotiation/"],
      ["session/"],
      ["index.ts", "internal.ts"],
    ],
  },
  "packages/server/src": {
    layers: [
      ["adapter.ts", "resumption.ts", "rooms.ts", "tls-failure.ts", "types.ts"],
      ["listeners.ts", "options.ts", "stats.ts", "validate.ts"],
      ["connection-host.ts", "handshake.ts", "listener.ts", "resume-terms.ts"],
      ["contract-exchange.ts"],
      ["connection-handshake.ts"],
      ["connection-core.ts"],
      ["connection.ts"],
      ["stream-handler.ts"],
      ["broadcast.ts", "router.ts"],
      ["registry.ts"],
      ["cluster.ts"],
      ["lifecycle.ts"],
      ["server.ts"],
      ["index.ts"],
    ],
  },
  "packages/client/src": { layers: null },
  "packages/cli/src": {
    layers: [
      ["exit-codes.ts", "io.ts"],
      ["args/", "failures.ts", "load-contract.ts"],
      ["values/", "describe/", "bench/"],
      ["connect/"],
      ["commands/"],
      ["main.ts"],
      ["bin.ts", "index.ts"],
    ],
  },
  "packages/redis/src": { layers: null },
};

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?\sfrom\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

/** Every .ts file below `dir` (tests and declaration files excluded). */
function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts") && !name.endsWith(".test.ts"))
      out.push(path);
  }
  return out;
}

/** The relative imports of `file`, resolved to the .ts files they name. */
function importsOf(file) {
  const text = stripComments(readFileSync(file, "utf8"));
  const found = new Set();
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (spec === undefined || !spec.startsWith(".")) continue;
    found.add(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
  }
  return [...found];
}

/** Comments out of the way, so an import in a doc example is not read as one. */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** Strongly connected groups of more than one file, or a file importing itself (Tarjan). */
function cycles(graph) {
  let index = 0;
  const stack = [];
  const state = new Map();
  const found = [];
  const visit = (node) => {
    const entry = { index, low: index, onStack: true };
    state.set(node, entry);
    index++;
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      const seen = state.get(next);
      if (seen === undefined) {
        visit(next);
        entry.low = Math.min(entry.low, state.get(next).low);
      } else if (seen.onStack) entry.low = Math.min(entry.low, seen.index);
    }
    if (entry.low !== entry.index) return;
    const group = [];
    for (;;) {
      const member = stack.pop();
      state.get(member).onStack = false;
      group.push(member);
      if (member === node) break;
    }
    if (group.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(group.sort());
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

/** The layer of `path` (relative to src, with "/") and the entry that matched it. */
function layerOf(layers, path) {
  for (let i = 0; i < layers.length; i++) {
    for (const entry of layers[i]) {
      if (entry.endsWith("/") ? path.startsWith(entry) : path === entry) return { layer: i, entry };
    }
  }
  return undefined;
}

/** Checks one package; returns the problems found, as lines. */
export function checkPackage(root, srcDir, layers) {
  const src = resolve(root, srcDir);
  const files = sourceFiles(src);
  const graph = new Map(files.map((file) => [file, importsOf(file)]));
  const rel = (file) => relative(src, file).split(sep).join("/");
  const problems = [];
  for (const group of cycles(graph)) {
    problems.push(`${srcDir}: import cycle: ${group.map(rel).join(" -> ")}`);
  }
  if (layers === null) return problems;
  for (const [file, targets] of graph) {
    const from = layerOf(layers, rel(file));
    if (from === undefined) {
      problems.push(`${srcDir}/${rel(file)}: in no layer (add it to scripts/check-imports.mjs)`);
      continue;
    }
    for (const target of targets) {
      if (!graph.has(target)) continue;
      const to = layerOf(layers, rel(target));
      if (to === undefined) continue; // reported as the file itself
      const sameFolder = from.entry === to.entry && from.entry.endsWith("/");
      if (to.layer < from.layer || sameFolder || file === target) continue;
      const how = to.layer > from.layer ? "a higher layer" : "a sibling of its own layer";
      problems.push(`${srcDir}/${rel(file)} (layer ${from.layer}) imports ${rel(target)}: ${how}`);
    }
  }
  return problems;
}

function main() {
  const at = process.argv.indexOf("--root");
  const root =
    at > 0 ? resolve(process.argv[at + 1]) : resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const problems = [];
  let checked = 0;
  for (const [srcDir, { layers }] of Object.entries(PACKAGES)) {
    try {
      statSync(resolve(root, srcDir));
    } catch {
      continue;
    }
    checked++;
    problems.push(...checkPackage(root, srcDir, layers));
  }
  if (problems.length > 0) {
    for (const line of problems) console.error(line);
    console.error(`imports: ${problems.length} problem(s)`);
    process.exit(1);
  }
  console.log(`imports: ${checked} packages, no cycle, every layered import runs downward`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
