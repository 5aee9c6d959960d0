import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface KeyPair {
  key: string;
  cert: string;
}

export interface TestCertificates {
  ca: KeyPair;
  /** For 127.0.0.1 and localhost, signed by `ca`. */
  server: KeyPair;
  /** Client certificate (CN sockwire-test-client), signed by `ca`. */
  client: KeyPair;
}

/**
 * Generates a throwaway CA plus server and client certificates with the openssl command line
 * (P-256 keys, valid for one day), and writes them as PEM files into `dir` too (`ca.crt`,
 * `server.crt`, `client.crt`, `client.key`...), for the command line's --ca, --cert and --key.
 * Takes a few hundred milliseconds.
 */
export function makeCertificates(into: string): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "sockwire-certs-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    run(
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "1",
      "-subj",
      "/CN=sockwire-test-ca",
    );
    const sign = (name: string, subject: string, extensions: string) => {
      writeFileSync(join(dir, `${name}.ext`), extensions);
      run("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
      run(
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        `${name}.crt`,
        "-days",
        "1",
        "-extfile",
        `${name}.ext`,
      );
      return {
        key: readFileSync(join(dir, `${name}.key`), "utf8"),
        cert: readFileSync(join(dir, `${name}.crt`), "utf8"),
      };
    };
    const server = sign(
      "server",
      "/CN=localhost",
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    );
    const client = sign("client", "/CN=sockwire-test-client", "extendedKeyUsage=clientAuth\n");
    const ca = {
      key: readFileSync(join(dir, "ca.key"), "utf8"),
      cert: readFileSync(join(dir, "ca.crt"), "utf8"),
    };
    for (const [name, pair] of Object.entries({ ca, server, client })) {
      writeFileSync(join(into, `${name}.crt`), pair.cert);
      writeFileSync(join(into, `${name}.key`), pair.key);
    }
    return { ca, server, client };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
