import { bench } from "./commands/bench.js";
import { call } from "./commands/call.js";
import { contract } from "./commands/contract-command.js";
import { describe } from "./commands/describe.js";
import { emit } from "./commands/emit.js";
import { tail } from "./commands/tail.js";
import { CliFailure, ExitCode, exitCodeHelp } from "./exit-codes.js";
import { reportFailure } from "./failures.js";
import type { CliIo } from "./io.js";

const USAGE = `sockwire: the sockwire command line

Usage:
  sockwire describe HOST:PORT [NAME]       what a running server speaks (its contract)
  sockwire call HOST:PORT NAME [JSON]      one request; its answer as JSON
  sockwire emit HOST:PORT NAME [JSON]      one event, or one per line of stdin (NDJSON)
  sockwire tail HOST:PORT [NAME...]        the server's events as NDJSON, until Ctrl+C
  sockwire bench HOST:PORT NAME [JSON]     throughput and latency of one message
  sockwire contract check|write <module>   the breaking-change check for CI
  sockwire <command> --help                a command's options, examples and exit codes

Without --contract, the commands that connect ask the server for its contract first
(reflection), which the server must allow (its reflection option; off by default).

${exitCodeHelp(Object.values(ExitCode))}`;

/** The commands, by name. */
const COMMANDS: Readonly<
  Record<string, (argv: readonly string[], io: CliIo) => Promise<ExitCode>>
> = {
  describe,
  call,
  emit,
  tail,
  bench,
  contract,
};

/**
 * Runs `sockwire` with `argv` (the arguments after the program name) and returns the exit code.
 * Everything is written through `io`; nothing here exits the process. A failure is printed on
 * stderr, as JSON when the command line has `--json`.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(["call", "127.0.0.1:7000", "join", '{"room":"lobby"}'], processIo());
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof CliFailure) {
      reportFailure(error, io, argv.includes("--json"));
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
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (run === undefined) {
    throw new CliFailure(ExitCode.USAGE, `unknown command ${JSON.stringify(command)}`);
  }
  return run(rest, io);
}
