import { createInterface } from "node:readline";

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
  /** Environment variables (`--credentials-env` reads one). Default: none. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Standard input, for values not given on the command line. Default: none (a terminal). */
  readonly stdin?: CliInput | undefined;
  /** True when stderr is a terminal: progress lines then rewrite themselves. */
  readonly errIsTerminal?: boolean;
  /**
   * A signal that aborts on Ctrl+C (SIGINT) or SIGTERM, for commands that stop gracefully; the
   * handlers are installed on the first call, so a command that never asks is killed as usual.
   */
  readonly interrupted?: () => AbortSignal;
}

/** Standard input, when it is not a terminal. */
export interface CliInput {
  /** True when stdin is a terminal (nothing is read from it then). */
  readonly isTerminal: boolean;
  /** All of it, as UTF-8 text. */
  text(): Promise<string>;
  /** Line by line, as they arrive (NDJSON); `signal` ends them early. */
  lines(signal?: AbortSignal): AsyncIterable<string>;
}

/** The io of the running process. */
export function processIo(): CliIo {
  let interrupted: AbortController | undefined;
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    stdin: processInput(),
    errIsTerminal: process.stderr.isTTY === true,
    interrupted: () => {
      if (interrupted === undefined) {
        const controller = new AbortController();
        interrupted = controller;
        const onSignal = (signal: NodeJS.Signals) => {
          // A second Ctrl+C while the command winds down ends it at once.
          if (controller.signal.aborted) process.exit(130);
          controller.abort(signal);
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
      }
      return interrupted.signal;
    },
  };
}

function processInput(): CliInput {
  return {
    isTerminal: process.stdin.isTTY === true,
    async text() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    lines(signal) {
      return createInterface({
        input: process.stdin,
        crlfDelay: Number.POSITIVE_INFINITY,
        ...(signal === undefined ? {} : { signal }),
      });
    },
  };
}
