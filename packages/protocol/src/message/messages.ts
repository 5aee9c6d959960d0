import type { PayloadCodec } from "../codec/codec.js";
import { defaultCodec } from "../codec/json-codec.js";
import type {
  AnyContract,
  EventData,
  EventInput,
  EventName,
  NameArg,
  NameKey,
  RequestInput,
  RequestName,
  RequestParams,
  ResponseData,
  ResponseInput,
  Side,
} from "../contract/types.js";
import { PayloadRole } from "../contract/validate.js";
import { type Envelope, encodeEnvelope } from "../envelope/envelope.js";
import { Kind, kindName } from "../envelope/kinds.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { decodeValidated } from "./decode.js";
import { unknownType } from "./message-errors.js";
import { encodeWireValue, outboundValue } from "./outbound.js";

/** Options of the `encode*` helpers. */
export interface EncodeOptions {
  /** Payload codec. Default: the JSON codec. */
  codec?: PayloadCodec | undefined;
  /** Validate the value against the contract before encoding. Default true. */
  validate?: boolean | undefined;
}

/** Options of the `decode*` helpers. */
export interface DecodeOptions {
  /** Payload codec. Default: the JSON codec (depth 64). */
  codec?: PayloadCodec | undefined;
}

/** A validated inbound event: a union over every event `From` sends, discriminated by `name`. */
export type InboundEvent<C extends AnyContract, From extends Side> = {
  [K in EventName<C, From>]: { name: K; data: EventData<C, From, K> };
}[EventName<C, From>];

/** A validated inbound request: a union over every request `From` sends, discriminated by `name`. */
export type InboundRequest<C extends AnyContract, From extends Side> = {
  [K in RequestName<C, From>]: {
    id: number;
    name: K;
    params: RequestParams<C, From, K>;
    /** The requester's deadline in ms, if it sent one. */
    deadlineMs: number | undefined;
  };
}[RequestName<C, From>];

/**
 * Validates an event that side `from` sends and encodes it as one complete frame.
 *
 * @throws `ERR_UNKNOWN_MESSAGE_TYPE` (not in the contract), `ERR_VALIDATION_FAILED`,
 * `ERR_PAYLOAD_INVALID` (the codec cannot encode it), `ERR_INVALID_ARGUMENT` (over 64 MiB).
 *
 * @example
 * ```ts
 * socket.write(encodeEvent(chat, "client", "say", { text: "hello" }));
 * ```
 */
export function encodeEvent<C extends AnyContract, S extends Side, K extends string>(
  contract: C,
  from: S,
  name: NameArg<K, EventName<C, S>>,
  data: EventInput<C, S, NameKey<K, EventName<C, S>>>,
  options: EncodeOptions = {},
): Buffer {
  const schema = contract[from].events.get(name);
  if (schema === undefined) throw unknownType(`${from} event`, name);
  const value = outboundValue(schema, data, options.validate !== false, PayloadRole.EVENT, name);
  return encodeEnvelope(
    { kind: Kind.EVENT, type: name },
    encodeWireValue(options.codec ?? defaultCodec, schema, value),
  );
}

/**
 * Validates a request that side `from` sends and encodes it as one complete frame.
 *
 * @throws as {@link encodeEvent}, plus `ERR_INVALID_ARGUMENT` for an id outside 1..0xFFFFFFFF.
 *
 * @example
 * ```ts
 * socket.write(encodeRequest(chat, "client", 1, "join", { room: "lobby" }, { deadlineMs: 5000 }));
 * ```
 */
export function encodeRequest<C extends AnyContract, S extends Side, K extends string>(
  contract: C,
  from: S,
  id: number,
  name: NameArg<K, RequestName<C, S>>,
  input: RequestInput<C, S, NameKey<K, RequestName<C, S>>>,
  options: EncodeOptions & { deadlineMs?: number | undefined } = {},
): Buffer {
  if (id === 0) throw new SockwireError(ErrorCode.INVALID_ARGUMENT, "request id 0 is reserved");
  const schema = contract[from].requests.get(name);
  if (schema === undefined) throw unknownType(`${from} request`, name);
  const validate = options.validate !== false;
  const value = outboundValue(schema.input, input, validate, PayloadRole.REQUEST_INPUT, name);
  const payload = encodeWireValue(options.codec ?? defaultCodec, schema.input, value);
  return encodeEnvelope(
    { kind: Kind.REQUEST, id, type: name, deadlineMs: options.deadlineMs },
    payload,
  );
}

/**
 * Validates the answer to request `name` (which side `requester` sent) and encodes it as one
 * complete response frame carrying the request's id.
 *
 * @example
 * ```ts
 * socket.write(encodeResponse(chat, "client", request.id, "join", { members: 3 }));
 * ```
 */
export function encodeResponse<C extends AnyContract, S extends Side, K extends string>(
  contract: C,
  requester: S,
  id: number,
  name: NameArg<K, RequestName<C, S>>,
  output: ResponseInput<C, S, NameKey<K, RequestName<C, S>>>,
  options: EncodeOptions = {},
): Buffer {
  const schema = contract[requester].requests.get(name);
  if (schema === undefined) throw unknownType(`${requester} request`, name);
  const validate = options.validate !== false;
  const value = outboundValue(schema.output, output, validate, PayloadRole.RESPONSE, name);
  return encodeEnvelope(
    { kind: Kind.RESPONSE, id },
    encodeWireValue(options.codec ?? defaultCodec, schema.output, value),
  );
}

/**
 * Decodes and validates an event frame that side `from` sent. The result is typed by name:
 * narrowing on `name` gives the exact `data` type.
 *
 * @throws `ERR_UNEXPECTED_FRAME` (not an event), `ERR_UNKNOWN_MESSAGE_TYPE`, `ERR_PAYLOAD_INVALID`,
 * `ERR_PAYLOAD_TOO_DEEP`, `ERR_VALIDATION_FAILED` (with a bounded issue summary in `details`).
 *
 * @example
 * ```ts
 * const event = decodeEvent(chat, "client", parseEnvelope(body)!);
 * if (event.name === "say") console.log(event.data.text);
 * ```
 */
export function decodeEvent<C extends AnyContract, S extends Side>(
  contract: C,
  from: S,
  envelope: Envelope,
  options?: DecodeOptions,
): InboundEvent<C, S> {
  expectKind(envelope, Kind.EVENT);
  const name = envelope.type;
  const schema = contract[from].events.get(name);
  if (schema === undefined) throw unknownType(`${from} event`, name);
  const data = decodeValidated(
    options?.codec ?? defaultCodec,
    envelope,
    schema,
    PayloadRole.EVENT,
    name,
  );
  return { name, data } as InboundEvent<C, S>;
}

/**
 * Decodes and validates a request frame that side `from` sent.
 *
 * @throws as {@link decodeEvent}; `ERR_FRAME_MALFORMED` for request id 0.
 *
 * @example
 * ```ts
 * const req = decodeRequest(chat, "client", envelope);
 * if (req.name === "join") reply(req.id, { members: join(req.params.room) });
 * ```
 */
export function decodeRequest<C extends AnyContract, S extends Side>(
  contract: C,
  from: S,
  envelope: Envelope,
  options?: DecodeOptions,
): InboundRequest<C, S> {
  expectKind(envelope, Kind.REQUEST);
  if (envelope.id === 0)
    throw new SockwireError(ErrorCode.FRAME_MALFORMED, "request id 0 is reserved");
  const name = envelope.type;
  const schema = contract[from].requests.get(name);
  if (schema === undefined) throw unknownType(`${from} request`, name);
  const codec = options?.codec ?? defaultCodec;
  const params = decodeValidated(codec, envelope, schema.input, PayloadRole.REQUEST_INPUT, name);
  return {
    id: envelope.id,
    name,
    params,
    deadlineMs: envelope.deadlineMs,
  } as InboundRequest<C, S>;
}

/**
 * Decodes and validates the response to request `name`, which side `requester` sent. Response
 * frames carry only the id; the caller knows the name from its table of pending requests.
 *
 * @example
 * ```ts
 * const { members } = decodeResponse(chat, "client", "join", envelope);
 * ```
 */
export function decodeResponse<C extends AnyContract, S extends Side, K extends string>(
  contract: C,
  requester: S,
  name: NameArg<K, RequestName<C, S>>,
  envelope: Envelope,
  options?: DecodeOptions,
): ResponseData<C, S, NameKey<K, RequestName<C, S>>> {
  expectKind(envelope, Kind.RESPONSE);
  const schema = contract[requester].requests.get(name);
  if (schema === undefined) throw unknownType(`${requester} request`, name);
  const codec = options?.codec ?? defaultCodec;
  return decodeValidated(
    codec,
    envelope,
    schema.output,
    PayloadRole.RESPONSE,
    name,
  ) as ResponseData<C, S, NameKey<K, RequestName<C, S>>>;
}

function expectKind(envelope: Envelope, kind: Kind): void {
  if (envelope.kind !== kind) {
    throw new SockwireError(
      ErrorCode.UNEXPECTED_FRAME,
      `expected a ${kindName(kind)} frame, got ${kindName(envelope.kind)}`,
    );
  }
}
