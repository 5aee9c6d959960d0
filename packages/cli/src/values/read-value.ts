import type { z } from "zod";
import { CliFailure, ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";

/**
 * The value a message carries, as the user gives it: the JSON argument; or, with `-` or without
 * an argument, standard input, read to its end (empty input is no value). A message that takes no
 * value needs none: without an argument, stdin is not even read, so a command in a script whose
 * stdin never closes does not wait for it.
 *
 * @throws a failure with exit code `INVALID` for text that is not JSON (its position, never its
 * content, since values may hold secrets), `USAGE` when a value is needed and stdin is a terminal.
 *
 * @example
 * ```ts
 * const input = await readValue(positionals[2], io, request.input, "the input of request join");
 * ```
 */
export async function readValue(
  arg: string | undefined,
  io: CliIo,
  schema: z.ZodType,
  what: string,
): Promise<unknown> {
  if (arg !== undefined && arg !== "-") return parseJson(arg, "the value");
  if (arg === undefined && schema.safeParse(undefined).success) return undefined;
  const stdin = io.stdin;
  if (stdin === undefined || stdin.isTerminal) {
    throw new CliFailure(
      ExitCode.USAGE,
      arg === "-"
        ? "- reads the value from stdin, which is a terminal"
        : `${what} is needed: give it as JSON after the name, or on stdin`,
    );
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
