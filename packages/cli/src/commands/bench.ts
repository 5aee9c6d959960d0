import { count, duration, parse, usage } from "../args/parse.js";
import { showTarget } from "../args/target.js";
import { Progress } from "../bench/progress.js";
import { type BenchPlan, BenchRun, benchEvents, benchRequests } from "../bench/runner.js";
import { benchJson, benchText } from "../bench/summary.js";
import { contractFor } from "../connect/contract-source.js";
import { closeClient, openClient } from "../connect/open-client.js";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionSettings } from "../connect/settings.js";
import { CliFailure, ExitCode, exitCodeHelp } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { checkValue } from "../values/check-value.js";
import { clientMessage } from "../values/find-message.js";
import { readValue } from "../values/read-value.js";

export const BENCH_HELP = `sockwire bench: throughput and latency of one message

Usage:
  sockwire bench HOST:PORT NAME [JSON] [options]

Sends the client event or request NAME with the value JSON (or the JSON on stdin, or with -;
none for a message that takes no value) over one connection, as fast as the connection takes it or at
--rate, until --count messages or --duration. A progress line goes to stderr once a second; the
summary goes to stdout: messages per second and payload bytes per second, and for requests the
round-trip latency (min, p50, p90, p99, max, mean), with failures counted by error code. Ctrl+C
stops early and still prints the summary.

Options:
  --count <n>                  messages to send (default 10000; with --duration only, no limit)
  --duration <time>            stop after this long
  --rate <n>                   messages per second (default: as fast as possible)
  --concurrency <n>            requests in flight at once (default 1; events ignore it)
  --timeout <time>             each request's timeout (default 30s; 0 = none)
${CONNECTION_HELP}
Examples:
  sockwire bench 127.0.0.1:18888 message '{"text":"hello"}' --count 100000
  sockwire bench 127.0.0.1:7000 join '{"room":"lobby"}' --duration 10s --concurrency 16
  sockwire bench 127.0.0.1:7000 join '{"room":"lobby"}' --rate 500 --duration 30s --json

${exitCodeHelp([ExitCode.OK, ExitCode.USAGE, ExitCode.INPUT, ExitCode.CONNECT, ExitCode.REFUSED, ExitCode.REMOTE, ExitCode.INVALID, ExitCode.TIMEOUT, ExitCode.LOST, ExitCode.INTERRUPTED])}  (6: some requests failed; 8: the only failures were timeouts; the summary counts them)
`;

/**
 * `sockwire bench`: one message at full speed or a given rate, with a progress line and a summary.
 *
 * @example
 * ```ts
 * const code = await bench(["127.0.0.1:7000", "join", '{"room":"a"}', "--count", "1000"], io);
 * ```
 */
export async function bench(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parse(argv, {
    ...CONNECTION_OPTIONS,
    count: { type: "string" } as const,
    duration: { type: "string" } as const,
    rate: { type: "string" } as const,
    concurrency: { type: "string" } as const,
    timeout: { type: "string" } as const,
  });
  if (values.help === true) {
    io.out(BENCH_HELP);
    return ExitCode.OK;
  }
  const [address, name, json, ...extra] = positionals;
  if (extra.length > 0) throw usage(`unexpected argument ${extra[0]}`);
  const settings = connectionSettings(address, values, io);
  if (name === undefined) throw usage("bench needs the NAME of an event or request");
  const durationMs =
    values.duration === undefined ? undefined : duration(values.duration, "--duration");
  const signal = io.interrupted?.();
  const plan: BenchPlan = {
    count:
      values.count !== undefined
        ? count(values.count, "--count")
        : durationMs === undefined
          ? 10_000
          : Number.POSITIVE_INFINITY,
    durationMs,
    rate: values.rate === undefined ? 0 : count(values.rate, "--rate"),
    concurrency:
      values.concurrency === undefined ? 1 : count(values.concurrency, "--concurrency", 1, 10_000),
    timeoutMs: values.timeout === undefined ? 30_000 : duration(values.timeout, "--timeout"),
    signal,
  };
  const { contract } = await contractFor(settings, io, signal);
  const message = clientMessage(contract, name);
  const schema = message.kind === "event" ? message.schema : message.schema.input;
  const what = `the value of ${message.kind} ${name}`;
  const value = await readValue(json, io, schema, what);
  checkValue(schema, value, what);
  const client = await openClient(contract, settings, { requestTimeoutMs: plan.timeoutMs, signal });
  const run = new BenchRun();
  const label = `bench ${name}`;
  const progress = new Progress(io, () => {
    const seconds = (performance.now() - run.startedAt) / 1000;
    return `${label}: ${run.sent} sent, ${run.ok} ok, ${run.failures} failed, ${Math.round(run.sent / Math.max(seconds, 1e-3))} msgs/s`;
  });
  try {
    run.startedAt = performance.now();
    if (message.kind === "event") await benchEvents(client, name, value, plan, run);
    else await benchRequests(client, name, value, plan, run);
  } finally {
    progress.stop();
    await closeClient(client);
  }
  const facts = { name, kind: message.kind, target: showTarget(settings.target), value };
  io.out(values.json === true ? benchJson(run, facts) : benchText(run, facts));
  return exitFor(run);
}

/** The exit code a run ends with: the worst of how it stopped and what failed. */
function exitFor(run: BenchRun): ExitCode {
  if (run.stop === "interrupted")
    throw new CliFailure(ExitCode.INTERRUPTED, `interrupted after ${run.sent} messages`);
  if (run.stop === "lost") {
    throw new CliFailure(ExitCode.LOST, `the connection was lost after ${run.sent} messages`);
  }
  const codes = [...run.errors.keys()];
  if (codes.length === 0) return ExitCode.OK;
  return codes.every((code) => code === "ERR_REQUEST_TIMEOUT") ? ExitCode.TIMEOUT : ExitCode.REMOTE;
}
