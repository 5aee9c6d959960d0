import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

// The end-to-end tests run the built bin (bin/sockwire.js imports ../dist/bin.js), as a user's
// shell does, so the packages it loads at run time must be built: protocol, client and cli (each
// builds from the others' sources through the @sockwire/source condition, so the three builds are
// independent and run side by side). A stamp of their sources skips the build when nothing
// changed; a lock directory makes test files that start together build once.

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const PACKAGES = ["protocol", "client", "cli"].map((name) => join(ROOT, "packages", name));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const STAMP = join(ROOT, "packages", "cli", "dist", ".build-stamp");
const LOCK = join(ROOT, "node_modules", ".cache", "sockwire-cli-build.lock");
/** A lock older than this was left by a killed run. */
const STALE_LOCK_MS = 120_000;

/** The built bin, ready to run. */
export const BIN = join(ROOT, "packages", "cli", "bin", "sockwire.js");

/** Builds the packages the bin loads, unless their sources are what the last build was made of. */
export async function ensureBuilt(): Promise<void> {
  const stamp = sourceStamp();
  if (built(stamp)) return;
  await acquireLock();
  try {
    if (built(stamp)) return;
    await Promise.all(PACKAGES.map((dir) => tsc(join(dir, "tsconfig.build.json"))));
    writeFileSync(STAMP, stamp);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function built(stamp: string): boolean {
  return existsSync(STAMP) && readFileSync(STAMP, "utf8") === stamp;
}

/** A digest of every file the builds read. */
function sourceStamp(): string {
  const hash = createHash("sha256");
  for (const dir of PACKAGES) {
    for (const file of [
      ...filesUnder(join(dir, "src")),
      join(dir, "tsconfig.json"),
      join(dir, "tsconfig.build.json"),
      join(dir, "package.json"),
    ]) {
      hash.update(relative(ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
    }
  }
  hash.update(readFileSync(join(ROOT, "tsconfig.base.json")));
  return hash.digest("hex");
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? filesUnder(path) : [path];
    });
}

function tsc(project: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSC, "-p", project], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`tsc -p ${relative(ROOT, project)} failed:\n${output}`)),
    );
  });
}

async function acquireLock(): Promise<void> {
  mkdirSync(join(LOCK, ".."), { recursive: true });
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS || Date.now() > deadline)
        rmSync(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
