import type { SnapshotEntry, SnapshotReport } from "./check-snapshot.js";
import type { MessageComparison } from "./compare-contracts.js";
import { formatIncompatibility } from "./slots.js";

/** Options of {@link formatSnapshotReport}. */
export interface SnapshotFormatOptions {
  /** Also list messages that did not change. Default false. */
  readonly all?: boolean | undefined;
}

/**
 * The report as text, one line per message (like `buf breaking`), then a summary line:
 *
 * ```
 * client.events.say: changed, BREAKING: old client -> new server: text: maximum length lowered from 1000 to 500
 * client.events.wave: added
 * 1 breaking of 2 changed messages
 * ```
 *
 * @example
 * ```ts
 * process.stdout.write(`${formatSnapshotReport(checkSnapshot(snapshot, current))}\n`);
 * ```
 */
export function formatSnapshotReport(
  report: SnapshotReport,
  options: SnapshotFormatOptions = {},
): string {
  const lines: string[] = [];
  if (report.name.snapshot !== report.name.current) {
    lines.push(
      `contract name: changed from ${report.name.snapshot} to ${report.name.current}, BREAKING: peers refuse each other`,
    );
  }
  for (const entry of report.messages) {
    if (entry.change === "unchanged" && options.all !== true) continue;
    lines.push(entryLine(entry));
  }
  const changed = report.messages.filter((m) => m.change !== "unchanged").length;
  const breaking = report.messages.filter((m) => m.breaking).length;
  lines.push(`${breaking} breaking of ${changed} changed message${changed === 1 ? "" : "s"}`);
  return lines.join("\n");
}

function entryLine(entry: SnapshotEntry): string {
  if (!entry.breaking) return `${entry.key}: ${entry.change}`;
  const problems = [
    skewProblems("old client -> new server", entry.oldClientNewServer),
    skewProblems("new client -> old server", entry.newClientOldServer),
  ].filter((text) => text !== "");
  return `${entry.key}: ${entry.change}, BREAKING: ${problems.join("; ")}`;
}

function skewProblems(skew: string, comparison: MessageComparison | undefined): string {
  if (comparison === undefined) return "";
  if (comparison.status === "unknown-to-receiver") {
    const receiver = comparison.sender === "client" ? "server" : "client";
    return `${skew}: the ${receiver} does not know it`;
  }
  if (comparison.status !== "incompatible") return "";
  const reasons = comparison.flows
    .filter((f) => !f.compatible)
    .flatMap((f) =>
      f.reasons.map((r) => (f.flow === "event" ? "" : `${f.flow} `) + formatIncompatibility(r)),
    );
  return `${skew}: ${reasons.join("; ")}`;
}

/**
 * The report as JSON text (two-space indented), for tools: the {@link SnapshotReport} itself.
 *
 * @example
 * ```ts
 * writeFileSync("breaking.json", formatSnapshotJson(report));
 * ```
 */
export function formatSnapshotJson(report: SnapshotReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
