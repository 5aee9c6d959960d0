import { CliFailure, ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";

/**
 * The value a message carries, as the user gives it: the JSON argument, or standard input when
 * the argument is absent (or `-`) and stdin is not a terminal. `undefined` when there is neither,
 * or the input is empty: the message then carries no value (an empty payload).
 *
 * @throws a failure with exit code `INVALID` for text that is not JSON (its position, never its
 * content, since values may hold secrets).
 */
export async function readValue(arg: string | undefined, io: CliIo): Promise<unknown> {
  if (arg !== undefined && arg !== "-") return parseJson(arg, "the value");
  const stdin = io.stdin;
  if (stdin === undefined || stdin.isTerminal) {
    if (arg === "-")
      throw new CliFailure(ExitCode.USAGE, "- reads the value from stdin, which is a terminal");
    return undefined;
  }
  const text = await stdin.text();
  return text.trim() === "" ? undefined : parseJson(text, "the value on stdin");
}

/**
 * `JSON.parse`, failing with exit code `INVALID` and a message that says where the text went
 * wrong without quoting it.
 */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : "")?.[1];
    throw new CliFailure(
      ExitCode.INVALID,
      `${what} is not valid JSON${position === undefined ? "" : ` (at character ${position})`}`,
    );
  }
}
