import type { z } from "zod";
import { ErrorCode } from "../../errors/codes.js";
import { SockwireError } from "../../errors/sockwire-error.js";
import { CONTRACT_NAME_PATTERN, MESSAGE_NAME_PATTERN } from "../define-contract.js";
import type { AnyContract, ContractSchema, DirectionSchema, StreamSchema } from "../types.js";
import { canonicalDigest, compareUtf16 } from "./canonical-json.js";
import { deepFreeze } from "./freeze.js";
import {
  CANONICAL_FORM_VERSION,
  type CanonicalContract,
  type CanonicalDirection,
  type CanonicalMessage,
  type CanonicalNode,
  type CanonicalRequest,
  type CanonicalStream,
  type MessageKey,
} from "./node-types.js";
import { canonicalSchema } from "./schema-form.js";
import { validateCanonicalContract } from "./validate-form.js";

/** What the contract functions take: a defined contract, its schema, or (digests) a form. */
export type ContractInput = AnyContract | ContractSchema;

const cache = new WeakMap<object, CanonicalContract>();

/**
 * The canonical form of a whole contract (PROTOCOL.md 7.3): `{ form, name, credentials, client,
 * server }`, each direction with both tables (`events`, `requests`) always present, and its
 * `streams` table only when it declares streams. Frozen, and cached per contract object made by
 * `defineContract`.
 *
 * @throws `ERR_INVALID_ARGUMENT` for a bad contract or message name, a value that is not a zod
 * schema, or a schema the form cannot state.
 *
 * @example
 * ```ts
 * const form = canonicalContract(chat);
 * form.client.events.say; // { type: "object", properties: { ... }, ... }
 * ```
 */
export function canonicalContract(contract: ContractInput): CanonicalContract {
  const defined = isDefinedContract(contract);
  if (defined) {
    const cached = cache.get(contract);
    if (cached !== undefined) return cached;
  }
  const schema = defined ? (contract.schema as ContractSchema) : (contract as ContractSchema);
  if (typeof schema?.name !== "string" || !CONTRACT_NAME_PATTERN.test(schema.name)) {
    throw invalid(`invalid contract name ${JSON.stringify(schema?.name)}`);
  }
  const form: CanonicalContract = deepFreeze({
    form: CANONICAL_FORM_VERSION,
    name: schema.name,
    credentials:
      schema.credentials === undefined ? null : nodeFor(schema.credentials, "credentials"),
    client: directionForm(schema.client, "client"),
    server: directionForm(schema.server, "server"),
  });
  if (defined) cache.set(contract, form);
  return form;
}

function isDefinedContract(value: ContractInput): value is AnyContract {
  const candidate = value as Partial<AnyContract> | null;
  return typeof candidate?.fingerprint === "string" && typeof candidate.schema === "object";
}

function directionForm(direction: DirectionSchema | undefined, side: string): CanonicalDirection {
  const events: Record<string, CanonicalNode> = {};
  const requests: Record<string, CanonicalRequest> = {};
  for (const name of Object.keys(direction?.events ?? {}).sort(compareUtf16)) {
    checkName(name, side);
    events[name] = nodeFor(direction?.events?.[name], `${side}.events.${name}`);
  }
  for (const name of Object.keys(direction?.requests ?? {}).sort(compareUtf16)) {
    checkName(name, side);
    const request = direction?.requests?.[name];
    requests[name] = {
      input: nodeFor(request?.input, `${side}.requests.${name}.input`),
      output: nodeFor(request?.output, `${side}.requests.${name}.output`),
    };
  }
  const names = Object.keys(direction?.streams ?? {}).sort(compareUtf16);
  // No streams, no table: the form of a contract without streams is the one it always had.
  if (names.length === 0) return { events, requests };
  const streams: Record<string, CanonicalStream> = {};
  for (const name of names) {
    checkName(name, side);
    streams[name] = streamForm(direction?.streams?.[name], `${side}.streams.${name}`);
  }
  return { events, requests, streams };
}

/** A stream's form: `input`, and each of `item`, `send`, `result` that it declares. */
function streamForm(stream: StreamSchema | undefined, where: string): CanonicalStream {
  const form: { -readonly [P in keyof CanonicalStream]: CanonicalStream[P] } = {
    input: nodeFor(stream?.input, `${where}.input`),
  };
  for (const part of STREAM_PARTS) {
    const schema = stream?.[part];
    if (schema !== undefined) form[part] = nodeFor(schema, `${where}.${part}`);
  }
  if (form.item === undefined && form.send === undefined) {
    throw invalid(`${where}: a stream needs an item schema, a send schema, or both`);
  }
  return form;
}

const STREAM_PARTS = ["item", "send", "result"] as const;

function checkName(name: string, side: string): void {
  if (!MESSAGE_NAME_PATTERN.test(name)) {
    throw invalid(`invalid ${side} message name ${JSON.stringify(name)}`);
  }
}

function nodeFor(schema: z.ZodType | undefined, where: string): CanonicalNode {
  try {
    return canonicalSchema(schema as z.ZodType);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw invalid(`${where}: ${message}`, error);
  }
}

/**
 * The contract digest: SHA-256 of the contract form's canonical text (RFC 8785) in UTF-8, first
 * 16 bytes as 32 lowercase hex characters. Equal digests mean equal forms. Takes a contract, or a
 * form already made (one a peer sent, for example).
 *
 * @throws `ERR_INVALID_ARGUMENT` as {@link canonicalContract}, or for a malformed form.
 *
 * @example
 * ```ts
 * contractDigest(chat); // "…32 hex characters…", the same in every implementation
 * ```
 */
export function contractDigest(contract: ContractInput | CanonicalContract): string {
  return canonicalDigest(formOf(contract));
}

/**
 * One digest per message, keyed by {@link MessageKey} in sorted order: for an event the digest of
 * its schema's node, for a request of `{ input, output }`, for a stream of `{ input, item?, send?,
 * result? }` (the members it declares), and `credentials` when the contract declares them. Two peers whose digests for a key agree have identical schemas for it; where they
 * differ, {@link compareContracts} says whether the message still works.
 *
 * @throws `ERR_INVALID_ARGUMENT` as {@link contractDigest}.
 *
 * @example
 * ```ts
 * messageDigests(chat)["client.events.say"]; // 32 hex characters
 * ```
 */
export function messageDigests(
  contract: ContractInput | CanonicalContract,
): Record<MessageKey, string> {
  const digests: Record<string, string> = {};
  for (const [key, message] of contractMessages(formOf(contract)))
    digests[key] = canonicalDigest(message);
  return digests as Record<MessageKey, string>;
}

/** A form as given (validated), or the form of a contract. */
export function formOf(contract: ContractInput | CanonicalContract): CanonicalContract {
  if (typeof (contract as Partial<CanonicalContract> | null)?.form === "number") {
    return validateCanonicalContract(contract);
  }
  return canonicalContract(contract as ContractInput);
}

/** Every message of a form by key, sorted: credentials, then client and server tables. */
export function contractMessages(form: CanonicalContract): [MessageKey, CanonicalMessage][] {
  const out: [MessageKey, CanonicalMessage][] = [];
  if (form.credentials !== null) out.push(["credentials", form.credentials]);
  for (const side of ["client", "server"] as const) {
    for (const table of ["events", "requests", "streams"] as const) {
      const entries: Readonly<Record<string, CanonicalMessage>> = form[side][table] ?? {};
      for (const name of Object.keys(entries).sort(compareUtf16)) {
        out.push([`${side}.${table}.${name}`, entries[name] as CanonicalMessage]);
      }
    }
  }
  return out.sort((a, b) => compareUtf16(a[0], b[0]));
}

function invalid(message: string, cause?: unknown): SockwireError {
  return new SockwireError(
    ErrorCode.INVALID_ARGUMENT,
    message,
    cause === undefined ? {} : { cause },
  );
}
