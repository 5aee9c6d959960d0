/**
 * demo-server: the article's ServerSocket console, rebuilt on @sockwire/server (or, with
 * `--wire raw`, on its original unframed bytes). Run `pnpm --filter demo-server start -- --help`.
 */
import process from "node:process";
import { USAGE_EXIT_CODE, UsageError, watchStopRequests } from "demo-contract";
import { startFramedServer } from "./framed-server.js";
import { serverLines } from "./lines.js";
import { parseServerOptions, SERVER_USAGE, type ServerCommand } from "./options.js";
import { startRawServer } from "./raw-server.js";
import { ListenError, type ServerEnvironment } from "./running-server.js";

/** How long a graceful stop waits for clients to finish before dropping them. */
const STOP_TIMEOUT_MS = 5000;

async function main(argv: readonly string[]): Promise<number> {
  let command: ServerCommand;
  try {
    command = parseServerOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`demo-server: ${err.message}\nRun with --help to see the options.\n`);
    return USAGE_EXIT_CODE;
  }
  if (command.kind === "help") {
    process.stdout.write(SERVER_USAGE);
    return 0;
  }
  const { options } = command;
  const env: ServerEnvironment = {
    lines: serverLines(options.lang),
    print: (line) => process.stdout.write(`${line}\n`),
    report: (line) => process.stderr.write(`demo-server: ${line}\n`),
  };

  // Signals are caught before listening, so even an early Ctrl+C stops gracefully. Enter stops
  // only on a terminal: a server started with stdin from a pipe or /dev/null sees end-of-file at
  // once, and must keep serving until it is signalled.
  const stop = watchStopRequests({
    signals: process,
    input: process.stdin.isTTY ? process.stdin : undefined,
  });
  try {
    const start = options.wire === "raw" ? startRawServer : startFramedServer;
    let server: Awaited<ReturnType<typeof start>>;
    try {
      const { host, port, reflection } = options;
      server = await start({ host, port, reflection }, env);
    } catch (err) {
      if (!(err instanceof ListenError)) throw err;
      env.print(env.lines.listenFailed(err.endpoint, err.reason));
      env.report(err.message + (HINTS[err.reason] ?? ""));
      return 1;
    }
    env.print(env.lines.listening(server.endpoint));
    await stop.requested;
    await server.stop(STOP_TIMEOUT_MS);
    env.print(env.lines.stopped());
    return 0;
  } finally {
    stop.dispose();
  }
}

/** What to do about the usual reasons, for someone starting the demo for the first time. */
const HINTS: Partial<Record<string, string>> = {
  EADDRINUSE:
    "; another program is listening there: stop it, or choose a free port with --port (0 takes any)",
};

// A reader that went away (`demo-server | head`) must not crash the server.
process.stdout.on("error", () => {});
process.exitCode = await main(process.argv.slice(2));
