import { FAULT_KINDS, type FaultKind } from "../chaos/faults.js";
import type { SoakOptions } from "./options.js";
import type { Check, Figures } from "./verify.js";

/** The result of a soak run. */
export interface SoakReport {
  ok: boolean;
  options: SoakOptions;
  checks: Check[];
  figures: Figures;
  faults: Record<FaultKind, number>;
  restarts: number;
  reconnects: number;
  elapsedMs: number;
  server: { heapBaseline: number; heapFinal: number; rssPeak: number };
}

const n = (x: number) => x.toLocaleString("en-US");
const pct = (part: number, whole: number) =>
  whole === 0 ? "0 %" : `${((100 * part) / whole).toFixed(part === 0 ? 0 : 3)} %`;

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [line(rows[0] ?? []), rule, ...rows.slice(1).map(line)].join("\n");
}

/** The end-of-run summary: what was run, the figures, and each invariant with its verdict. */
export function formatReport(report: SoakReport): string {
  const { options: o, figures: f } = report;
  const failures = Object.entries(f.requestFailures)
    .map(([code, count]) => `${code} ${n(count)}`)
    .join(", ");
  const figures = table([
    ["figure", "value"],
    ["run", `${(report.elapsedMs / 1000).toFixed(1)} s, ${o.clients} clients, seed ${o.seed}`],
    ["faults", FAULT_KINDS.map((k) => `${k} ${report.faults[k]}`).join(", ")],
    ["server restarts", `${report.restarts}`],
    ["client reconnects", n(report.reconnects)],
    ["connections", `${n(f.connections)} (${n(f.gracefulConnections)} closed gracefully)`],
    [
      "closes by reason",
      Object.entries(f.closesByCode)
        .map(([c, k]) => `${c} ${k}`)
        .join(", "),
    ],
    [
      "events sent / accepted / refused",
      `${n(f.eventsIssued)} / ${n(f.eventsAccepted)} / ${n(f.eventsRefused)}`,
    ],
    ["events received", n(f.eventsReceived)],
    [
      "events lost on abrupt cuts (allowed)",
      `${n(f.eventsLostAbrupt)} (${pct(f.eventsLostAbrupt, f.eventsAccepted)} of accepted)`,
    ],
    ["events lost before a graceful close", n(f.eventsLostGraceful)],
    [
      "ticks accepted / received / lost on cuts",
      `${n(f.ticksAccepted)} / ${n(f.ticksReceived)} / ${n(f.ticksLostAbrupt)}`,
    ],
    [
      "requests issued / answered",
      `${n(f.requestsIssued)} / ${n(f.requestsOk)} (${pct(f.requestsOk, f.requestsIssued)})`,
    ],
    ["request failures", failures || "none"],
    [
      "server heap after gc",
      `${(report.server.heapBaseline / 1048576).toFixed(1)} MiB before, ${(report.server.heapFinal / 1048576).toFixed(1)} MiB after; RSS peak ${(report.server.rssPeak / 1048576).toFixed(0)} MiB`,
    ],
  ]);
  const checks = table([
    ["invariant", "result", "detail"],
    ...report.checks.map((c) => [c.name, c.ok ? "PASS" : "FAIL", c.detail]),
  ]);
  const verdict = report.ok ? "soak PASSED" : "soak FAILED";
  return `${figures}\n\n${checks}\n\n${verdict}\n`;
}
