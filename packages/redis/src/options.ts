import { ErrorCode, SockwireError, summarizeIssues } from "@sockwire/protocol";
import type { RedisClientOptions } from "redis";
import { z } from "zod";

/**
 * Reconnection backoff towards Redis: attempt n waits `initialDelayMs × factor^n`, capped at
 * `maxDelayMs`, ± `jitter`. Retries never stop while the adapter is open.
 *
 * @example
 * ```ts
 * redisAdapter({ reconnect: { initialDelayMs: 50, maxDelayMs: 1000 } });
 * ```
 */
export interface RedisReconnectOptions {
  /** Delay before the first retry. Default 100 ms. */
  initialDelayMs?: number | undefined;
  /** Growth per attempt. Default 2. */
  factor?: number | undefined;
  /** Longest delay. Default 5000 ms. */
  maxDelayMs?: number | undefined;
  /** Random spread, as a fraction of the delay. Default 0.2. */
  jitter?: number | undefined;
}

/**
 * Options of {@link redisAdapter}.
 *
 * @example
 * ```ts
 * const adapter = redisAdapter({
 *   url: "redis://:secret@10.0.0.5:6379/0",
 *   prefix: "chat-prod",
 *   heartbeatIntervalMs: 2000,
 *   instanceTtlMs: 6000,
 * });
 * ```
 */
export interface RedisAdapterOptions {
  /** `redis[s]://[[user][:password]@][host][:port][/db]`. Default `redis://127.0.0.1:6379`. */
  url?: string | undefined;
  /**
   * More node-redis client options (`username`, `password`, `database`, `socket.tls`...).
   * `url`, `disableOfflineQueue` and the socket's `reconnectStrategy` and `connectTimeout` are
   * the adapter's own.
   */
  redis?: RedisClientOptions | undefined;
  /** First part of every key and channel name. Default `"sockwire"`. */
  prefix?: string | undefined;
  /** How often this instance refreshes its liveness and sweeps dead instances. Default 5000 ms. */
  heartbeatIntervalMs?: number | undefined;
  /** An instance not heard from for this long is dead: its memberships stop counting. Default 15000 ms. */
  instanceTtlMs?: number | undefined;
  /** Bytes of publishes awaiting Redis; past it new publishes are dropped. Default 8 MiB. */
  maxPendingBytes?: number | undefined;
  /** Time to open one connection to Redis. Default 5000 ms. */
  connectTimeoutMs?: number | undefined;
  /** Time a cluster query (`roomSize()`...) may take. Default 5000 ms. */
  queryTimeoutMs?: number | undefined;
  /** Time `close()` waits for the last writes before dropping the connections. Default 2000 ms. */
  closeTimeoutMs?: number | undefined;
  /** Reconnection backoff. Defaults: 100 ms × 2ⁿ up to 5000 ms, ± 20 %. */
  reconnect?: RedisReconnectOptions | undefined;
}

/** Options with every default filled in. */
export interface ResolvedRedisOptions {
  url: string;
  redis: RedisClientOptions;
  prefix: string;
  heartbeatIntervalMs: number;
  instanceTtlMs: number;
  maxPendingBytes: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  closeTimeoutMs: number;
  reconnect: Required<{ [K in keyof RedisReconnectOptions]: number }>;
}

/**
 * The documented defaults (the README's options table mirrors this object).
 *
 * @example
 * ```ts
 * redisAdapter({ instanceTtlMs: 2 * REDIS_ADAPTER_DEFAULTS.instanceTtlMs });
 * ```
 */
export const REDIS_ADAPTER_DEFAULTS = Object.freeze({
  url: "redis://127.0.0.1:6379",
  prefix: "sockwire",
  heartbeatIntervalMs: 5000,
  instanceTtlMs: 15_000,
  maxPendingBytes: 8 * 1024 * 1024,
  connectTimeoutMs: 5000,
  queryTimeoutMs: 5000,
  closeTimeoutMs: 2000,
  "reconnect.initialDelayMs": 100,
  "reconnect.factor": 2,
  "reconnect.maxDelayMs": 5000,
  "reconnect.jitter": 0.2,
});

const D = REDIS_ADAPTER_DEFAULTS;
const ms = (min: number, fallback: number) =>
  z.number().int().min(min).max(86_400_000).default(fallback);

const schema = z
  .strictObject({
    url: z
      .string()
      .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
      .default(D.url),
    redis: z
      .custom<RedisClientOptions>(
        (v) => typeof v === "object" && v !== null && !Array.isArray(v),
        "must be an object of node-redis client options",
      )
      .default({}),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "must be 1-64 characters of A-Z a-z 0-9 _ . : -")
      .default(D.prefix),
    heartbeatIntervalMs: ms(10, D.heartbeatIntervalMs),
    instanceTtlMs: ms(30, D.instanceTtlMs),
    maxPendingBytes: z
      .number()
      .int()
      .min(1024)
      .max(2 ** 40)
      .default(D.maxPendingBytes),
    connectTimeoutMs: ms(1, D.connectTimeoutMs),
    queryTimeoutMs: ms(1, D.queryTimeoutMs),
    closeTimeoutMs: ms(0, D.closeTimeoutMs),
    reconnect: z
      .strictObject({
        initialDelayMs: ms(1, D["reconnect.initialDelayMs"]),
        factor: z.number().min(1).max(10).default(D["reconnect.factor"]),
        maxDelayMs: ms(1, D["reconnect.maxDelayMs"]),
        jitter: z.number().min(0).max(1).default(D["reconnect.jitter"]),
      })
      .default({
        initialDelayMs: D["reconnect.initialDelayMs"],
        factor: D["reconnect.factor"],
        maxDelayMs: D["reconnect.maxDelayMs"],
        jitter: D["reconnect.jitter"],
      }),
  })
  .refine((o) => o.instanceTtlMs >= 2 * o.heartbeatIntervalMs, {
    message: "instanceTtlMs must be at least twice heartbeatIntervalMs",
    path: ["instanceTtlMs"],
  });

/**
 * Validates options and fills in defaults. Throws `ERR_INVALID_ARGUMENT` synchronously, naming
 * the option, for an unknown key, a wrong type or an out-of-range value.
 */
export function resolveRedisOptions(options: unknown): ResolvedRedisOptions {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new SockwireError(ErrorCode.INVALID_ARGUMENT, "redis adapter options must be an object");
  }
  const given = withoutUndefined(options ?? {});
  const result = schema.safeParse(given);
  if (!result.success) {
    const issues = summarizeIssues(result.error.issues);
    const text = issues.map((i) => `${i.path || "options"}: ${i.message}`).join("; ");
    throw new SockwireError(ErrorCode.INVALID_ARGUMENT, `invalid redis adapter options: ${text}`, {
      cause: result.error,
      details: { issues },
    });
  }
  return result.data;
}

/** `undefined` means "use the default", one level deep (the reconnect object too). */
function withoutUndefined(options: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    out[key] =
      key === "reconnect" && typeof value === "object" && value !== null
        ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined))
        : value;
  }
  return out;
}

/** Delay before reconnection attempt `attempt` (0-based), with jitter from `random()`. */
export function reconnectDelay(
  attempt: number,
  settings: ResolvedRedisOptions["reconnect"],
  random: () => number = Math.random,
): number {
  const base = Math.min(
    settings.maxDelayMs,
    settings.initialDelayMs * settings.factor ** Math.min(attempt, 64),
  );
  const spread = base * settings.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base + spread));
}
