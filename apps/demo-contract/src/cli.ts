import { parseArgs } from "node:util";

/** Console language: the article's Chinese lines, or English lines with the same meaning. */
export type Lang = "zh" | "en";

/**
 * What travels on the socket: sockwire frames (typed events), or the article's original
 * unframed ASCII bytes, for talking to the original programs.
 */
export type Wire = "framed" | "raw";

/** Exit status for a bad command line (the convention of most Unix tools). */
export const USAGE_EXIT_CODE = 2;

/**
 * A bad command line: unknown option, missing or out-of-range value, stray argument. The apps
 * print its message and exit with {@link USAGE_EXIT_CODE}.
 *
 * @example
 * ```ts
 * try {
 *   parsePort("99999", { allowZero: false });
 * } catch (err) {
 *   if (err instanceof UsageError) process.exitCode = USAGE_EXIT_CODE;
 * }
 * ```
 */
export class UsageError extends Error {
  readonly code = "ERR_USAGE";

  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Declared options: each takes a value (`string`) or is a flag (`boolean`). */
export type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string }>;

/** What {@link parseCommandLine} returns: each option that was given, with its value. */
export type OptionValues<O extends OptionSpec> = {
  [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string;
};

/**
 * Parses `argv` strictly against `options` (no positionals, every option declared). Node's own
 * parse errors (unknown option, missing value) become a {@link UsageError}. A leading `--` (as
 * `pnpm start -- --port 0` passes it) is skipped.
 *
 * @example
 * ```ts
 * const values = parseCommandLine(process.argv.slice(2), { port: { type: "string" } });
 * ```
 */
export function parseCommandLine<const O extends OptionSpec>(
  argv: readonly string[],
  options: O,
): OptionValues<O> {
  // `pnpm start -- --port 0` hands the script a leading "--"; it separates pnpm's arguments from
  // ours and means nothing here.
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: false });
    return parsed.values as OptionValues<O>;
  } catch (err) {
    // parseArgs throws TypeErrors coded ERR_PARSE_ARGS_*; their messages name the offending option.
    if (
      err instanceof TypeError &&
      String((err as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS")
    ) {
      throw new UsageError(err.message);
    }
    throw err;
  }
}

/**
 * Validates `--host`: a non-empty host name or IP address without spaces. Whether it resolves
 * is only known when connecting or listening.
 *
 * @example
 * ```ts
 * parseHost(undefined, "127.0.0.1"); // "127.0.0.1"
 * ```
 */
export function parseHost(value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  if (value.length === 0 || value.length > 255 || /\s/.test(value)) {
    throw new UsageError(
      `invalid --host value ${JSON.stringify(value)}: expected a host name or IP address`,
    );
  }
  return value;
}

/**
 * Validates `--port`: a decimal integer from 1 to 65535, or 0 when `allowZero` (a server then
 * takes any free port and prints the one it got).
 *
 * @example
 * ```ts
 * parsePort("0", 18888, { allowZero: true }); // 0
 * ```
 */
export function parsePort(
  value: string | undefined,
  fallback: number,
  opts: { allowZero: boolean },
): number {
  const min = opts.allowZero ? 0 : 1;
  return parseInteger("--port", value, fallback, min, 65535);
}

/**
 * Validates a non-negative decimal integer option within `[min, max]`. Rejects signs, fractions,
 * exponents and hex, which `Number()` would accept.
 *
 * @example
 * ```ts
 * parseInteger("--count", "10", 10, 0, 100_000); // 10
 * ```
 */
export function parseInteger(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `invalid ${name} value ${JSON.stringify(value)}: expected an integer from ${min} to ${max}`,
    );
  }
  return n;
}

/**
 * Validates `--lang` (`zh` or `en`, default `zh`).
 *
 * @example
 * ```ts
 * parseLang("en"); // "en"
 * ```
 */
export function parseLang(value: string | undefined): Lang {
  return parseChoice("--lang", value, ["zh", "en"] as const, "zh");
}

/**
 * Validates `--wire` (`framed` or `raw`, default `framed`).
 *
 * @example
 * ```ts
 * parseWire("raw"); // "raw"
 * ```
 */
export function parseWire(value: string | undefined): Wire {
  return parseChoice("--wire", value, ["framed", "raw"] as const, "framed");
}

function parseChoice<const T extends string>(
  name: string,
  value: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(
    `invalid ${name} value ${JSON.stringify(value)}: expected ${choices.join(" or ")}`,
  );
}

/** One option in a `--help` table. */
export interface OptionHelp {
  /** The option as typed, with its value: `--port <port>`, `-h, --help`. */
  usage: string;
  /** What it does; further lines continue under the first. */
  text: string | readonly string[];
  /** The default, shown in a column of its own; absent for options without one. */
  default?: string | number;
}

/**
 * Renders the option lines of `--help`: options, descriptions and defaults each in a column
 * that starts where the widest entry before it ends, so the table stays aligned whatever values
 * the text interpolates (a hand-aligned template does not: `0-${MAX_COUNT}` is shorter than its
 * source).
 *
 * @example
 * ```ts
 * formatOptions([
 *   { usage: "--port <port>", text: "server port", default: 18888 },
 *   { usage: "-h, --help", text: "show this help" },
 * ]);
 * // "  --port <port>   server port     (default 18888)\n  -h, --help      show this help\n"
 * ```
 */
export function formatOptions(options: readonly OptionHelp[]): string {
  const texts = options.map((o) => (typeof o.text === "string" ? [o.text] : [...o.text]));
  const usageWidth = Math.max(...options.map((o) => o.usage.length)) + 3;
  const textWidth = Math.max(...texts.flat().map((line) => line.length)) + 2;
  const lines = options.flatMap((option, i) => {
    const [first = "", ...more] = texts[i] ?? [];
    const note = option.default === undefined ? "" : `(default ${option.default})`;
    return [
      `  ${option.usage.padEnd(usageWidth)}${note ? first.padEnd(textWidth) + note : first}`,
      ...more.map((line) => `  ${" ".repeat(usageWidth)}${line}`),
    ];
  });
  return `${lines.join("\n")}\n`;
}
