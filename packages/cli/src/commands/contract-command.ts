import { parse } from "../args/parse.js";
import { CliFailure, ExitCode, exitCodeHelp } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { contractCheck, contractWrite } from "./contract.js";

export const CONTRACT_HELP = `sockwire contract: the breaking-change check for CI

Usage:
  sockwire contract check <module> --snapshot <file> [--json] [--all]
  sockwire contract write <module> --snapshot <file>

<module> is the file that exports the contract (TypeScript or JavaScript), with #name to pick
one export when it has several: src/contract.ts#chat.

check compares the snapshot (the contract as released) with the module's contract as it is
now, for both ways a deploy can skew: old clients with a new server, and new clients with an
old server. It prints one line per message that changed, saying for each skew whether it still
works and why not. An added message is never breaking: against an older peer it is only
disabled on that connection.

write stores the contract's canonical form (the form PROTOCOL.md section 7 defines) as JSON.
Commit it with each release; update it when a change is meant.

Options:
  --snapshot <file>   the snapshot file (required)
  --json              check: print the report as JSON
  --all               check: list unchanged messages too
  -h, --help          this help

Examples:
  sockwire contract write src/contract.ts --snapshot contract.snapshot.json
  sockwire contract check src/contract.ts --snapshot contract.snapshot.json

${exitCodeHelp([ExitCode.OK, ExitCode.BREAKING, ExitCode.USAGE, ExitCode.INPUT])}`;

/**
 * `sockwire contract check|write`: the breaking-change check for CI, and the snapshot it compares
 * with.
 *
 * @example
 * ```ts
 * const code = await contract(["check", "src/contract.ts", "--snapshot", "c.json"], io);
 * ```
 */
export async function contract(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parse(argv, {
    snapshot: { type: "string" },
    json: { type: "boolean" },
    all: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help === true) {
    io.out(CONTRACT_HELP);
    return ExitCode.OK;
  }
  const [action, module, ...extra] = positionals;
  if (action !== "check" && action !== "write") {
    throw new CliFailure(
      ExitCode.USAGE,
      action === undefined
        ? "contract needs check or write"
        : `unknown contract action ${JSON.stringify(action)} (check or write)`,
    );
  }
  if (module === undefined)
    throw new CliFailure(ExitCode.USAGE, `contract ${action} needs a module`);
  if (extra.length > 0) throw new CliFailure(ExitCode.USAGE, `unexpected argument ${extra[0]}`);
  if (typeof values.snapshot !== "string") {
    throw new CliFailure(ExitCode.USAGE, `contract ${action} needs --snapshot <file>`);
  }
  const options = {
    module,
    snapshot: values.snapshot,
    json: values.json === true,
    all: values.all === true,
  };
  return action === "check" ? contractCheck(options, io) : contractWrite(options, io);
}
