import { compareUtf16 } from "../contract/canonical/canonical-json.js";
import type {
  CanonicalMessage,
  DirectionTable,
  MessageKey,
} from "../contract/canonical/node-types.js";
import { compareMessage, type MessageComparison } from "../contract/compat/compare-contracts.js";
import { formatIncompatibility } from "../contract/compat/slots.js";
import type { Side } from "../contract/types.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";

/**
 * How two peers built from different versions of one contract share a connection (PROTOCOL.md
 * 8.1, "Contracts that differ"): every message that works in the direction it flows stays
 * usable; every other one is disabled on this connection alone. A sender refuses a disabled
 * message at the call site with `ERR_MESSAGE_DISABLED`, before anything is written, so the
 * receiver never sees it.
 */
export interface ContractTerms {
  /** Keys of the disabled messages, sorted: what the welcome lists. */
  readonly disabled: readonly MessageKey[];
  /** Why each disabled message is, by key. */
  readonly verdicts: ReadonlyMap<MessageKey, MessageComparison>;
}

/** Longest reason list an error or a report carries. */
const MAX_REASONS = 5;

/** One side's messages for the terms: each message's digest, and its form where known. */
export interface MessageTable {
  readonly digests: ReadonlyMap<MessageKey, string>;
  /** The forms available: all of this peer's own, only the exchanged ones of the peer's. */
  readonly forms: ReadonlyMap<MessageKey, CanonicalMessage>;
}

/**
 * The terms between this peer (`localSide`, its messages `local`) and a peer whose messages are
 * `remote`. A message both have with equal digests is identical, so compatible; one both have
 * with different digests is compared from the two forms, which must then be known; one only a
 * side has is disabled when that side would send it (`unknown-to-receiver`) and harmless
 * otherwise. Disabled are the `incompatible` and `unknown-to-receiver` messages. The credentials
 * are not a message of the connection (the server checks them in the hello) and take no part.
 *
 * @throws `ERR_INVALID_ARGUMENT` when a form needed for a comparison is missing.
 *
 * @example
 * ```ts
 * const terms = termsBetween("client", mine, { digests: theirDigests, forms: theirSchemas });
 * terms.disabled; // ["server.events.news"]
 * ```
 */
export function termsBetween(
  localSide: Side,
  local: MessageTable,
  remote: MessageTable,
): ContractTerms {
  const keys = [...new Set([...local.digests.keys(), ...remote.digests.keys()])].sort(compareUtf16);
  const verdicts = new Map<MessageKey, MessageComparison>();
  for (const key of keys) {
    const mine = local.digests.get(key);
    const theirs = remote.digests.get(key);
    if (mine !== undefined && mine === theirs) continue;
    const localSends = key.startsWith(`${localSide}.`);
    const verdict =
      mine === undefined || theirs === undefined
        ? onlyOneSide(key, localSends === (mine !== undefined))
        : compareMessage(
            key,
            formOf(localSends ? local : remote, key),
            formOf(localSends ? remote : local, key),
          );
    if (verdict.status === "incompatible" || verdict.status === "unknown-to-receiver") {
      verdicts.set(key, verdict);
    }
  }
  return { disabled: [...verdicts.keys()], verdicts };
}

/** The verdict for a message only one side has: disabled when that side is its sender. */
function onlyOneSide(key: MessageKey, senderHasIt: boolean): MessageComparison {
  const sender = key.startsWith("client.") ? "client" : "server";
  const status = senderHasIt ? "unknown-to-receiver" : "never-sent";
  return { key, status, sender, identical: false, flows: [] };
}

/** The form of `key` in `table`, which must hold it (the exchange sent it). */
function formOf(table: MessageTable, key: MessageKey): CanonicalMessage {
  const form = table.forms.get(key);
  if (form === undefined) {
    throw new SockwireError(ErrorCode.INVALID_ARGUMENT, `the form of ${key} is needed and missing`);
  }
  return form;
}

/**
 * Our terms, with any message the peer lists as disabled and we do not added (as
 * `incompatible`): both sides compute the terms from the same two forms and should agree, but a
 * message either side disables stays disabled, so a disagreement can only make us more careful.
 *
 * @example
 * ```ts
 * const terms = reconcileTerms(mine, welcome.contract.disabled);
 * ```
 */
export function reconcileTerms(
  terms: ContractTerms,
  peerDisabled: readonly string[],
): ContractTerms {
  const extra = peerDisabled.filter(
    (key) =>
      /^(client|server)\.(events|requests)\./.test(key) && !terms.verdicts.has(key as MessageKey),
  );
  if (extra.length === 0) return terms;
  const verdicts = new Map(terms.verdicts);
  for (const key of extra) {
    const sender = key.startsWith("server.") ? "server" : "client";
    verdicts.set(key as MessageKey, {
      key: key as MessageKey,
      status: "incompatible",
      sender,
      identical: false,
      flows: [],
    });
  }
  const disabled = [...verdicts.keys()].sort();
  return { disabled, verdicts };
}

/** The key of message `name` that side `from` sends: `client.events.say`. */
export function messageKey(from: Side, table: DirectionTable, name: string): MessageKey {
  return `${from}.${table}.${name}`;
}

/**
 * `ERR_MESSAGE_DISABLED` for sending a message the terms disable, or `undefined` when it may be
 * sent. The error names the message, says why (`details.status`, `details.reasons`) and is
 * built only on refusal.
 */
export function disabledRefusal(terms: ContractTerms, key: MessageKey): SockwireError | undefined {
  const verdict = terms.verdicts.get(key);
  if (verdict === undefined) return undefined;
  const reasons = reasonsOf(verdict);
  const why =
    verdict.status === "unknown-to-receiver"
      ? "the peer's contract does not have it"
      : `the peer's contract cannot read it (${reasons[0] ?? "the peer lists it as disabled"})`;
  return new SockwireError(
    ErrorCode.MESSAGE_DISABLED,
    `${key} is disabled on this connection: ${why}`,
    {
      details: { message: key, status: verdict.status, reasons },
    },
  );
}

/** The reasons of a verdict as short lines, at most five. */
export function reasonsOf(verdict: MessageComparison): string[] {
  const lines: string[] = [];
  for (const flow of verdict.flows) {
    for (const reason of flow.reasons) {
      if (lines.length >= MAX_REASONS) return lines;
      lines.push(`${flow.flow}: ${formatIncompatibility(reason)}`);
    }
  }
  return lines;
}

/**
 * `ERR_CONTRACT_DIFFERS`, the report made once per connection whose peer was built from another
 * version of the contract and on which some messages are disabled: `details.disabled` lists them
 * with their status and first reason, `details.peerDigest` is the peer's contract digest.
 */
export function differsReport(terms: ContractTerms, peerDigest: string): SockwireError {
  const disabled = terms.disabled.map((key) => {
    const verdict = terms.verdicts.get(key) as MessageComparison;
    return { message: key, status: verdict.status, reason: reasonsOf(verdict)[0] ?? "" };
  });
  return new SockwireError(
    ErrorCode.CONTRACT_DIFFERS,
    `the peer's contract differs: ${terms.disabled.length} message(s) disabled on this connection`,
    { details: { peerDigest, disabled } },
  );
}
