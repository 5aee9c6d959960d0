/** One invariant, checked. */
export interface Check {
  name: string;
  ok: boolean;
  /** Counts behind the verdict, and the first counterexamples when it failed. */
  detail: string;
}

/** Counterexamples kept per kind: enough to start from, few enough for a table cell. */
const SAMPLES = 3;

/**
 * Counts of invariant violations by kind, each with its first few counterexamples (client,
 * session, numbers), so a failing soak says where to look.
 *
 * @example
 * ```ts
 * const bad = new Violations();
 * bad.note("order", "client 3 session s1: 2 out of order", 2);
 * check("order kept", bad, ["order"], "1,086 sessions");
 * ```
 */
export class Violations {
  private readonly counts = new Map<string, number>();
  private readonly examples = new Map<string, string[]>();

  note(kind: string, text: string, n = 1): void {
    if (n <= 0) return;
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
    const list = this.examples.get(kind) ?? [];
    if (list.length < SAMPLES) list.push(text);
    this.examples.set(kind, list);
  }

  count(kinds: readonly string[]): number {
    return kinds.reduce((sum, k) => sum + (this.counts.get(k) ?? 0), 0);
  }

  /** The first counterexamples of `kinds`: some of each kind noted, at most {@link SAMPLES} + 1. */
  samples(kinds: readonly string[]): string[] {
    const each = Math.max(
      1,
      Math.ceil((SAMPLES + 1) / kinds.filter((k) => this.counts.has(k)).length),
    );
    return kinds.flatMap((k) => (this.examples.get(k) ?? []).slice(0, each)).slice(0, SAMPLES + 1);
  }
}

/** The invariant `name`: it holds when none of `kinds` was noted; `detail` says what was checked. */
export function check(
  name: string,
  bad: Violations,
  kinds: readonly string[],
  detail: string,
): Check {
  const count = bad.count(kinds);
  if (count === 0) return { name, ok: true, detail };
  const byKind = kinds
    .filter((k) => bad.count([k]) > 0)
    .map((k) => `${k} ${bad.count([k])}`)
    .join(", ");
  const samples = bad.samples(kinds);
  const more = samples.length > 0 ? `; e.g. ${samples.join("; ")}` : "";
  return { name, ok: false, detail: `${count} violation(s) (${byKind}); ${detail}${more}` };
}
