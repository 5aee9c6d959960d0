/**
 * demo-client: the article's ClientSocket console, rebuilt on @sockwire/client (or, with
 * `--wire raw`, on its original unframed bytes). Run `pnpm --filter demo-client start -- --help`.
 */
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { USAGE_EXIT_CODE, UsageError, waitForEnter, watchStopRequests } from "demo-contract";
import { FramedTransport } from "./framed-transport.js";
import { clientLines } from "./lines.js";
import { CLIENT_USAGE, type ClientCommand, parseClientOptions } from "./options.js";
import { RawTransport } from "./raw-transport.js";
import { runClientSession } from "./session.js";

/** Longest wait for the connection (TCP and handshake) and then for the greeting. */
const CONNECT_TIMEOUT_MS = 10_000;

async function main(argv: readonly string[]): Promise<number> {
  let command: ClientCommand;
  try {
    command = parseClientOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`demo-client: ${err.message}\nRun with --help to see the options.\n`);
    return USAGE_EXIT_CODE;
  }
  if (command.kind === "help") {
    process.stdout.write(CLIENT_USAGE);
    return 0;
  }
  const { options } = command;
  const target = { host: options.host, port: options.port, connectTimeoutMs: CONNECT_TIMEOUT_MS };
  const transport = options.wire === "raw" ? new RawTransport(target) : new FramedTransport(target);
  // Ctrl+C or SIGTERM at any point closes the connection gracefully.
  const stop = watchStopRequests({ signals: process });
  const interactive = process.stdin.isTTY === true;
  try {
    return await runClientSession(
      transport,
      {
        count: options.count,
        intervalMs: options.intervalMs,
        greetingTimeoutMs: CONNECT_TIMEOUT_MS,
      },
      {
        lines: clientLines(options.lang, { waitsForEnter: interactive }),
        print: (line) => process.stdout.write(`${line}\n`),
        report: (line) => process.stderr.write(`demo-client: ${line}\n`),
        now: () => new Date(),
        sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => {}),
        // Without a terminal nobody can press Enter: close right away instead of hanging (the
        // lines then say so).
        waitForEnter: async (signal) => {
          if (interactive) await waitForEnter(process.stdin, signal);
        },
        stopRequested: stop.requested,
      },
    );
  } finally {
    stop.dispose();
  }
}

// A reader that went away (`demo-client | head`) must not crash the client.
process.stdout.on("error", () => {});
process.exitCode = await main(process.argv.slice(2));
