import {
  canonicalDigest,
  canonicalText,
  digestOfText,
} from "../contract/canonical/canonical-json.js";
import {
  canonicalContract,
  contractDigest,
  contractMessages,
} from "../contract/canonical/contract-form.js";
import type {
  CanonicalContract,
  CanonicalMessage,
  MessageKey,
} from "../contract/canonical/node-types.js";
import type { AnyContract, Side } from "../contract/types.js";
import type { ReceivedSchema } from "./contract-frame.js";
import { type ContractTerms, type MessageTable, termsBetween } from "./contract-terms.js";

/** What a hello says of the client's contract (PROTOCOL.md 5.1). */
export interface HelloContract {
  readonly name: string;
  readonly fingerprint: string;
  readonly digest?: string | undefined;
}

/** How a hello's contract compares with ours. */
export type ContractMatch = "same" | "differs" | "mismatch";

/** Terms kept per peer message table, for the peers met most recently. */
const TERMS_CACHE_SIZE = 64;

/**
 * This peer's contract as the handshake uses it: its digest (sent in the hello, compared in the
 * server), its message digests and forms (exchanged when the contract digests differ), and the
 * terms worked out with each peer met, cached (PROTOCOL.md 8.1). Made once per contract and side,
 * and shared by every connection.
 *
 * @example
 * ```ts
 * const local = localContract(chat, "server");
 * if (local.match(hello.contract, hello.protocol.minor) === "differs") exchangeForms();
 * ```
 */
export class LocalContract {
  readonly form: CanonicalContract;
  readonly digest: string;
  /** The messages of the connection (events and requests, not the credentials). */
  readonly table: MessageTable;
  /** The message digests as a plain record, as a contract frame carries them. */
  readonly digests: Readonly<Record<string, string>>;
  private readonly cache = new Map<string, ContractTerms>();

  constructor(
    readonly contract: AnyContract,
    readonly side: Side,
  ) {
    this.form = canonicalContract(contract);
    this.digest = contractDigest(this.form);
    const digests = new Map<MessageKey, string>();
    const forms = new Map<MessageKey, CanonicalMessage>();
    for (const [key, form] of contractMessages(this.form)) {
      if (key === "credentials") continue;
      digests.set(key, canonicalDigest(form));
      forms.set(key, form);
    }
    this.table = { digests, forms };
    this.digests = Object.freeze(Object.fromEntries(digests));
  }

  /**
   * Compares a hello's contract with ours. Another name is a `mismatch`. A 1.1 hello carries the
   * canonical digest: equal is the `same` contract, different `differs` (the forms are exchanged
   * next). A 1.0 hello has only the fingerprint, compared as 1.0 does: equal or `mismatch`.
   */
  match(hello: HelloContract, peerMinor: number): ContractMatch {
    if (hello.name !== this.contract.name) return "mismatch";
    if (hello.digest !== undefined && peerMinor >= 1) {
      return hello.digest === this.digest ? "same" : "differs";
    }
    return hello.fingerprint === this.contract.fingerprint ? "same" : "mismatch";
  }

  /** Keys of the messages both sides have with different digests: whose forms are exchanged. */
  differing(remote: ReadonlyMap<MessageKey, string>): MessageKey[] {
    const keys: MessageKey[] = [];
    for (const [key, digest] of remote) {
      const mine = this.table.digests.get(key);
      if (mine !== undefined && mine !== digest) keys.push(key);
    }
    return keys.sort();
  }

  /** Our forms of `keys`, as a contract frame's `schemas` member. */
  schemasFor(keys: readonly MessageKey[]): Record<string, CanonicalMessage> {
    const out: Record<string, CanonicalMessage> = {};
    for (const key of keys) out[key] = this.table.forms.get(key) as CanonicalMessage;
    return out;
  }

  /**
   * The terms with a peer whose message digests are `remote` and whose forms of the differing
   * messages are `schemas` (already checked against those digests). Cached by the peer's digest
   * list: during a rolling upgrade every connection of one old client version brings the same.
   */
  termsWith(
    remote: ReadonlyMap<MessageKey, string>,
    schemas: ReadonlyMap<MessageKey, ReceivedSchema>,
  ): ContractTerms {
    const id = digestOfText(canonicalText(Object.fromEntries(remote)));
    const cached = this.cache.get(id);
    if (cached !== undefined) {
      this.cache.delete(id);
      this.cache.set(id, cached);
      return cached;
    }
    const forms = new Map<MessageKey, CanonicalMessage>();
    for (const [key, schema] of schemas) forms.set(key, schema.form);
    const terms = termsBetween(this.side, this.table, { digests: remote, forms });
    this.cache.set(id, terms);
    if (this.cache.size > TERMS_CACHE_SIZE) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
    return terms;
  }
}

const made = new WeakMap<AnyContract, Partial<Record<Side, LocalContract>>>();

/** The {@link LocalContract} of `contract` for `side`, made once. */
export function localContract(contract: AnyContract, side: Side): LocalContract {
  let bySide = made.get(contract);
  if (bySide === undefined) {
    bySide = {};
    made.set(contract, bySide);
  }
  bySide[side] ??= new LocalContract(contract, side);
  return bySide[side];
}
