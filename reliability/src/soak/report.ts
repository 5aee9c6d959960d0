import { FAULT_KINDS, type FaultKind } from "../chaos/faults.js";
import { entries, type Figures } from "./figures.js";
import type { SoakOptions } from "./options.js";
import type { Check } from "./verify.js";

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
  const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
  const figures = table([
    ["figure", "value"],
    ["run", `${(report.elapsedMs / 1000).toFixed(1)} s, ${o.clients} clients, seed ${o.seed}`],
    ["faults", FAULT_KINDS.map((k) => `${k} ${report.faults[k]}`).join(", ")],
    ["server restarts / client reconnects", `${report.restarts} / ${n(report.reconnects)}`],
    [
      "sessions / resumed (resumes)",
      `${n(f.sessions)} / ${n(f.resumedSessions)} (${n(f.resumes)} resumes; the server counted ${n(f.serverResumes)})`,
    ],
    [
      "sessions ended gracefully",
      `${n(f.intactSessions)} (${n(f.intactResumed)} of them resumed on the way)`,
    ],
    [
      "sessions not resumed (reported)",
      `${n(f.lostSessions)} lost; resume failures by reason: ${entries(f.failuresByReason)}; server ends: ${entries(f.lostByServerEnd)}`,
    ],
    [
      "welcomes lost in a cut / detached at the end",
      `${n(f.orphanSessions)} / ${n(f.detachedAtEnd)}`,
    ],
    ["session closes on the server", entries(f.closesByCode)],
    [
      "events sent / accepted / refused / received",
      `${n(f.eventsIssued)} / ${n(f.eventsAccepted)} / ${n(f.eventsRefused)} / ${n(f.eventsReceived)}`,
    ],
    [
      "events lost: reported sessions / graceful ones",
      `${n(f.eventsLostReported)} (${pct(f.eventsLostReported, f.eventsAccepted)} of accepted; ${n(f.unacknowledgedReported)} reported unacknowledged) / ${n(f.eventsLostIntact)}`,
    ],
    [
      "ticks accepted / received / lost (reported sessions)",
      `${n(f.ticksAccepted)} / ${n(f.ticksReceived)} / ${n(f.ticksLostReported)}`,
    ],
    [
      "client requests issued / answered",
      `${n(f.requestsIssued)} / ${n(f.requestsOk)} (${pct(f.requestsOk, f.requestsIssued)}); failures: ${entries(f.requestFailures)}`,
    ],
    [
      "server requests issued / answered",
      `${n(f.workIssued)} / ${n(f.workOk)} (${pct(f.workOk, f.workIssued)}); failures: ${entries(f.workFailures)}`,
    ],
    ["handlers run twice", n(f.handlersRunTwice)],
    [
      "server heap after gc",
      `${mib(report.server.heapBaseline)} MiB before, ${mib(report.server.heapFinal)} MiB after; RSS peak ${(report.server.rssPeak / 1048576).toFixed(0)} MiB`,
    ],
  ]);
  const checks = table([
    ["invariant", "result", "detail"],
    ...report.checks.map((c) => [c.name, c.ok ? "PASS" : "FAIL", c.detail]),
  ]);
  const verdict = report.ok ? "soak PASSED" : "soak FAILED";
  return `${figures}\n\n${checks}\n\n${verdict}\n`;
}
