import type { SockwireClient } from "@sockwire/client";
import type { AnyContract } from "@sockwire/protocol";
import type { z } from "zod";
import { parse, usage } from "../args/parse.js";
import { contractFor } from "../connect/contract-source.js";
import { closeClient, openClient } from "../connect/open-client.js";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionSettings } from "../connect/settings.js";
import { CliFailure, ExitCode, exitCodeHelp } from "../exit-codes.js";
import { failureFrom } from "../failures.js";
import type { CliInput, CliIo } from "../io.js";
import { checkValue } from "../values/check-value.js";
import { clientEvent } from "../values/find-message.js";
import { parseJson } from "../values/read-value.js";

export const EMIT_HELP = `sockwire emit: send events

Usage:
  sockwire emit HOST:PORT NAME [JSON] [options]
  producer | sockwire emit HOST:PORT NAME [-] [options]

Sends the client event NAME with the value JSON. Without JSON (or with -), each line of stdin is
one event (NDJSON: one JSON value per line, blank lines skipped), sent as it arrives until stdin
ends. Each value is checked against the contract before it is sent; the first one that is not
valid stops the command (exit 7, naming the line and the field), the events before it having
been sent. An event that takes no value is sent once, without one, unless - asks for stdin.
Everything sent is flushed before exit.
Prints nothing, or {"emitted":N} with --json.

${CONNECTION_HELP}
Examples:
  sockwire emit 127.0.0.1:18888 message '{"text":"hello"}'
  printf '%s\\n' '{"text":"a"}' '{"text":"b"}' | sockwire emit 127.0.0.1:18888 message
  tail -f events.ndjson | sockwire emit 127.0.0.1:7000 log --contract src/contract.ts

${exitCodeHelp([ExitCode.OK, ExitCode.USAGE, ExitCode.INPUT, ExitCode.CONNECT, ExitCode.REFUSED, ExitCode.INVALID, ExitCode.TIMEOUT, ExitCode.LOST, ExitCode.INTERRUPTED])}`;

/**
 * `sockwire emit`: one event from the command line, or one per line of stdin.
 *
 * @example
 * ```ts
 * const code = await emit(["127.0.0.1:18888", "message", '{"text":"hi"}'], io);
 * ```
 */
export async function emit(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parse(argv, CONNECTION_OPTIONS);
  if (values.help === true) {
    io.out(EMIT_HELP);
    return ExitCode.OK;
  }
  const [address, name, json, ...extra] = positionals;
  if (extra.length > 0) throw usage(`unexpected argument ${extra[0]}`);
  const settings = connectionSettings(address, values, io);
  if (name === undefined) throw usage("emit needs the NAME of an event");
  const single = json === undefined || json === "-" ? undefined : parseJson(json, "the value");
  const signal = io.interrupted?.();
  const { contract } = await contractFor(settings, io, signal);
  const schema = clientEvent(contract, name);
  const stdin = linesFrom(json, schema, io);
  if (stdin === undefined) checkValue(schema, single, `the value of event ${name}`);
  const client = await openClient(contract, settings, { signal });
  let emitted = 0;
  try {
    if (stdin === undefined) {
      await send(client, name, single);
      emitted = 1;
    } else {
      // Read from here on only: lines read before the loop starts would be lost.
      await sendLines(client, name, schema, stdin.lines(signal), signal, () => emitted++);
    }
  } finally {
    await closeClient(client);
    if (values.json === true) io.out(`${JSON.stringify({ emitted })}\n`);
  }
  if (signal?.aborted)
    throw new CliFailure(ExitCode.INTERRUPTED, `interrupted after ${emitted} events`);
  return ExitCode.OK;
}

/**
 * Where the events come from: stdin, line by line, with `-`, or without JSON for an event that
 * takes a value; otherwise (JSON given, or an event that takes no value) the command line. Stdin
 * is never waited for by an event that needs nothing from it.
 */
function linesFrom(json: string | undefined, schema: z.ZodType, io: CliIo): CliInput | undefined {
  const wanted = json === "-" || (json === undefined && !schema.safeParse(undefined).success);
  if (!wanted) return undefined;
  if (io.stdin === undefined || io.stdin.isTerminal) {
    throw usage(
      json === "-"
        ? "- reads events from stdin, which is a terminal"
        : "emit needs the event's value: JSON after NAME, or NDJSON lines on stdin",
    );
  }
  return io.stdin;
}

async function send(
  client: SockwireClient<AnyContract>,
  name: string,
  value: unknown,
): Promise<void> {
  try {
    await client.emit(name as never, value as never);
  } catch (error) {
    throw failureFrom(error);
  }
}

/** Sends one event per NDJSON line, calling `sent` after each; Ctrl+C ends the lines. */
async function sendLines(
  client: SockwireClient<AnyContract>,
  name: string,
  schema: z.ZodType,
  lines: AsyncIterable<string>,
  signal: AbortSignal | undefined,
  sent: () => void,
): Promise<void> {
  let number = 0;
  try {
    for await (const line of lines) {
      number++;
      if (line.trim() === "") continue;
      const value = parseJson(line, `line ${number}`);
      checkValue(schema, value, `line ${number} (event ${name})`);
      await send(client, name, value);
      sent();
    }
  } catch (error) {
    // The lines end with an AbortError when Ctrl+C closes them.
    if (!signal?.aborted) throw error;
  }
}
