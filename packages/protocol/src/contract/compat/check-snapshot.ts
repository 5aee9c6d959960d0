import { canonicalText, compareUtf16 } from "../canonical/canonical-json.js";
import { contractMessages } from "../canonical/contract-form.js";
import type { CanonicalContract, MessageKey } from "../canonical/node-types.js";
import { validateCanonicalContract } from "../canonical/validate-form.js";
import { compareClientServer, type MessageComparison } from "./compare-contracts.js";

/** How a message differs between the snapshot and the current contract. */
export type MessageChange = "added" | "removed" | "changed" | "unchanged";

/** One message across both deployment skews. */
export interface SnapshotEntry {
  readonly key: MessageKey;
  readonly change: MessageChange;
  /** True when an existing message stops working in either skew. */
  readonly breaking: boolean;
  /** A client built from the snapshot talking to a server built from the current contract. */
  readonly oldClientNewServer: MessageComparison | undefined;
  /** A client built from the current contract talking to a server built from the snapshot. */
  readonly newClientOldServer: MessageComparison | undefined;
}

/** {@link checkSnapshot}'s answer. */
export interface SnapshotReport {
  readonly name: { readonly snapshot: string; readonly current: string };
  /** True when the name changed (peers then refuse each other) or any entry is breaking. */
  readonly breaking: boolean;
  readonly messages: readonly SnapshotEntry[];
}

/**
 * The breaking-change check for CI: compares the contract form a release was built with (the
 * snapshot) with the current one, for both deployment skews (old clients with a new server, new
 * clients with an old server). A message is breaking when a flow of it is incompatible in either
 * skew, or when it was removed while a peer built from the snapshot still sends it. Added
 * messages are never breaking: against an old peer they are only unavailable.
 *
 * @throws `ERR_INVALID_ARGUMENT` for a malformed form.
 *
 * @example
 * ```ts
 * const report = checkSnapshot(JSON.parse(readFileSync("contract.snapshot.json", "utf8")), canonicalContract(chat));
 * console.log(formatSnapshotReport(report));
 * if (report.breaking) process.exitCode = 1;
 * ```
 */
export function checkSnapshot(
  snapshot: CanonicalContract,
  current: CanonicalContract,
): SnapshotReport {
  const before = validateCanonicalContract(snapshot);
  const after = validateCanonicalContract(current);
  const oldClient = byKey(compareClientServer(before, after).messages);
  const newClient = byKey(compareClientServer(after, before).messages);
  const beforeTexts = texts(before);
  const afterTexts = texts(after);
  const keys = [...new Set([...beforeTexts.keys(), ...afterTexts.keys()])].sort(compareUtf16);
  const messages = keys.map((key): SnapshotEntry => {
    const was = beforeTexts.get(key);
    const is = afterTexts.get(key);
    const change: MessageChange =
      was === undefined
        ? "added"
        : is === undefined
          ? "removed"
          : was === is
            ? "unchanged"
            : "changed";
    const skews = [oldClient.get(key), newClient.get(key)];
    const breaking =
      change !== "added" &&
      change !== "unchanged" &&
      skews.some((m) => m?.status === "incompatible" || m?.status === "unknown-to-receiver");
    return { key, change, breaking, oldClientNewServer: skews[0], newClientOldServer: skews[1] };
  });
  const nameChanged = before.name !== after.name;
  return {
    name: { snapshot: before.name, current: after.name },
    breaking: nameChanged || messages.some((m) => m.breaking),
    messages,
  };
}

function byKey(messages: readonly MessageComparison[]): Map<MessageKey, MessageComparison> {
  return new Map(messages.map((m) => [m.key, m]));
}

function texts(form: CanonicalContract): Map<MessageKey, string> {
  return new Map(contractMessages(form).map(([key, message]) => [key, canonicalText(message)]));
}
