/**
 * How hard the fuzz properties run. CI uses the base counts; `pnpm fuzz:long` sets
 * `SOCKWIRE_FUZZ_SCALE` (default 40 there) to run the same properties that many times longer.
 * `SOCKWIRE_FUZZ_SEED` replays a failure fast-check reported.
 */
function scale(): number {
  const value = Number(process.env.SOCKWIRE_FUZZ_SCALE ?? "1");
  return Number.isFinite(value) && value >= 1 ? value : 1;
}

/** Number of runs for a property whose CI count is `base`. */
export function runs(base: number): number {
  return Math.round(base * scale());
}

/** A test timeout for a property that takes about `baseMs` at CI size, with room to spare. */
export function fuzzTimeout(baseMs: number): number {
  return baseMs * scale() + 30_000;
}

/** fast-check parameters shared by every fuzz property: run count, and the seed when replaying. */
export function fuzzParameters(base: number): { numRuns: number; seed?: number } {
  const seed = process.env.SOCKWIRE_FUZZ_SEED;
  return { numRuns: runs(base), ...(seed ? { seed: Number(seed) } : {}) };
}
