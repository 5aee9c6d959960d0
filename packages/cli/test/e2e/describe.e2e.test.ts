import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalContract } from "@sockwire/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ExitCode } from "../../src/index.js";
import { shop } from "../fixtures/shop.js";
import { ensureBuilt } from "../support/build.js";
import { deadAddress, startShop, TOKEN } from "../support/shop-server.js";
import { sockwire } from "../support/sockwire.js";

// `sockwire describe` as a user runs it: the built bin against real servers, with reflection on
// and off, a local contract module, and the failures a script must be able to tell apart.

const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "sockwire-describe-"));
const credentials = join(dir, "credentials.json");
writeFileSync(credentials, JSON.stringify({ token: TOKEN }));
const auth = ["--credentials-file", credentials];

beforeAll(ensureBuilt, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sockwire describe", () => {
  test("prints the contract of a server with reflection on, as TypeScript-like text", async () => {
    const { address } = await startShop({ reflection: true });
    const run = await sockwire("describe", address, ...auth);
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stdout).toMatch(/^contract shop \(digest [0-9a-f]{32}\)\n/);
    for (const line of [
      "credentials (sent in the hello)",
      "  { token: string /* >= 1 chars */ }",
      "client events (the client sends them: sockwire emit)",
      "  ping: undefined",
      "  whoami(): { user: string }",
      "    address: { city: string; zip: string /* /^\\d{5}$/ */ };",
      "    quantity?: number /* int, 1..10, default: the receiver fills it in */;",
      "  stock: { item: string; left: number /* int, >= 0 */ }",
    ]) {
      expect(run.stdout).toContain(line);
    }
    expect(run.stderr).toBe("");
    expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);
  });

  test("NAME picks one message; --json is the canonical form, usable as a snapshot", async () => {
    const { address } = await startShop({ reflection: true });
    const one = await sockwire("describe", address, "whoami", ...auth);
    expect(one.stdout).toContain("client requests");
    expect(one.stdout).not.toContain("stock");
    const json = await sockwire("describe", address, "client.requests.whoami", "--json", ...auth);
    expect(JSON.parse(json.stdout)).toEqual({
      key: "client.requests.whoami",
      kind: "request",
      sender: "client",
      ...canonicalContract(shop).client.requests.whoami,
    });
    const whole = await sockwire("describe", address, "--json", ...auth);
    expect(JSON.parse(whole.stdout)).toEqual(canonicalContract(shop));
    const snapshot = join(dir, "shop.snapshot.json");
    writeFileSync(snapshot, whole.stdout);
    const check = await sockwire(
      "contract",
      "check",
      "test/fixtures/shop.ts",
      "--snapshot",
      snapshot,
      {
        cwd: packageDir,
      },
    );
    expect(check).toMatchObject({
      code: ExitCode.OK,
      stdout: "0 breaking of 0 changed messages\n",
    });
    // The built bin's breaking-change check fails a breaking change with exit 1.
    const v1 = join(dir, "jobs.snapshot.json");
    const options = { cwd: packageDir };
    await sockwire("contract", "write", "test/fixtures/jobs-v1.ts", "--snapshot", v1, options);
    const breaking = await sockwire(
      "contract",
      "check",
      "test/fixtures/jobs-v2-breaking.ts",
      "--snapshot",
      v1,
      options,
    );
    expect(breaking.code).toBe(ExitCode.BREAKING);
  });

  test("reflection off: exit 5 with ERR_REFLECTION_DISABLED and what to do instead", async () => {
    const { address } = await startShop();
    const run = await sockwire("describe", address, ...auth);
    expect(run.code).toBe(ExitCode.REFUSED);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^sockwire: ERR_REFLECTION_DISABLED \(REFLECTION_DISABLED\): /);
    expect(run.stderr).toContain("--contract");
    const json = await sockwire("describe", address, "--json", ...auth);
    expect(JSON.parse(json.stderr)).toMatchObject({
      error: { exitCode: 5, code: "ERR_REFLECTION_DISABLED", remoteCode: "REFLECTION_DISABLED" },
    });
  });

  test("--contract describes a module without contacting anything", async () => {
    const run = await sockwire("describe", "--contract", "test/fixtures/shop.ts", "order", {
      cwd: packageDir,
    });
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stdout).toContain("  order(input: {");
  });

  test("exit codes: unknown message 7, no server 4, refused credentials 5, bad usage 2, bad module 3", async () => {
    const { address } = await startShop({ reflection: true });
    expect((await sockwire("describe", address, "nope", ...auth)).code).toBe(ExitCode.INVALID);
    const dead = await sockwire("describe", await deadAddress());
    expect(dead.code).toBe(ExitCode.CONNECT);
    expect(dead.stderr).toMatch(/ERR_CONNECT_FAILED.*ECONNREFUSED/);
    const refused = await sockwire("describe", address);
    expect(refused.code).toBe(ExitCode.REFUSED);
    expect(refused.stderr).toMatch(/ERR_HANDSHAKE_REJECTED \(UNAUTHORIZED\)/);
    expect((await sockwire("describe", "not-an-address")).code).toBe(ExitCode.USAGE);
    expect((await sockwire("describe", address, "--frobnicate")).code).toBe(ExitCode.USAGE);
    const missing = await sockwire("describe", "--contract", "nowhere.ts", { cwd: packageDir });
    expect(missing.code).toBe(ExitCode.INPUT);
  });

  test("--help: usage, options, examples and exit codes", async () => {
    const run = await sockwire("describe", "--help");
    expect(run.code).toBe(ExitCode.OK);
    for (const part of [
      "Usage:",
      "--credentials-file",
      "--insecure",
      "Examples:",
      "Exit codes:",
      "  5 ",
    ]) {
      expect(run.stdout).toContain(part);
    }
  });
});
