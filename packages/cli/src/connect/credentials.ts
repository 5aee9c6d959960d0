import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { CliFailure, ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";

/**
 * The credentials for the hello, from `--credentials-file FILE` or `--credentials-env VAR` (JSON
 * either way), or `undefined` without either. Their content is never printed, not even in an
 * error: a file or variable that is not JSON is reported by name only (JSON.parse's own message
 * quotes the text).
 *
 * @example
 * ```ts
 * readCredentials({ "credentials-env": "SOCKWIRE_CREDENTIALS" }, io); // { token: "..." }
 * ```
 */
export function readCredentials(
  values: { "credentials-file"?: string | undefined; "credentials-env"?: string | undefined },
  io: CliIo,
): unknown {
  const file = values["credentials-file"];
  const variable = values["credentials-env"];
  if (file !== undefined && variable !== undefined) {
    throw new CliFailure(ExitCode.USAGE, "give --credentials-file or --credentials-env, not both");
  }
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(isAbsolute(file) ? file : resolve(io.cwd, file), "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new CliFailure(ExitCode.INPUT, `could not read the credentials file ${file} (${code})`);
    }
    return secretJson(text, `the credentials file ${file}`);
  }
  if (variable !== undefined) {
    const text = io.env?.[variable];
    if (text === undefined || text === "") {
      throw new CliFailure(ExitCode.INPUT, `the environment variable ${variable} is not set`);
    }
    return secretJson(text, `the environment variable ${variable}`);
  }
  return undefined;
}

function secretJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliFailure(ExitCode.INPUT, `${what} does not hold JSON credentials`);
  }
}
