/**
 * A partial run (`--scenario fanout`, `--scenario cluster`) must not wipe what earlier runs wrote
 * to the same results file: the parts it did not run are carried over, and where contender
 * scenarios from two runs end up side by side, each carried-over one keeps the date of its run.
 */
import type { BenchResults, ScenarioResult } from "./runner.js";
import { SCENARIO_NAMES, type ScenarioName } from "./scenarios/types.js";

/** What the current run measured. */
export interface RanParts {
  scenarios: ScenarioName[];
  cluster: boolean;
}

function isResults(value: unknown): value is BenchResults {
  const v = value as Partial<BenchResults> | null;
  return v?.schema === 1 && Array.isArray(v.scenarios) && Array.isArray(v.contenders);
}

/**
 * Merges `current` into `previous` (the file's earlier content, if any). Runs of different kinds
 * (quick against full, or another size factor) are never mixed: `current` then replaces the file.
 *
 * @example
 * ```ts
 * const merged = mergeResults(JSON.parse(old), fresh, { scenarios: [], cluster: true });
 * ```
 */
export function mergeResults(
  previous: unknown,
  current: BenchResults,
  ran: RanParts,
): BenchResults {
  if (!isResults(previous) || previous.quick !== current.quick || previous.scale !== current.scale)
    return current;
  const cluster = ran.cluster ? current.cluster : previous.cluster;
  const withCluster = (base: BenchResults): BenchResults => {
    const out: BenchResults = { ...base };
    if (cluster) out.cluster = cluster;
    else delete out.cluster;
    return out;
  };
  // Only the cluster line ran: the contender tables and the run they came from stay as they were.
  if (ran.scenarios.length === 0) return withCluster(previous);
  const kept = previous.scenarios.filter((s) => !ran.scenarios.includes(s.name));
  if (kept.length === 0) {
    const out = withCluster(current);
    delete out.earlier;
    return out;
  }
  const earlier = kept.map((s) => ({
    scenario: s.name,
    date: previous.earlier?.find((e) => e.scenario === s.name)?.date ?? previous.date,
  }));
  const order = (s: ScenarioResult) => SCENARIO_NAMES.indexOf(s.name);
  const labels = new Map(previous.contenders.map((c) => [c.name, c.label]));
  for (const c of current.contenders) labels.set(c.name, c.label);
  return withCluster({
    ...current,
    contenders: [...labels].map(([name, label]) => ({ name, label })),
    scenarios: [...kept, ...current.scenarios].sort((a, b) => order(a) - order(b)),
    earlier,
  });
}
