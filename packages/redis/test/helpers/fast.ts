import type { RedisAdapterOptions } from "../../src/index.js";

/** Short timers so liveness and reconnection tests finish in seconds. */
export const FAST: RedisAdapterOptions = {
  heartbeatIntervalMs: 200,
  instanceTtlMs: 1000,
  queryTimeoutMs: 2000,
  closeTimeoutMs: 1000,
  connectTimeoutMs: 1000,
  reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
};
