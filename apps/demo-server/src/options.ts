import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  formatOptions,
  type Lang,
  parseCommandLine,
  parseHost,
  parseLang,
  parsePort,
  parseWire,
  UsageError,
  type Wire,
} from "demo-contract";

/** The server's settings, from the command line. */
export interface ServerOptions {
  host: string;
  /** 0 takes any free port; the listening line shows the one it got. */
  port: number;
  lang: Lang;
  wire: Wire;
  /** Describe the contract to clients that ask (`sockwire describe`); framed wire only. */
  reflection: boolean;
}

/** Result of {@link parseServerOptions}: run with options, or print help. */
export type ServerCommand = { kind: "run"; options: ServerOptions } | { kind: "help" };

const SPEC = {
  host: { type: "string" },
  port: { type: "string" },
  lang: { type: "string" },
  wire: { type: "string" },
  reflection: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Parses the server's command line.
 *
 * @throws `UsageError` (exit status 2) for an unknown option, a missing value or a value out of range.
 * @example
 * ```ts
 * parseServerOptions(["--port", "0", "--lang", "en"]);
 * // { kind: "run", options: { host: "127.0.0.1", port: 0, lang: "en", wire: "framed", reflection: false } }
 * ```
 */
export function parseServerOptions(argv: readonly string[]): ServerCommand {
  const values = parseCommandLine(argv, SPEC);
  if (values.help === true) return { kind: "help" };
  const wire = parseWire(values.wire);
  const reflection = values.reflection === true;
  if (reflection && wire === "raw") {
    throw new UsageError("--reflection describes the sockwire contract: it needs --wire framed");
  }
  return {
    kind: "run",
    options: {
      host: parseHost(values.host, DEFAULT_HOST),
      port: parsePort(values.port, DEFAULT_PORT, { allowZero: true }),
      lang: parseLang(values.lang),
      wire,
      reflection,
    },
  };
}

/** `--help` text. */
export const SERVER_USAGE = `Usage: demo-server [options]

Listens for demo clients, greets each one, prints every message it receives, and stops
gracefully on Enter (when stdin is a terminal), Ctrl+C or SIGTERM.

Options:
${formatOptions([
  { usage: "--host <host>", text: "address to listen on", default: DEFAULT_HOST },
  { usage: "--port <port>", text: "port, 0-65535; 0 takes any free port", default: DEFAULT_PORT },
  { usage: "--lang zh|en", text: "console language", default: "zh" },
  {
    usage: "--wire framed|raw",
    text: ["framed: sockwire typed events;", "raw: the article's unframed ASCII bytes"],
    default: "framed",
  },
  {
    usage: "--reflection",
    text: [
      "describe the contract to clients that",
      "ask, for sockwire describe, call, tail;",
      "it shows every caller the whole contract",
    ],
    default: "off",
  },
  { usage: "-h, --help", text: "show this help" },
])}
Exit status: 0 after a graceful stop; 1 when it cannot listen; 2 for a bad option.
`;
