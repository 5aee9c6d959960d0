/**
 * The exit codes of `sockwire`, stable so that scripts and CI can branch on them. Each command's
 * `--help` lists the ones it uses, and the README has the table. Codes are never renumbered; new
 * failures get new codes.
 *
 * @example
 * ```sh
 * sockwire call 127.0.0.1:7000 run '{"job":"build"}'
 * case $? in 0) ;; 5) echo "refused";; 6) echo "the server said no";; 8) echo "too slow";; esac
 * ```
 */
export const ExitCode = {
  /** The command did what was asked; for a check, nothing breaking was found. */
  OK: 0,
  /** `contract check` found a breaking change. */
  BREAKING: 1,
  /** The command line itself is wrong: unknown command or option, missing argument. */
  USAGE: 2,
  /** A file could not be used: a contract module, a snapshot, a certificate, the credentials. */
  INPUT: 3,
  /** The server could not be reached: refused, unreachable, a TLS failure, closed before answering. */
  CONNECT: 4,
  /** The server refused the handshake: credentials, authenticate, another contract, reflection off. */
  REFUSED: 5,
  /** The server answered a request with an error, or with an answer the contract does not allow. */
  REMOTE: 6,
  /** A value is not valid (not JSON, or not what the contract allows), or there is no such message. */
  INVALID: 7,
  /** A timeout passed: `--connect-timeout`, or `--timeout` for a request. */
  TIMEOUT: 8,
  /** The connection was lost or the server closed it after it had opened (the server went away). */
  LOST: 9,
  /** Interrupted by Ctrl+C (SIGINT) or SIGTERM; what was done so far is printed. */
  INTERRUPTED: 130,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What each exit code means, in the words `--help` and the README use. */
export const EXIT_CODE_MEANINGS: Readonly<Record<ExitCode, string>> = {
  0: "done",
  1: "contract check: a breaking change was found",
  2: "the command line is wrong",
  3: "a file could not be used (contract module, snapshot, certificate, credentials)",
  4: "could not connect (refused, unreachable, TLS failure, closed before the handshake)",
  5: "the server refused the handshake (credentials, another contract, reflection off)",
  6: "the server answered with an error",
  7: "a value is not valid for the contract (or no such message)",
  8: "a timeout passed (--connect-timeout, --timeout)",
  9: "the connection was lost, or the server closed it",
  130: "interrupted (Ctrl+C)",
};

/**
 * The "Exit codes:" section of a command's help, for the codes it uses.
 *
 * @example
 * ```ts
 * exitCodeHelp([ExitCode.OK, ExitCode.USAGE]); // "Exit codes:\n  0  done\n  2  the command line is wrong\n"
 * ```
 */
export function exitCodeHelp(codes: readonly ExitCode[]): string {
  const lines = codes.map((code) => `  ${String(code).padEnd(3)} ${EXIT_CODE_MEANINGS[code]}`);
  return `Exit codes:\n${lines.join("\n")}\n`;
}

/** What a failure says beyond its message: the coded error behind it, for `--json` output. */
export interface FailureDetail {
  /** The sockwire error code (`ERR_REMOTE`, `ERR_VALIDATION_FAILED`...). */
  readonly code?: string | undefined;
  /** The server's wire code, for a remote error or a refusal. */
  readonly remoteCode?: string | undefined;
  /** Bounded details: validation issues, the message name... */
  readonly details?: unknown;
}

/**
 * A failure that ends the command with `exitCode`, its message printed on stderr (no stack: the
 * message is written for the person at the terminal), or as JSON with `--json`.
 */
export class CliFailure extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly detail: FailureDetail = {},
  ) {
    super(message);
    this.name = "CliFailure";
  }
}
