import { parseArgs } from "node:util";
import type { FaultPlan } from "../chaos/faults.js";

/** Everything a soak run can be told. */
export interface SoakOptions {
  /** Length of the chaos phase, ms. Default 120,000 (2 minutes). */
  durationMs: number;
  /** Clients, all through the chaos proxy. Default 200. */
  clients: number;
  /** Events each client emits per second. Default 10. */
  eventsPerSecond: number;
  /** Requests each client sends per second. Default 2. */
  requestsPerSecond: number;
  /** The server sends each session a tick this often, ms. Default 250. */
  tickMs: number;
  /** Requests the server sends each session per second (drawn at each tick). Default 1. */
  serverRequestsPerSecond: number;
  /** Graceful server restarts on the same port, spread over the run. Default 3. */
  restarts: number;
  /** How long the server stays down at each restart, ms. Default 300. */
  downMs: number;
  /** Faults started per second across all links. Default clients / 40 (5 for 200 clients). */
  faultsPerSecond: number;
  /** Heartbeat interval and timeout on both sides, ms. Default 250 (dead after 500 ms). */
  heartbeatMs: number;
  /** Request timeout, ms. Default 1500; 2 % of requests ask for a 3 s answer. */
  requestTimeoutMs: number;
  /** Seed of the fault plan and of the traffic mix. Default: random. */
  seed: number;
  /** Progress line period on stderr, ms; 0 = none. Default 2000. */
  progressMs: number;
}

/** Defaults of {@link SoakOptions} (`faultsPerSecond` and `seed` are derived when not given). */
export const SOAK_DEFAULTS = {
  durationMs: 120_000,
  clients: 200,
  eventsPerSecond: 10,
  requestsPerSecond: 2,
  tickMs: 250,
  serverRequestsPerSecond: 1,
  restarts: 3,
  downMs: 300,
  heartbeatMs: 250,
  requestTimeoutMs: 1500,
  progressMs: 2000,
} as const;

/** Fills in defaults. */
export function soakOptions(partial: Partial<SoakOptions> = {}): SoakOptions {
  const clients = partial.clients ?? SOAK_DEFAULTS.clients;
  return {
    ...SOAK_DEFAULTS,
    faultsPerSecond: clients / 40,
    seed: Math.floor(Math.random() * 0xffff_ffff),
    ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)),
    clients,
  };
}

/** The fault mix of a soak: mostly delays and pauses, some black holes and cuts. */
export function faultPlan(options: SoakOptions): FaultPlan {
  const hb = options.heartbeatMs;
  return {
    perSecond: options.faultsPerSecond,
    weights: { delay: 35, pause: 35, blackhole: 15, cut: 15 },
    delayMs: [5, 80],
    delayForMs: [300, 2000],
    // Up to 3.2 x the heartbeat: most pauses are ridden out, the longer ones kill the link.
    pauseMs: [hb / 5, hb * 3.2],
  };
}

/** `90`, `90s`, `1.5m`, `500ms` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new Error(`bad duration ${JSON.stringify(text)} (use 90, 90s, 2m or 500ms)`);
  const value = Number(match[1]);
  const unit = match[2] ?? "s";
  return Math.round(value * (unit === "ms" ? 1 : unit === "s" ? 1000 : 60_000));
}

/** Usage text of `pnpm soak`. */
export const SOAK_USAGE = `Usage: pnpm soak [options]

Hundreds of real clients through a chaos TCP proxy (delays, pauses, black holes, cuts) while the
server restarts, with resumable sessions on (the defaults); checks, session by session over all
its links, delivery, order, request settlement, the reporting of every session not resumed, and
resources at the end.

  --duration <t>           chaos phase length: 90 (seconds), 90s, 2m, 500ms   (default 120s)
  --clients <n>            clients                                            (default 200)
  --rate <n>               events per client per second                       (default 10)
  --requests <n>           requests per client per second                     (default 2)
  --server-requests <n>    requests the server sends each session per second  (default 1)
  --restarts <n>           graceful server restarts during the run            (default 3)
  --faults <n>             faults per second across all links                 (default clients/40)
  --heartbeat <ms>         heartbeat interval = timeout on both sides         (default 250)
  --seed <n>               seed of the fault plan and of the traffic          (default random)
  --quiet                  no progress lines
  -h, --help               this text
`;

/** Parses `pnpm soak` flags; `undefined` means print the usage. */
export function parseSoakArgs(argv: readonly string[]): SoakOptions | undefined {
  const { values } = parseArgs({
    args: [...argv].filter((a) => a !== "--"),
    options: {
      duration: { type: "string" },
      clients: { type: "string" },
      rate: { type: "string" },
      requests: { type: "string" },
      "server-requests": { type: "string" },
      restarts: { type: "string" },
      faults: { type: "string" },
      heartbeat: { type: "string" },
      seed: { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return undefined;
  const num = (name: string, text: string | undefined, min: number): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min)
      throw new Error(`--${name} must be a number ≥ ${min}`);
    return value;
  };
  return soakOptions({
    durationMs: values.duration === undefined ? undefined : parseDuration(values.duration),
    clients: num("clients", values.clients, 1),
    eventsPerSecond: num("rate", values.rate, 0),
    requestsPerSecond: num("requests", values.requests, 0),
    serverRequestsPerSecond: num("server-requests", values["server-requests"], 0),
    restarts: num("restarts", values.restarts, 0),
    faultsPerSecond: num("faults", values.faults, 0),
    heartbeatMs: num("heartbeat", values.heartbeat, 20),
    seed: num("seed", values.seed, 0),
    progressMs: values.quiet ? 0 : undefined,
  });
}
