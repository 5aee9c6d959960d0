import { JsonCodec } from "../codec/json-codec.js";
import { MAX_FRAME_BYTES_LIMIT, MIN_FRAME_BYTES_LIMIT } from "../constants.js";
import { canonicalDigest, canonicalText } from "../contract/canonical/canonical-json.js";
import type {
  CanonicalContract,
  CanonicalMessage,
  MessageKey,
} from "../contract/canonical/node-types.js";
import {
  validateCanonicalContract,
  validateCanonicalNode,
  validateCanonicalStream,
} from "../contract/canonical/validate-form.js";
import { MESSAGE_NAME_PATTERN } from "../contract/define-contract.js";
import { type Envelope, encodeEnvelope } from "../envelope/envelope.js";
import { Kind, kindName } from "../envelope/kinds.js";
import { ErrorCode } from "../errors/codes.js";
import { isSockwireError, SockwireError } from "../errors/sockwire-error.js";

/**
 * The `contract` frame (kind 0x40, protocol 1.1), exchanged during the handshake when the two
 * peers' contract digests differ (PROTOCOL.md 8.1), and once to a client that asked for the
 * server's contract (reflection, 8.1). Its payload is JSON with up to four members:
 * `maxFrameBytes` (the server's receive limit, in its first one), `messages` (the sender's message
 * digests by key), `schemas` (the sender's canonical form of some messages, by key) and `form`
 * (the server's whole contract form, for reflection). Forms nest deeper than other control
 * payloads, so the frame's nesting limit is that of the form's own check.
 */

/** Deepest nesting of a contract frame's payload: the form's limit (256) plus its wrappers. */
const CONTRACT_FRAME_DEPTH = 264;
const contractCodec = new JsonCodec(CONTRACT_FRAME_DEPTH);

const DIGEST = /^[0-9a-f]{32}$/;
const KEY = /^(client|server)\.(events|requests|streams)\.(.+)$/;

/** One message's form as a peer sent it, with its digest computed here. */
export interface ReceivedSchema {
  readonly form: CanonicalMessage;
  readonly digest: string;
}

/** A received contract frame, checked member by member. */
export interface ContractFrame {
  /** The sender's receive limit, when it announced one (the server does, first). */
  readonly maxFrameBytes: number | undefined;
  /** The sender's message digests by key, when it sent them. */
  readonly messages: ReadonlyMap<MessageKey, string> | undefined;
  /** The schemas the sender sent, by key (empty when none). */
  readonly schemas: ReadonlyMap<MessageKey, ReceivedSchema>;
  /** The server's whole contract form, in a reflection answer. */
  readonly form: CanonicalContract | undefined;
}

/** What a contract frame carries, to encode: schema forms are written as canonical text. */
export interface ContractFrameParts {
  readonly maxFrameBytes?: number;
  readonly messages?: Readonly<Record<string, string>>;
  readonly schemas?: Readonly<Record<string, CanonicalMessage>>;
  readonly form?: CanonicalContract;
}

/**
 * A `contract` frame carrying `parts`, its payload in canonical JSON (so equal parts give equal
 * bytes, and the golden vectors are reproducible).
 *
 * @example
 * ```ts
 * socket.write(encodeContractFrame({ maxFrameBytes: 1048576, messages: local.digests }));
 * ```
 */
export function encodeContractFrame(parts: ContractFrameParts): Buffer {
  return encodeEnvelope({ kind: Kind.CONTRACT }, canonicalText(parts));
}

/**
 * Reads a `contract` frame: every member is checked (unknown members are ignored, as in every
 * control payload), each schema strictly (unknown node members refused, bounded depth and size)
 * and its digest computed from it, never taken on trust.
 *
 * @throws `ERR_FRAME_MALFORMED` naming the first problem, for a payload that is not a valid
 * contract frame.
 */
export function decodeContractFrame(envelope: Envelope): ContractFrame {
  let value: unknown;
  try {
    value = contractCodec.decode(envelope.payload);
  } catch (error) {
    throw malformed("its payload is not valid JSON", error);
  }
  const payload = object(value, "its payload");
  return {
    maxFrameBytes: frameLimit(payload.maxFrameBytes),
    messages: payload.messages === undefined ? undefined : digests(payload.messages),
    schemas: payload.schemas === undefined ? new Map() : schemas(payload.schemas),
    form: payload.form === undefined ? undefined : contractForm(payload.form),
  };
}

function contractForm(value: unknown): CanonicalContract {
  try {
    return validateCanonicalContract(value);
  } catch (error) {
    const why = isSockwireError(error) ? error.message : "invalid";
    throw malformed(`its form is not a valid contract form: ${why}`, error);
  }
}

/**
 * `envelope` if it is a `contract` frame.
 *
 * @throws `ERR_UNEXPECTED_FRAME` for any other kind.
 */
export function expectContract(envelope: Envelope): Envelope {
  if (envelope.kind !== Kind.CONTRACT) {
    throw new SockwireError(
      ErrorCode.UNEXPECTED_FRAME,
      `expected a contract frame, got ${kindName(envelope.kind)}`,
    );
  }
  return envelope;
}

/**
 * `frame` if its body fits the receive limit the peer announced.
 *
 * @throws `ERR_CONTRACT_MISMATCH` saying which limit to raise, otherwise (PROTOCOL.md 8.1, "Bounds").
 */
export function fitting(frame: Buffer, peerLimit: number): Buffer {
  const body = frame.length - 4;
  if (body <= peerLimit) return frame;
  throw new SockwireError(
    ErrorCode.CONTRACT_MISMATCH,
    `the contract frame (${body} bytes) exceeds the peer's receive limit (${peerLimit} bytes); raise maxFrameBytes on the peer`,
    { details: { reason: "CONTRACT_MISMATCH", bytes: body, limit: peerLimit } },
  );
}

function frameLimit(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== "number" ||
    !Number.isInteger(value) ||
    value < MIN_FRAME_BYTES_LIMIT ||
    value > MAX_FRAME_BYTES_LIMIT
  ) {
    throw malformed("maxFrameBytes is out of range");
  }
  return value;
}

function digests(value: unknown): Map<MessageKey, string> {
  const out = new Map<MessageKey, string>();
  for (const [key, digest] of Object.entries(object(value, "messages"))) {
    if (typeof digest !== "string" || !DIGEST.test(digest)) {
      throw malformed(`the digest of ${JSON.stringify(key)} is not 32 lowercase hex characters`);
    }
    out.set(messageKeyOf(key), digest);
  }
  return out;
}

function schemas(value: unknown): Map<MessageKey, ReceivedSchema> {
  const out = new Map<MessageKey, ReceivedSchema>();
  for (const [key, form] of Object.entries(object(value, "schemas"))) {
    const checked = messageKeyOf(key);
    try {
      const table = checked.split(".")[1];
      if (table === "events") validateCanonicalNode(form, key);
      else if (table === "streams") validateCanonicalStream(form, key);
      else requestForm(form, key);
    } catch (error) {
      const why = isSockwireError(error) ? error.message : "invalid";
      throw malformed(`the schema of ${key} is not a valid form: ${why}`, error);
    }
    out.set(checked, {
      form: form as CanonicalMessage,
      digest: canonicalDigest(form),
    });
  }
  return out;
}

function requestForm(value: unknown, key: string): void {
  const pair = object(value, key);
  const members = Object.keys(pair).sort();
  if (members.length !== 2 || members[0] !== "input" || members[1] !== "output") {
    throw malformed(`the schema of ${key} must have exactly "input" and "output"`);
  }
  validateCanonicalNode(pair.input, `${key}.input`);
  validateCanonicalNode(pair.output, `${key}.output`);
}

/** A message key as the exchange names messages: events, requests and streams, not credentials. */
function messageKeyOf(key: string): MessageKey {
  const match = KEY.exec(key);
  if (match === null || !MESSAGE_NAME_PATTERN.test(match[3] as string)) {
    throw malformed(`${JSON.stringify(key.slice(0, 300))} is not a message key`);
  }
  return key as MessageKey;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw malformed(`${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

function malformed(why: string, cause?: unknown): SockwireError {
  return new SockwireError(
    ErrorCode.FRAME_MALFORMED,
    `malformed contract frame: ${why}`,
    cause === undefined ? {} : { cause },
  );
}
