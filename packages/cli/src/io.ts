/**
 * Where a command reads and writes: the process's streams for the bin, buffers in tests. Output
 * goes through here only, so a command never touches `process` itself.
 */
export interface CliIo {
  /** Results: the report, the JSON. */
  readonly out: (text: string) => void;
  /** Diagnostics and errors, never part of a result a script parses. */
  readonly err: (text: string) => void;
  /** The directory relative paths start from. */
  readonly cwd: string;
}

/** The io of the running process. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    cwd: process.cwd(),
  };
}
