import type { SnapshotEntry, SnapshotReport } from "./check-snapshot.js";
import type { MessageComparison } from "./compare-contracts.js";
import { formatIncompatibility } from "./slots.js";

/** Options of {@link formatSnapshotReport}. */
export interface SnapshotFormatOptions {
  /** Also list messages that did not change. Default false. */
  readonly all?: boolean | undefined;
}

/**
 * The report as text, in the manner of `buf breaking`: one line per message that changed, saying
 * for each deployment skew (old clients with a new server, new clients with an old server)
 * whether it still works and why not, then a summary line:
 *
 * ```
 * client.events.say: changed, BREAKING; old client -> new server: BREAKING, text: maximum length lowered from 1000 to 500; new client -> old server: compatible
 * client.events.wave: added; old client -> new server: never sent; new client -> old server: disabled, the server does not know it
 * 1 breaking of 2 changed messages
 * ```
 *
 * An added message is never breaking: against a peer built from the snapshot it is only
 * disabled on that connection.
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
  if (entry.change === "unchanged") return `${entry.key}: unchanged`;
  const verdict = entry.change === "added" ? "" : entry.breaking ? ", BREAKING" : ", compatible";
  const skews = [
    skewText("old client -> new server", entry.oldClientNewServer, entry.change),
    skewText("new client -> old server", entry.newClientOldServer, entry.change),
  ];
  return `${entry.key}: ${entry.change}${verdict}; ${skews.join("; ")}`;
}

/**
 * One skew of one message. Where the receiver lacks the message, an added one is only disabled on
 * such a connection; a removed one (or any other) breaks what a peer already sends.
 */
function skewText(
  skew: string,
  comparison: MessageComparison | undefined,
  change: SnapshotEntry["change"],
): string {
  if (comparison === undefined) return `${skew}: not used`;
  switch (comparison.status) {
    case "compatible":
      return `${skew}: compatible`;
    case "never-sent":
      return `${skew}: never sent`;
    case "unknown-to-receiver": {
      const receiver = comparison.sender === "client" ? "server" : "client";
      const label = change === "added" ? "disabled" : "BREAKING";
      return `${skew}: ${label}, the ${receiver} does not know it`;
    }
    default: {
      const reasons = comparison.flows
        .filter((f) => !f.compatible)
        .flatMap((f) =>
          f.reasons.map((r) => (f.flow === "event" ? "" : `${f.flow} `) + formatIncompatibility(r)),
        );
      return `${skew}: BREAKING, ${reasons.join("; ")}`;
    }
  }
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
