import type { PayloadCodec } from "../codec/codec.js";
import { encodeEvent } from "../contract/messages.js";
import type { AnyContract, EventName, Side } from "../contract/types.js";
import { outboundValue, PayloadRole } from "../contract/validate.js";
import { Kind, kindName } from "../envelope/kinds.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { WireCode } from "../errors/wire-codes.js";
import { ARENA_BUSY, encodeInArena } from "./encode-in-arena.js";
import { takeArenaFrame } from "./frame-arena.js";
import type { SessionState } from "./session-types.js";
import { clip } from "./wire-error.js";

// Frame encoding shared with the broadcast paths, and the coded errors a Session raises. Each
// factory builds its error only when called, so the hot path pays nothing for them.

/**
 * Validates and encodes an event frame once: the public `encodeEvent` with the session's codec
 * and validation setting, untyped for callers that route by name. The broadcast paths call this
 * directly so a message for 10,000 connections is validated and encoded a single time.
 */
export function encodeEventFrame(
  contract: AnyContract,
  side: Side,
  codec: PayloadCodec,
  name: string,
  data: unknown,
  validate: boolean,
): Buffer {
  return encodeEvent(contract, side, name as EventName<AnyContract, Side>, data as never, {
    codec,
    validate,
  });
}

/**
 * Validates and encodes an event frame to be shared by many connections (a broadcast): encoded in
 * the frame arena like a session's own sends, and claimed there as a view, which every
 * recipient queues as it is. Same bytes and errors as {@link encodeEventFrame}, which it falls
 * back to for an unknown name or when called while another frame is being encoded.
 */
export function encodeSharedEventFrame(
  contract: AnyContract,
  side: Side,
  codec: PayloadCodec,
  name: string,
  data: unknown,
  validate: boolean,
): Buffer {
  const schema = contract[side].events.get(name);
  if (schema !== undefined) {
    const value = outboundValue(schema, data, validate, PayloadRole.EVENT, name);
    const bytes = encodeInArena(Kind.EVENT, 0, name, undefined, codec, schema, value);
    if (bytes !== ARENA_BUSY) return takeArenaFrame(bytes);
  }
  return encodeEventFrame(contract, side, codec, name, data, validate);
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}

export function unknownType(what: string, name: string): SockwireError {
  return new SockwireError(
    ErrorCode.UNKNOWN_MESSAGE_TYPE,
    `the contract declares no ${what} named ${JSON.stringify(clip(name, 64))}`,
  );
}

export function unexpected(kind: number, when: string): SockwireError {
  return new SockwireError(
    ErrorCode.UNEXPECTED_FRAME,
    `unexpected ${kindName(kind)} frame ${when}`,
  );
}

export function notConnected(state: SessionState): SockwireError {
  return new SockwireError(
    ErrorCode.NOT_CONNECTED,
    `the connection is ${state === "handshake" ? "not open yet" : state}`,
  );
}

export function lost(name: string, cause: unknown): SockwireError {
  return new SockwireError(
    ErrorCode.CONNECTION_LOST,
    `request ${name} was lost with its connection`,
    { cause },
  );
}

export function slowConsumer(message: string): SockwireError {
  return new SockwireError(ErrorCode.CONNECTION_LOST, message, {
    remoteCode: WireCode.SLOW_CONSUMER,
  });
}

export function tooLargeForPeer(bytes: number, limit: number): SockwireError {
  return new SockwireError(
    ErrorCode.PEER_FRAME_LIMIT,
    `message of ${bytes} bytes exceeds the peer's receive limit of ${limit} bytes`,
    {
      details: { bytes, limit },
    },
  );
}
