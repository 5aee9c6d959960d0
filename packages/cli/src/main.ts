import { parseArgs } from "node:util";
import { contractCheck, contractWrite } from "./commands/contract.js";
import { CliFailure, ExitCode } from "./exit-codes.js";
import type { CliIo } from "./io.js";

const USAGE = `sockwire: the sockwire command line

Usage:
  sockwire contract check <module> --snapshot <file> [--json] [--all]
  sockwire contract write <module> --snapshot <file>
  sockwire <command> --help

Commands:
  contract check   compare a contract with its committed snapshot; exit 1 on a breaking change
  contract write   write (or update) the snapshot of a contract

Exit codes:
  0  done; nothing breaking
  1  a breaking change was found
  2  the command line is wrong
  3  the contract module or the snapshot is missing or invalid
`;

const CONTRACT_HELP = `sockwire contract: the breaking-change check for CI

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

Exit codes:
  0  nothing breaking (check), snapshot written (write)
  1  a breaking change was found (check)
  2  the command line is wrong
  3  the contract module or the snapshot is missing or invalid
`;

/**
 * Runs `sockwire` with `argv` (the arguments after the program name) and returns the exit code.
 * Everything is written through `io`; nothing here exits the process.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(["contract", "check", "src/contract.ts", "--snapshot", "c.json"], processIo());
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof CliFailure) {
      io.err(`sockwire: ${error.message}\n`);
      if (error.exitCode === ExitCode.USAGE) io.err("Run sockwire --help for usage.\n");
      return error.exitCode;
    }
    throw error;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    io.out(USAGE);
    return command === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  if (command === "contract") return contract(rest, io);
  throw new CliFailure(ExitCode.USAGE, `unknown command ${JSON.stringify(command)}`);
}

async function contract(argv: readonly string[], io: CliIo): Promise<ExitCode> {
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

type Spec = Record<string, { type: "string" | "boolean"; short?: string }>;

/** `parseArgs`, strict, with its errors turned into usage failures. */
function parse(argv: readonly string[], options: Spec) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliFailure(ExitCode.USAGE, error instanceof Error ? error.message : String(error));
  }
}
