/**
 * `node --import tsx src/profile-summary.ts FILE.cpuprofile [--top N]`: where the time goes in a
 * V8 CPU profile (as written by `BENCH_CPU_PROF=dir pnpm bench ...`), as self time per function
 * and per source file, in percent of the samples taken while the process was busy (idle and GC
 * are listed separately).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  const at = url.search(/\/(packages|bench|node_modules)\//);
  const path = at >= 0 ? url.slice(at + 1) : url.replace(/^file:\/\//, "");
  return path.replace(/node_modules\/\.pnpm\/[^/]+\/node_modules\//, "") || "(native)";
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string" } },
});
const top = Number(values.top ?? 25);
for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfTime = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const perFunction = new Map<string, number>();
  const perFile = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  for (const [id, micros] of selfTime) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    if (frame.functionName === "(idle)" || frame.functionName === "(program)") {
      idle += micros;
      continue;
    }
    busy += micros;
    const where = shortUrl(frame.url);
    const key = `${frame.functionName || "(anonymous)"}  ${where}:${frame.lineNumber + 1}`;
    perFunction.set(key, (perFunction.get(key) ?? 0) + micros);
    perFile.set(where, (perFile.get(where) ?? 0) + micros);
  }
  const pct = (micros: number): string => `${((micros / busy) * 100).toFixed(1).padStart(5)}%`;
  process.stdout.write(
    `\n${file}\n  busy ${(busy / 1000).toFixed(0)} ms, idle/program ${(idle / 1000).toFixed(0)} ms\n`,
  );
  process.stdout.write("  by function (self time):\n");
  for (const [key, micros] of [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`  ${pct(micros)}  ${key}\n`);
  }
  process.stdout.write("  by file:\n");
  for (const [key, micros] of [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    process.stdout.write(`  ${pct(micros)}  ${key}\n`);
  }
}
