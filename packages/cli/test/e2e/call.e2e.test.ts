import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ExitCode } from "../../src/index.js";
import { ensureBuilt } from "../support/build.js";
import { deadAddress, startShop, TOKEN } from "../support/shop-server.js";
import { type Run, Sockwire, sockwire } from "../support/sockwire.js";

// `sockwire call` through the built bin: one request against a real server, the answer on
// stdout, and one distinct exit code per kind of failure, with the coded error on stderr.

const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "sockwire-call-"));
const env = { SHOP_CREDENTIALS: JSON.stringify({ token: TOKEN }) };
const auth = ["--credentials-env", "SHOP_CREDENTIALS"];
const order = JSON.stringify({ item: "tea", address: { city: "Lyon", zip: "69001" } });

beforeAll(ensureBuilt, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Nothing any run printed holds the secret. */
function noSecret(...runs: Run[]): void {
  for (const run of runs) expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);
}

describe("sockwire call", () => {
  test("prints the answer as JSON; the server fills in its own default", async () => {
    const shop = await startShop({ reflection: true });
    const run = await sockwire("call", shop.address, "order", order, ...auth, { env });
    expect(run).toMatchObject({
      code: ExitCode.OK,
      stdout: '{"id":"o1","total":2.5}\n',
      stderr: "",
    });
    expect(shop.orders).toEqual([
      { item: "tea", quantity: 1, address: { city: "Lyon", zip: "69001" } },
    ]);
    noSecret(run);
  });

  test("reads the input from stdin; a request without input needs none", async () => {
    const shop = await startShop({ reflection: true });
    const piped = await sockwire("call", shop.address, "order", ...auth, {
      env,
      stdin: `${order}\n`,
    });
    expect(piped).toMatchObject({ code: ExitCode.OK, stdout: '{"id":"o1","total":2.5}\n' });
    const dash = await sockwire("call", shop.address, "order", "-", ...auth, { env, stdin: order });
    expect(dash.code).toBe(ExitCode.OK);
    const whoami = await sockwire("call", shop.address, "whoami", ...auth, { env });
    expect(whoami).toMatchObject({ code: ExitCode.OK, stdout: '{"user":"ada"}\n' });
    // Stdin left open (a script under a supervisor): a request without input does not wait for it.
    const open = new Sockwire(["call", shop.address, "whoami", ...auth], { env });
    expect(await open.done).toMatchObject({ code: ExitCode.OK, stdout: '{"user":"ada"}\n' });
  });

  test("an invalid value fails before anything is sent, naming each wrong field (exit 7)", async () => {
    const shop = await startShop({ reflection: true });
    const bad = JSON.stringify({ item: "", quantity: 11, address: { city: "Lyon", zip: "6900" } });
    const run = await sockwire("call", shop.address, "order", bad, ...auth, { env });
    expect(run.code).toBe(ExitCode.INVALID);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(
      "sockwire: ERR_VALIDATION_FAILED: the input of request order is not valid\n",
    );
    expect(run.stderr).toMatch(/^ {2}at item: /m);
    expect(run.stderr).toMatch(/^ {2}at quantity: /m);
    expect(run.stderr).toMatch(/^ {2}at address\.zip: /m);
    expect(shop.orders).toEqual([]);
    const json = await sockwire("call", shop.address, "order", bad, "--json", ...auth, { env });
    const error = JSON.parse(json.stderr).error;
    expect(error).toMatchObject({ exitCode: 7, code: "ERR_VALIDATION_FAILED" });
    const paths = error.details.issues.map((issue: { path: string }) => issue.path);
    expect(paths.sort()).toEqual(["address.zip", "item", "quantity"]);
    const notJson = await sockwire("call", shop.address, "order", "{item:", ...auth, { env });
    expect(notJson.code).toBe(ExitCode.INVALID);
    expect(notJson.stderr).toMatch(/the value is not valid JSON/);
  });

  test("a remote error exits 6 with the server's code; a timeout exits 8", async () => {
    const shop = await startShop({ reflection: true });
    const failed = await sockwire(
      "call",
      shop.address,
      "fail",
      '{"code":"OUT_OF_STOCK"}',
      ...auth,
      { env },
    );
    expect(failed.code).toBe(ExitCode.REMOTE);
    expect(failed.stderr).toMatch(/^sockwire: ERR_REMOTE \(OUT_OF_STOCK\): .*failed as asked/);
    const json = await sockwire(
      "call",
      shop.address,
      "fail",
      '{"code":"OUT_OF_STOCK"}',
      "--json",
      ...auth,
      { env },
    );
    expect(JSON.parse(json.stderr).error).toMatchObject({
      exitCode: 6,
      code: "ERR_REMOTE",
      remoteCode: "OUT_OF_STOCK",
    });
    const slow = await sockwire("call", shop.address, "hang", "{}", "--timeout", "300ms", ...auth, {
      env,
    });
    expect(slow.code).toBe(ExitCode.TIMEOUT);
    expect(slow.stderr).toMatch(/ERR_REQUEST_TIMEOUT/);
  });

  test("credentials: refused ones exit 5; an unreadable or non-JSON source exits 3; never printed", async () => {
    const shop = await startShop({ reflection: true });
    const wrong = await sockwire("call", shop.address, "whoami", ...auth, {
      env: { SHOP_CREDENTIALS: JSON.stringify({ token: "guess" }) },
    });
    expect(wrong.code).toBe(ExitCode.REFUSED);
    expect(wrong.stderr).toMatch(/ERR_HANDSHAKE_REJECTED \(BAD_TOKEN\)/);
    const garbled = await sockwire("call", shop.address, "whoami", ...auth, {
      env: { SHOP_CREDENTIALS: `{${TOKEN}` },
    });
    expect(garbled.code).toBe(ExitCode.INPUT);
    const file = join(dir, "credentials.json");
    writeFileSync(file, `token=${TOKEN}`);
    const badFile = await sockwire("call", shop.address, "whoami", "--credentials-file", file);
    expect(badFile.code).toBe(ExitCode.INPUT);
    const unset = await sockwire(
      "call",
      shop.address,
      "whoami",
      "--credentials-env",
      "NOT_SET_ANYWHERE",
    );
    expect(unset.code).toBe(ExitCode.INPUT);
    noSecret(wrong, garbled, badFile, unset);
  });

  test("--contract talks to a server with reflection off", async () => {
    const shop = await startShop();
    const reflecting = await sockwire("call", shop.address, "whoami", ...auth, { env });
    expect(reflecting.code).toBe(ExitCode.REFUSED);
    const run = await sockwire(
      "call",
      shop.address,
      "whoami",
      "--contract",
      "test/fixtures/shop.ts",
      ...auth,
      {
        env,
        cwd: packageDir,
      },
    );
    expect(run).toMatchObject({ code: ExitCode.OK, stdout: '{"user":"ada"}\n' });
  });

  test("wrong names, usage and unreachable servers", async () => {
    const shop = await startShop({ reflection: true });
    const event = await sockwire("call", shop.address, "note", "{}", ...auth, { env });
    expect(event.code).toBe(ExitCode.INVALID);
    expect(event.stderr).toContain("note is a client event: use sockwire emit");
    const unknown = await sockwire("call", shop.address, "refund", "{}", ...auth, { env });
    expect(unknown.code).toBe(ExitCode.INVALID);
    expect(unknown.stderr).toContain("the contract's client requests: fail, hang, order, whoami");
    expect((await sockwire("call", shop.address)).code).toBe(ExitCode.USAGE);
    expect((await sockwire("call", shop.address, "whoami", "--timeout", "soon")).code).toBe(
      ExitCode.USAGE,
    );
    expect((await sockwire("call", await deadAddress(), "whoami")).code).toBe(ExitCode.CONNECT);
  });
});
