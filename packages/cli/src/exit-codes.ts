/**
 * The exit codes of `sockwire`, stable so that scripts and CI can branch on them. Each command's
 * `--help` lists the ones it uses.
 *
 * @example
 * ```sh
 * sockwire contract check src/contract.ts --snapshot contract.snapshot.json
 * [ $? -eq 1 ] && echo "breaking change"
 * ```
 */
export const ExitCode = {
  /** The command did what was asked; for a check, nothing breaking was found. */
  OK: 0,
  /** `contract check` found a breaking change. */
  BREAKING: 1,
  /** The command line itself is wrong: unknown command or option, missing argument. */
  USAGE: 2,
  /** A file could not be used: the contract module or the snapshot is missing or invalid. */
  INPUT: 3,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A failure that ends the command with `exitCode`, its message printed on stderr (no stack: the
 * message is written for the person at the terminal).
 */
export class CliFailure extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = "CliFailure";
  }
}
