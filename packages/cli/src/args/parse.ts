import { type ParseArgsConfig, parseArgs } from "node:util";
import { CliFailure, ExitCode } from "../exit-codes.js";

/** The options a command accepts, in `node:util` parseArgs' terms. */
export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/**
 * `parseArgs`, strict, with its errors turned into usage failures: an unknown option, a missing
 * value or a value given to a flag exit with `USAGE`.
 *
 * @example
 * ```ts
 * const { values, positionals } = parse(argv, { json: { type: "boolean" } });
 * ```
 */
export function parse<const T extends OptionSpec>(
  argv: readonly string[],
  options: T,
): ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
> {
  try {
    return parseArgs({
      args: [...argv],
      options,
      allowPositionals: true as const,
      strict: true as const,
    });
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
}

/** A usage failure (exit code 2). */
export function usage(message: string): CliFailure {
  return new CliFailure(ExitCode.USAGE, message);
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration option in milliseconds: `250ms`, `5s`, `1.5m`, `2h`, or a bare number of
 * milliseconds. `0` is allowed where it means "none".
 *
 * @example
 * ```ts
 * duration("5s", "--timeout"); // 5000
 * ```
 */
export function duration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * (UNITS[match[2] ?? "ms"] as number) : Number.NaN;
  if (!Number.isFinite(ms) || ms > 2_147_483_647) {
    throw usage(`${option} takes a duration such as 500ms, 5s or 2m, not ${JSON.stringify(text)}`);
  }
  return Math.round(ms);
}

/** A whole-number option within `[min, max]`. */
export function count(
  text: string,
  option: string,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw usage(
      `${option} takes a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ""}, not ${JSON.stringify(text)}`,
    );
  }
  return value;
}
