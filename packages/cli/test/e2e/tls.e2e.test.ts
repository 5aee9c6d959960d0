import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ExitCode } from "../../src/index.js";
import { ensureBuilt } from "../support/build.js";
import { makeCertificates, type TestCertificates } from "../support/certs.js";
import { startShop, TOKEN } from "../support/shop-server.js";
import { sockwire } from "../support/sockwire.js";

// The TLS options through the built bin, against a server that requires a client certificate:
// --ca, --cert, --key and --servername connect; a certificate the system does not trust, plain
// TCP to a TLS port, or a missing file each fail with their own exit code; --insecure says loudly
// what it turns off.

const dir = mkdtempSync(join(tmpdir(), "sockwire-tls-"));
const env = { SHOP_CREDENTIALS: JSON.stringify({ token: TOKEN }) };
const auth = ["--credentials-env", "SHOP_CREDENTIALS"];
const file = (name: string) => join(dir, name);
let certs: TestCertificates;

beforeAll(async () => {
  certs = makeCertificates(dir);
  await ensureBuilt();
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A shop over TLS that asks every client for a certificate signed by the test CA. */
function startTlsShop() {
  return startShop({
    reflection: true,
    tls: {
      key: certs.server.key,
      cert: certs.server.cert,
      ca: certs.ca.cert,
      requestCert: true,
      rejectUnauthorized: true,
    },
  });
}

const clientCert = ["--cert", file("client.crt"), "--key", file("client.key")];

describe("TLS", () => {
  test("--ca, --cert, --key and --servername: describe and call over TLS", async () => {
    const shop = await startTlsShop();
    const tls = ["--ca", file("ca.crt"), ...clientCert, "--servername", "localhost"];
    const described = await sockwire("describe", shop.address, "whoami", ...tls, ...auth, { env });
    expect(described.code).toBe(ExitCode.OK);
    expect(described.stdout).toContain("whoami(): { user: string }");
    const called = await sockwire("call", shop.address, "whoami", ...tls, ...auth, { env });
    expect(called).toMatchObject({ code: ExitCode.OK, stdout: '{"user":"ada"}\n' });
  });

  test("a server certificate the system does not trust: exit 4; --insecure connects, and warns", async () => {
    const shop = await startTlsShop();
    const untrusted = await sockwire(
      "call",
      shop.address,
      "whoami",
      "--tls",
      ...clientCert,
      ...auth,
      { env },
    );
    expect(untrusted.code).toBe(ExitCode.CONNECT);
    expect(untrusted.stderr).toMatch(/ERR_CONNECT_FAILED/);
    const insecure = await sockwire(
      "call",
      shop.address,
      "whoami",
      "--insecure",
      ...clientCert,
      ...auth,
      { env },
    );
    expect(insecure.code).toBe(ExitCode.OK);
    expect(insecure.stderr).toMatch(
      /WARNING: --insecure: the server's certificate is NOT verified/,
    );
  });

  test("plain TCP to a TLS server: exit 4 with ERR_TLS_MISMATCH", async () => {
    const shop = await startTlsShop();
    const run = await sockwire("describe", shop.address, "--connect-timeout", "3s", ...auth, {
      env,
    });
    expect(run.code).toBe(ExitCode.CONNECT);
    expect(run.stderr).toMatch(/ERR_TLS_MISMATCH/);
  });

  test("a certificate without its key is a usage error; a missing file exit 3", async () => {
    const shop = await startTlsShop();
    expect((await sockwire("describe", shop.address, "--cert", file("client.crt"))).code).toBe(
      ExitCode.USAGE,
    );
    const missing = await sockwire("describe", shop.address, "--ca", file("nowhere.crt"));
    expect(missing.code).toBe(ExitCode.INPUT);
    expect(missing.stderr).toContain("could not read --ca");
  });
});
