import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  formatOptions,
  type Lang,
  parseCommandLine,
  parseHost,
  parseInteger,
  parseLang,
  parsePort,
  parseWire,
  type Wire,
} from "demo-contract";

/** The client's settings, from the command line. */
export interface ClientOptions {
  host: string;
  port: number;
  lang: Lang;
  wire: Wire;
  /** Messages to send. */
  count: number;
  /** Pause before each message, in milliseconds. */
  intervalMs: number;
}

/** Upper bounds that keep a typo from scheduling a session that never ends. */
export const MAX_COUNT = 1_000_000;
export const MAX_INTERVAL_MS = 3_600_000;

/** Result of {@link parseClientOptions}: run with options, or print help. */
export type ClientCommand = { kind: "run"; options: ClientOptions } | { kind: "help" };

const SPEC = {
  host: { type: "string" },
  port: { type: "string" },
  lang: { type: "string" },
  wire: { type: "string" },
  count: { type: "string" },
  interval: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Parses the client's command line.
 *
 * @throws `UsageError` (exit status 2) for an unknown option, a missing value or a value out of range.
 * @example
 * ```ts
 * parseClientOptions(["--count", "3", "--interval", "200"]);
 * // { kind: "run", options: { host: "127.0.0.1", port: 18888, lang: "zh", wire: "framed", count: 3, intervalMs: 200 } }
 * ```
 */
export function parseClientOptions(argv: readonly string[]): ClientCommand {
  const values = parseCommandLine(argv, SPEC);
  if (values.help === true) return { kind: "help" };
  return {
    kind: "run",
    options: {
      host: parseHost(values.host, DEFAULT_HOST),
      port: parsePort(values.port, DEFAULT_PORT, { allowZero: false }),
      lang: parseLang(values.lang),
      wire: parseWire(values.wire),
      count: parseInteger("--count", values.count, 10, 0, MAX_COUNT),
      intervalMs: parseInteger("--interval", values.interval, 1000, 0, MAX_INTERVAL_MS),
    },
  };
}

/** `--help` text. */
export const CLIENT_USAGE = `Usage: demo-client [options]

Connects to the demo server, prints its greeting, sends --count messages --interval ms apart,
then waits for Enter (only when stdin is a terminal) and closes the connection.

Options:
${formatOptions([
  { usage: "--host <host>", text: "server host name or IP address", default: DEFAULT_HOST },
  { usage: "--port <port>", text: "server port, 1-65535", default: DEFAULT_PORT },
  { usage: "--lang zh|en", text: "console language", default: "zh" },
  {
    usage: "--wire framed|raw",
    text: ["framed: sockwire typed events;", "raw: the article's unframed ASCII bytes"],
    default: "framed",
  },
  { usage: "--count <n>", text: `messages to send, 0-${MAX_COUNT}`, default: 10 },
  {
    usage: "--interval <ms>",
    text: `pause before each message, 0-${MAX_INTERVAL_MS} ms`,
    default: 1000,
  },
  { usage: "-h, --help", text: "show this help" },
])}
Exit status: 0 after a normal session or a stop by Ctrl+C/SIGTERM; 1 when the server cannot
be reached or the connection is lost; 2 for a bad option.
`;
