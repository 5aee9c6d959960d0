import { type CanonicalContract, canonicalContract } from "@sockwire/protocol";
import { parse } from "../args/parse.js";
import { target } from "../args/target.js";
import { contractFor } from "../connect/contract-source.js";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionSettings } from "../connect/settings.js";
import { contractText, findMessages, messageJson } from "../describe/contract-view.js";
import { CliFailure, ExitCode, exitCodeHelp } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { loadContract } from "../load-contract.js";
import { snapshotText } from "./contract.js";

export const DESCRIBE_HELP = `sockwire describe: what a running server speaks

Usage:
  sockwire describe HOST:PORT [NAME] [options]
  sockwire describe [HOST:PORT] --contract <module> [NAME] [--json]

Prints the server's contract: every message, the side that sends it, whether it is an event or
a request, and its schema as a TypeScript-like type, with what TypeScript cannot say (bounds,
formats, patterns) in comments. NAME (a message name, or a key such as client.requests.join)
prints that message only. The server must have its reflection option on (it is off by default:
it shows every caller the server's whole surface). With --contract, the module's contract is
described and nothing is contacted (HOST:PORT may then be left out).

--json prints the contract's canonical form (PROTOCOL.md section 7.3) instead, the same JSON as a
snapshot file of sockwire contract write; with NAME, that message's key, kind, sender and form.

${CONNECTION_HELP}
Examples:
  sockwire describe 127.0.0.1:18888
  sockwire describe 127.0.0.1:7000 join
  sockwire describe chat.internal:7000 --tls --ca ca.pem --credentials-env CHAT_TOKEN
  sockwire describe 127.0.0.1:7000 --json > contract.snapshot.json

${exitCodeHelp([ExitCode.OK, ExitCode.USAGE, ExitCode.INPUT, ExitCode.CONNECT, ExitCode.REFUSED, ExitCode.INVALID, ExitCode.TIMEOUT, ExitCode.INTERRUPTED])}`;

/**
 * `sockwire describe`: the server's contract (by reflection), or a contract module's, as text or
 * as its canonical form in JSON.
 *
 * @example
 * ```ts
 * const code = await describe(["127.0.0.1:7000", "--json"], io);
 * ```
 */
export async function describe(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parse(argv, CONNECTION_OPTIONS);
  if (values.help === true) {
    io.out(DESCRIBE_HELP);
    return ExitCode.OK;
  }
  // With --contract nothing is contacted: HOST:PORT may be left out, and one argument is NAME.
  const offline = values.contract !== undefined;
  const named = offline && positionals.length < 2 ? [undefined, ...positionals] : positionals;
  const [address, name, ...extra] = named;
  if (extra.length > 0) throw new CliFailure(ExitCode.USAGE, `unexpected argument ${extra[0]}`);
  if (offline && address !== undefined) target(address);
  const form = offline
    ? canonicalContract(await loadContract(values.contract as string, io.cwd))
    : await remoteForm(address, values, io);
  const json = values.json === true;
  if (name === undefined) {
    io.out(json ? snapshotText(form) : contractText(form));
    return ExitCode.OK;
  }
  const found = findMessages(form, name);
  if (found.length === 0) {
    throw new CliFailure(
      ExitCode.INVALID,
      `contract ${form.name} has no message ${JSON.stringify(name)}`,
      {
        code: "ERR_UNKNOWN_MESSAGE_TYPE",
        details: { message: name },
      },
    );
  }
  io.out(
    json
      ? `${JSON.stringify(found.length === 1 ? messageJson(found[0] as never) : found.map(messageJson), null, 2)}\n`
      : contractText(form, found),
  );
  return ExitCode.OK;
}

async function remoteForm(
  address: string | undefined,
  values: Parameters<typeof connectionSettings>[1],
  io: CliIo,
): Promise<CanonicalContract> {
  const settings = connectionSettings(address, values, io);
  const source = await contractFor(settings, io, io.interrupted?.());
  return source.form ?? canonicalContract(source.contract);
}
