import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { ConnectionOptions } from "node:tls";
import { CliFailure, ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";

/** The TLS options of the command line. */
export interface TlsFlags {
  tls?: boolean | undefined;
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  servername?: string | undefined;
  insecure?: boolean | undefined;
}

/**
 * `node:tls` connect options from the flags, or `undefined` for plain TCP. Any TLS flag turns TLS
 * on; `--tls` alone trusts the system's certificate authorities. `--insecure` turns certificate
 * checks off, and says so on stderr every time: anyone on the path could then read and change
 * the connection, credentials included.
 *
 * @throws a failure with exit code `INPUT` for a file that cannot be read, `USAGE` for a
 * certificate without its key.
 */
export function tlsOptions(flags: TlsFlags, io: CliIo): ConnectionOptions | undefined {
  const on =
    flags.tls === true ||
    flags.insecure === true ||
    [flags.ca, flags.cert, flags.key, flags.servername].some((v) => v !== undefined);
  if (!on) return undefined;
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    throw new CliFailure(
      ExitCode.USAGE,
      "--cert and --key go together (the client certificate and its key)",
    );
  }
  const options: ConnectionOptions = {};
  if (flags.ca !== undefined) options.ca = pem(flags.ca, "--ca", io);
  if (flags.cert !== undefined) options.cert = pem(flags.cert, "--cert", io);
  if (flags.key !== undefined) options.key = pem(flags.key, "--key", io);
  if (flags.servername !== undefined) options.servername = flags.servername;
  if (flags.insecure === true) {
    options.rejectUnauthorized = false;
    io.err(
      "sockwire: WARNING: --insecure: the server's certificate is NOT verified; anyone on the path can read and change this connection, credentials included\n",
    );
  }
  return options;
}

function pem(file: string, flag: string, io: CliIo): Buffer {
  try {
    return readFileSync(isAbsolute(file) ? file : resolve(io.cwd, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new CliFailure(ExitCode.INPUT, `could not read ${flag} ${file} (${code})`);
  }
}
