/**
 * Settings of the reconnect backoff; see the client options for defaults.
 *
 * @example
 * ```ts
 * const settings: BackoffSettings = { initialDelayMs: 1000, factor: 1.6, maxDelayMs: 30_000, jitter: 0.2 };
 * ```
 */
export interface BackoffSettings {
  /** Delay before the first reconnect attempt, before jitter. */
  initialDelayMs: number;
  /** Each further attempt waits this many times longer. */
  factor: number;
  /** The un-jittered delay never grows past this. */
  maxDelayMs: number;
  /** Relative spread: 0.2 means each delay is drawn uniformly from ±20 % around its base. */
  jitter: number;
}

/**
 * Delay before reconnect attempt number `attempt` (0 for the first attempt after a loss), the way
 * gRPC's connection backoff computes it: `base = min(maxDelayMs, initialDelayMs * factor^attempt)`,
 * then uniform jitter of ±`jitter` × base. The jitter is applied after the cap, so with the
 * defaults (1 s ×1.6 up to 30 s, ±20 %) late attempts fall between 24 s and 36 s. Jitter is what
 * keeps thousands of clients from reconnecting in the same instant after a server restart.
 *
 * `random` returns a number in [0, 1); pass a fixed one to get the exact schedule.
 *
 * @example
 * ```ts
 * const settings = { initialDelayMs: 1000, factor: 1.6, maxDelayMs: 30_000, jitter: 0.2 };
 * backoffDelay(0, settings, () => 0.5); // 1000
 * backoffDelay(3, settings, () => 0);   // 4096 * 0.8 -> 3277
 * ```
 */
export function backoffDelay(
  attempt: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  const base = baseDelay(attempt, settings);
  const spread = settings.jitter * (2 * clampUnit(random()) - 1);
  return Math.max(0, Math.round(base * (1 + spread)));
}

/** The un-jittered delay of attempt `attempt`: `min(maxDelayMs, initialDelayMs * factor^attempt)`. */
export function baseDelay(attempt: number, settings: BackoffSettings): number {
  const n = Math.max(0, Math.floor(attempt));
  // factor^n overflows to Infinity for large n; min() then picks the cap, which is what we want.
  return Math.min(settings.maxDelayMs, settings.initialDelayMs * settings.factor ** n);
}

function clampUnit(value: number): number {
  if (!(value >= 0)) return 0;
  return value >= 1 ? 1 - Number.EPSILON : value;
}
