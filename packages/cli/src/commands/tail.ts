import type { ClientStatus, SockwireClient } from "@sockwire/client";
import { type AnyContract, ErrorCode } from "@sockwire/protocol";
import { count, parse } from "../args/parse.js";
import { contractFor } from "../connect/contract-source.js";
import { closeClient, openClient } from "../connect/open-client.js";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionSettings } from "../connect/settings.js";
import { CliFailure, ExitCode, exitCodeHelp } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { serverEvent } from "../values/find-message.js";

export const TAIL_HELP = `sockwire tail: the server's events, as they come

Usage:
  sockwire tail HOST:PORT [NAME...] [options]

Prints every event the server sends, or only the events NAME..., as NDJSON on stdout: one line
per event, {"event":"<name>","data":<value>} (no data member for an event without a value).
Runs until Ctrl+C (exit 130), until --count events have been printed (exit 0), or until the
server closes the connection or it is lost (exit 9: the server went away).

Options:
  --count <n>                  stop after n events
${CONNECTION_HELP}
Examples:
  sockwire tail 127.0.0.1:18888
  sockwire tail 127.0.0.1:7000 progress done --count 10
  sockwire tail 127.0.0.1:7000 | jq -c 'select(.event == "done") | .data'

${exitCodeHelp([ExitCode.OK, ExitCode.USAGE, ExitCode.INPUT, ExitCode.CONNECT, ExitCode.REFUSED, ExitCode.INVALID, ExitCode.TIMEOUT, ExitCode.LOST, ExitCode.INTERRUPTED])}`;

/**
 * `sockwire tail`: the server's events as NDJSON, until Ctrl+C, `--count`, or the server leaves.
 *
 * @example
 * ```ts
 * const code = await tail(["127.0.0.1:7000", "--count", "1"], io);
 * ```
 */
export async function tail(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parse(argv, {
    ...CONNECTION_OPTIONS,
    count: { type: "string" } as const,
  });
  if (values.help === true) {
    io.out(TAIL_HELP);
    return ExitCode.OK;
  }
  const [address, ...names] = positionals;
  const settings = connectionSettings(address, values, io);
  const limit =
    values.count === undefined ? Number.POSITIVE_INFINITY : count(values.count, "--count");
  const signal = io.interrupted?.();
  const { contract } = await contractFor(settings, io, signal);
  for (const name of names) serverEvent(contract, name);
  const watched = names.length > 0 ? names : [...contract.server.events.keys()];
  if (watched.length === 0) {
    throw new CliFailure(
      ExitCode.INVALID,
      `contract ${contract.name} has no server events to tail`,
    );
  }
  let end!: (outcome: ExitCode | CliFailure) => void;
  const ended = new Promise<ExitCode | CliFailure>((resolve) => (end = resolve));
  let printed = 0;
  const client = await openClient(contract, settings, {
    signal,
    setup: (c) => {
      for (const name of watched) {
        c.on(name as never, (data: unknown) => {
          if (printed >= limit) return;
          io.out(`${JSON.stringify({ event: name, data })}\n`);
          if (++printed >= limit) end(ExitCode.OK);
        });
      }
      c.onStatus((status) => {
        if (status.state === "closed") end(wentAway(status));
      });
    },
  });
  const onAbort = () =>
    end(new CliFailure(ExitCode.INTERRUPTED, `interrupted after ${printed} events`));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  if (printed >= limit) end(ExitCode.OK);
  const outcome = await ended;
  signal?.removeEventListener("abort", onAbort);
  await closeClient(client as SockwireClient<AnyContract>);
  if (outcome instanceof CliFailure) throw outcome;
  return outcome;
}

/** The failure for a connection the server closed or that was lost while tailing. */
function wentAway(status: Extract<ClientStatus, { state: "closed" }>): CliFailure {
  const why = status.error === undefined ? "" : `: ${status.error.message}`;
  return new CliFailure(
    ExitCode.LOST,
    `${ErrorCode.CONNECTION_LOST}: the server closed the connection${why}`,
    {
      code: ErrorCode.CONNECTION_LOST,
      details: { graceful: status.graceful },
    },
  );
}
