import type { ConnectionOptions } from "node:tls";
import { duration, type OptionSpec } from "../args/parse.js";
import { type Target, target } from "../args/target.js";
import type { CliIo } from "../io.js";
import { readCredentials } from "./credentials.js";
import { tlsOptions } from "./tls.js";

/** The options every command that connects takes. */
export const CONNECTION_OPTIONS = {
  tls: { type: "boolean" },
  ca: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  servername: { type: "string" },
  insecure: { type: "boolean" },
  "credentials-file": { type: "string" },
  "credentials-env": { type: "string" },
  contract: { type: "string" },
  "connect-timeout": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies OptionSpec;

/** The help lines of {@link CONNECTION_OPTIONS}, shared by every command's `--help`. */
export const CONNECTION_HELP = `Connection options:
  --contract <module>          use this contract (path/to/contract.ts, #name to pick an export)
                               instead of asking the server for its own (reflection)
  --tls                        connect over TLS, trusting the system's certificate authorities
  --ca <file>                  trust this CA certificate (PEM); implies --tls
  --cert <file>, --key <file>  client certificate and its key (PEM); imply --tls
  --servername <name>          the name the server's certificate must have (SNI); implies --tls
  --insecure                   do not verify the server's certificate (loudly; for tests only)
  --credentials-file <file>    credentials for the hello, JSON in a file (never printed)
  --credentials-env <var>      credentials for the hello, JSON in an environment variable
  --connect-timeout <time>     connecting, TLS and the handshake (default 10s)
  --json                       JSON output; errors as JSON on stderr
  -h, --help                   this help
Times are 500ms, 5s, 2m or a number of milliseconds.
`;

/** Where and how a command connects, from its arguments and the connection options. */
export interface ConnectionSettings {
  readonly target: Target;
  readonly tls: ConnectionOptions | undefined;
  /** The hello's credentials, or undefined; never printed. */
  readonly credentials: unknown;
  /** `--contract`: a contract module instead of reflection. */
  readonly contract: string | undefined;
  readonly connectTimeoutMs: number;
  readonly json: boolean;
}

type ConnectionValues = { [K in keyof typeof CONNECTION_OPTIONS]?: string | boolean | undefined };

/**
 * Reads the connection options: the target, TLS files, credentials (file or variable), the
 * contract module and the connect timeout.
 *
 * @throws failures with exit code `USAGE` or `INPUT`, as their readers say.
 */
export function connectionSettings(
  address: string | undefined,
  values: ConnectionValues,
  io: CliIo,
): ConnectionSettings {
  const text = (name: keyof ConnectionValues) => values[name] as string | undefined;
  const flag = (name: keyof ConnectionValues) => values[name] === true;
  const timeout = text("connect-timeout");
  return {
    target: target(address),
    tls: tlsOptions(
      {
        tls: flag("tls"),
        ca: text("ca"),
        cert: text("cert"),
        key: text("key"),
        servername: text("servername"),
        insecure: flag("insecure"),
      },
      io,
    ),
    credentials: readCredentials(
      { "credentials-file": text("credentials-file"), "credentials-env": text("credentials-env") },
      io,
    ),
    contract: text("contract"),
    connectTimeoutMs:
      timeout === undefined ? 10_000 : Math.max(1, duration(timeout, "--connect-timeout")),
    json: flag("json"),
  };
}
