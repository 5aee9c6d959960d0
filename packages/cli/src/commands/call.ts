import { ErrorCode, isSockwireError } from "@sockwire/protocol";
import { duration, parse, usage } from "../args/parse.js";
import { contractFor } from "../connect/contract-source.js";
import { closeClient, openClient } from "../connect/open-client.js";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionSettings } from "../connect/settings.js";
import { CliFailure, ExitCode, exitCodeHelp } from "../exit-codes.js";
import { failureFrom } from "../failures.js";
import type { CliIo } from "../io.js";
import { checkValue } from "../values/check-value.js";
import { clientRequest } from "../values/find-message.js";
import { readValue } from "../values/read-value.js";

export const CALL_HELP = `sockwire call: one request, its answer as JSON

Usage:
  sockwire call HOST:PORT NAME [JSON] [options]

Sends the client request NAME with the input JSON and prints the server's answer as one line of
JSON on stdout (nothing for an answer with no value). Without JSON, or with -, the input is read
from stdin; a request that takes no input is sent without one (stdin is read only with -). The
input is checked against the contract first: a value it does not allow fails before anything is
sent, with one line per field that is wrong. Errors go to stderr with their code (as JSON with --json),
and the exit code says what kind of failure it was.

Options:
  --timeout <time>             how long to wait for the answer (default 30s; 0 = no limit)
${CONNECTION_HELP}
Examples:
  sockwire call 127.0.0.1:7000 join '{"room":"lobby"}'
  echo '{"room":"lobby"}' | sockwire call 127.0.0.1:7000 join
  sockwire call 127.0.0.1:7000 whoami --credentials-file token.json | jq -r .id
  sockwire call 127.0.0.1:7000 join '{"room":"lobby"}' --contract src/contract.ts --timeout 2s

${exitCodeHelp([ExitCode.OK, ExitCode.USAGE, ExitCode.INPUT, ExitCode.CONNECT, ExitCode.REFUSED, ExitCode.REMOTE, ExitCode.INVALID, ExitCode.TIMEOUT, ExitCode.LOST, ExitCode.INTERRUPTED])}`;

/** Errors of a request that mean the server's answer could not be used. */
const BAD_ANSWER = new Set<string>([
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.PAYLOAD_INVALID,
  ErrorCode.PAYLOAD_TOO_DEEP,
]);

/**
 * `sockwire call`: one request, its answer as JSON on stdout.
 *
 * @example
 * ```ts
 * const code = await call(["127.0.0.1:7000", "join", '{"room":"lobby"}'], io);
 * ```
 */
export async function call(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parse(argv, {
    ...CONNECTION_OPTIONS,
    timeout: { type: "string" } as const,
  });
  if (values.help === true) {
    io.out(CALL_HELP);
    return ExitCode.OK;
  }
  const [address, name, json, ...extra] = positionals;
  if (extra.length > 0) throw usage(`unexpected argument ${extra[0]}`);
  const settings = connectionSettings(address, values, io);
  if (name === undefined) throw usage("call needs the NAME of a request");
  const timeoutMs = values.timeout === undefined ? 30_000 : duration(values.timeout, "--timeout");
  const signal = io.interrupted?.();
  const { contract } = await contractFor(settings, io, signal);
  const schema = clientRequest(contract, name).input;
  const what = `the input of request ${name}`;
  const input = await readValue(json, io, schema, what);
  checkValue(schema, input, what);
  const client = await openClient(contract, settings, { requestTimeoutMs: timeoutMs, signal });
  try {
    const output = await client.request(name as never, input as never, { signal });
    if (output !== undefined) io.out(`${JSON.stringify(output)}\n`);
    return ExitCode.OK;
  } catch (error) {
    if (signal?.aborted)
      throw new CliFailure(ExitCode.INTERRUPTED, `interrupted; request ${name} cancelled`);
    const badAnswer = isSockwireError(error) && BAD_ANSWER.has(error.code);
    throw failureFrom(error, badAnswer ? ExitCode.REMOTE : undefined);
  } finally {
    await closeClient(client);
  }
}
