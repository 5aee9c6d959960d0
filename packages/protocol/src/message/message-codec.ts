import type { z } from "zod";
import type { PayloadCodec } from "../codec/codec.js";
import type { AnyContract, RequestSchema, Side } from "../contract/types.js";
import { PayloadRole } from "../contract/validate.js";
import { type Envelope, encodeEnvelope, wireDeadline } from "../envelope/envelope.js";
import { Kind } from "../envelope/kinds.js";
import { decodeValidated } from "./decode.js";
import { encodeInArena } from "./encode-in-arena.js";
import { frameArena } from "./frame-arena.js";
import { unknownType } from "./message-errors.js";
import { encodeWireValue, outboundValue } from "./outbound.js";
import type { OutgoingFrame } from "./outgoing-frame.js";

/**
 * The one seam between messages and bytes for a connection: the contract, the side it sends
 * from, the payload codec and the outbound validation setting in; an encoded frame, or a
 * validated value, or a coded error out. Sessions and broadcasts go through it, so the fast
 * paths (planned parsing and writing, accept checks, the frame arena) live behind it and
 * nowhere else. Nothing in it is per connection: a server shares one among its sessions.
 *
 * Errors (thrown): `ERR_UNKNOWN_MESSAGE_TYPE` (not in the contract for that direction),
 * `ERR_VALIDATION_FAILED`, `ERR_PAYLOAD_INVALID`, `ERR_PAYLOAD_TOO_DEEP`, `ERR_INVALID_ARGUMENT`
 * (a body over 64 MiB).
 *
 * @example
 * ```ts
 * const messages = new MessageCodec(chat, "client", defaultCodec, true);
 * const frame = messages.event("say", { text: "hi" }); // writer.send(frame) or dropOutgoing(frame)
 * const data = messages.readEvent(envelope);           // a server event, validated
 * ```
 */
export class MessageCodec {
  private readonly remote: Side;

  constructor(
    readonly contract: AnyContract,
    /** The side this end is on: it sends `contract[side]` messages. */
    readonly side: Side,
    readonly codec: PayloadCodec,
    /** Validate outbound payloads (undeclared keys are left out either way). */
    readonly validate: boolean,
  ) {
    this.remote = side === "client" ? "server" : "client";
  }

  /** Whether the peer may send request `name` (it is in the contract for its direction). */
  inboundRequest(name: string): RequestSchema | undefined {
    return this.contract[this.remote].requests.get(name);
  }

  /** Whether this side may send request `name`. */
  outboundRequest(name: string): RequestSchema | undefined {
    return this.contract[this.side].requests.get(name);
  }

  /** An event frame, encoded in the frame arena when it is free. */
  event(name: string, data: unknown): OutgoingFrame {
    const schema = this.contract[this.side].events.get(name);
    if (schema === undefined) throw unknownType("event", name);
    const value = outboundValue(schema, data, this.validate, PayloadRole.EVENT, name);
    return (
      encodeInArena(Kind.EVENT, 0, name, undefined, this.codec, schema, value) ??
      this.fallback({ kind: Kind.EVENT, type: name }, schema, value)
    );
  }

  /**
   * An event frame as a buffer many connections can queue as it is (a broadcast): validated and
   * encoded once, claimed from the arena as a view.
   */
  sharedEvent(name: string, data: unknown): Buffer {
    const frame = this.event(name, data);
    return typeof frame === "number" ? frameArena.take(frame) : frame;
  }

  /**
   * An event frame in a buffer of its own, outside the arena: for a frame that may wait long (an
   * offline queue), which as a view would keep a whole arena buffer alive.
   */
  eventBuffer(name: string, data: unknown): Buffer {
    const schema = this.contract[this.side].events.get(name);
    if (schema === undefined) throw unknownType("event", name);
    const value = outboundValue(schema, data, this.validate, PayloadRole.EVENT, name);
    return this.fallback({ kind: Kind.EVENT, type: name }, schema, value);
  }

  /** A request frame with `id`, carrying `timeoutMs` (0 = none) as its deadline. */
  request(id: number, name: string, input: unknown, timeoutMs: number): OutgoingFrame {
    const schema = this.outboundRequest(name);
    if (schema === undefined) throw unknownType("request", name);
    const role = PayloadRole.REQUEST_INPUT;
    const value = outboundValue(schema.input, input, this.validate, role, name);
    const deadline = timeoutMs > 0 ? wireDeadline(timeoutMs) : undefined;
    return (
      encodeInArena(Kind.REQUEST, id, name, deadline, this.codec, schema.input, value) ??
      this.fallback(
        {
          kind: Kind.REQUEST,
          id,
          type: name,
          ...(deadline === undefined ? {} : { deadlineMs: deadline }),
        },
        schema.input,
        value,
      )
    );
  }

  /**
   * A request frame in a buffer of its own, validated now, for a request that waits before it
   * is sent (an offline queue): its id is 0 and its deadline field (present when `timeoutMs` is
   * not 0) holds `timeoutMs`, both filled in when it is sent (`patchRequestFrame`). Encoded once:
   * the queue is charged its real size and sending it costs no second encoding.
   */
  requestBuffer(name: string, input: unknown, timeoutMs: number): Buffer {
    const schema = this.outboundRequest(name);
    if (schema === undefined) throw unknownType("request", name);
    const role = PayloadRole.REQUEST_INPUT;
    const value = outboundValue(schema.input, input, this.validate, role, name);
    const deadline = timeoutMs > 0 ? wireDeadline(timeoutMs) : undefined;
    return this.fallback(
      {
        kind: Kind.REQUEST,
        type: name,
        ...(deadline === undefined ? {} : { deadlineMs: deadline }),
      },
      schema.input,
      value,
    );
  }

  /** The response frame to the peer's request `name` with `id`. */
  response(name: string, id: number, output: unknown): OutgoingFrame {
    const schema = this.inboundRequest(name);
    if (schema === undefined) throw unknownType("request", name);
    const value = outboundValue(schema.output, output, this.validate, PayloadRole.RESPONSE, name);
    return (
      encodeInArena(Kind.RESPONSE, id, "", undefined, this.codec, schema.output, value) ??
      this.fallback({ kind: Kind.RESPONSE, id }, schema.output, value)
    );
  }

  /** The validated data of an event the peer sent. */
  readEvent(envelope: Envelope): unknown {
    const name = envelope.type;
    const schema = this.contract[this.remote].events.get(name);
    if (schema === undefined) throw unknownType("event", name);
    return decodeValidated(this.codec, envelope, schema, PayloadRole.EVENT, name);
  }

  /** The validated input of request `schema` (from {@link inboundRequest}) the peer sent. */
  readRequest(envelope: Envelope, schema: RequestSchema): unknown {
    const role = PayloadRole.REQUEST_INPUT;
    return decodeValidated(this.codec, envelope, schema.input, role, envelope.type);
  }

  /** The validated answer to this side's request `name`. */
  readResponse(name: string, envelope: Envelope): unknown {
    const schema = this.outboundRequest(name);
    if (schema === undefined) throw unknownType("request", name);
    return decodeValidated(this.codec, envelope, schema.output, PayloadRole.RESPONSE, name);
  }

  /** A frame of its own, for an encoding made while the arena was busy (see encodeInArena). */
  private fallback(
    header: Parameters<typeof encodeEnvelope>[0],
    schema: z.ZodType,
    value: unknown,
  ): Buffer {
    return encodeEnvelope(header, encodeWireValue(this.codec, schema, value));
  }
}

const codecs = new WeakMap<PayloadCodec, WeakMap<AnyContract, MessageCodec[]>>();

/**
 * The message codec for these settings, made once and shared: every session of a server, and its
 * broadcasts, use one. Kept for as long as both the payload codec and the contract live (a
 * client's codec lives with the client), at most four per pair (side x validation).
 *
 * @example
 * ```ts
 * const messages = messageCodecFor(chat, "server", defaultCodec, true);
 * ```
 */
export function messageCodecFor(
  contract: AnyContract,
  side: Side,
  codec: PayloadCodec,
  validate: boolean,
): MessageCodec {
  let byContract = codecs.get(codec);
  if (byContract === undefined) {
    byContract = new WeakMap();
    codecs.set(codec, byContract);
  }
  let list = byContract.get(contract);
  if (list === undefined) {
    list = [];
    byContract.set(contract, list);
  }
  for (const made of list) {
    if (made.side === side && made.validate === validate) return made;
  }
  const made = new MessageCodec(contract, side, codec, validate);
  list.push(made);
  return made;
}
