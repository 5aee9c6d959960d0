import {
  ENVELOPE_FIXED_BYTES,
  ErrorCode,
  FRAME_PREFIX_BYTES,
  Kind,
  SockwireError,
} from "@sockwire/protocol";
import type { AdapterTarget } from "@sockwire/server";

/**
 * The cluster envelope: what one instance publishes to Redis for the others. A small binary
 * header names the publishing instance and the target, and the already-encoded sockwire event
 * frame follows unchanged, so receivers write those exact bytes to their connections.
 *
 * ```
 * offset  size  field
 * 0       1     version (1)
 * 1       1     target kind: 1 all, 2 room, 3 connection
 * 2       1     origin length O (1..64), then O bytes: the publishing instance id (ASCII)
 * ...           all:        u8 except length E (0 = none), E bytes except connection id
 *               room:       u16 BE room length R (1..65535), R bytes room name (UTF-8),
 *                           u8 except length E, E bytes
 *               connection: u8 id length I (1..255), I bytes connection id
 * ...     rest  the sockwire frame: u32 BE body length + body (an event envelope)
 * ```
 *
 * @example
 * ```ts
 * if (message[0] !== CLUSTER_ENVELOPE_VERSION) console.warn("a newer instance is publishing");
 * ```
 */
export const CLUSTER_ENVELOPE_VERSION = 1;

const KIND_ALL = 1;
const KIND_ROOM = 2;
const KIND_CONNECTION = 3;

/**
 * A decoded cluster message.
 *
 * @example
 * ```ts
 * const { origin, target }: ClusterMessage = decodeClusterMessage(message);
 * ```
 */
export interface ClusterMessage {
  /** Instance id of the publisher. */
  origin: string;
  target: AdapterTarget;
  /** The sockwire frame, length prefix included (a view into the received buffer). */
  frame: Buffer;
}

/**
 * Builds the envelope of `frame` for `target`. One copy of the frame, nothing re-encoded.
 *
 * @throws `RangeError` for an id longer than 255 bytes.
 *
 * @example
 * ```ts
 * const message = encodeClusterMessage(adapter.instanceId, { kind: "room", room: "lobby" }, frame);
 * ```
 */
export function encodeClusterMessage(origin: string, target: AdapterTarget, frame: Buffer): Buffer {
  const originBytes = Buffer.from(origin, "latin1");
  let targetBytes: Buffer;
  if (target.kind === "connection") {
    targetBytes = shortString(target.id);
  } else if (target.kind === "room") {
    const room = Buffer.from(target.room, "utf8");
    const length = Buffer.allocUnsafe(2);
    length.writeUInt16BE(room.length);
    targetBytes = Buffer.concat([length, room, shortString(target.except ?? "")]);
  } else {
    targetBytes = shortString(target.except ?? "");
  }
  const kind =
    target.kind === "all" ? KIND_ALL : target.kind === "room" ? KIND_ROOM : KIND_CONNECTION;
  const head = Buffer.from([CLUSTER_ENVELOPE_VERSION, kind, originBytes.length]);
  return Buffer.concat([head, originBytes, targetBytes, frame]);
}

/**
 * Reads a cluster message. Throws `ERR_ADAPTER` (`details.operation` "message") for anything
 * malformed: another version, a bad target, a truncated or inconsistent frame, or a frame that
 * is not an event. The frame's payload is not decoded or validated: the publisher did that.
 *
 * @example
 * ```ts
 * // A tool that watches a service's traffic on `<ns>:all`:
 * await sub.subscribe(channel, (message) => {
 *   const { origin, target, frame } = decodeClusterMessage(message);
 *   console.log(origin, target.kind, frame.length);
 * }, true);
 * ```
 */
export function decodeClusterMessage(message: Buffer): ClusterMessage {
  const reader = new Reader(message);
  const version = reader.u8();
  if (version !== CLUSTER_ENVELOPE_VERSION) throw malformed(`unknown version ${version}`);
  const kind = reader.u8();
  const origin = reader.ascii(reader.u8());
  if (origin.length === 0) throw malformed("empty origin");
  let target: AdapterTarget;
  if (kind === KIND_ALL) {
    target = { kind: "all", except: optional(reader.ascii(reader.u8())) };
  } else if (kind === KIND_ROOM) {
    const room = reader.utf8(reader.u16());
    if (room.length === 0) throw malformed("empty room name");
    target = { kind: "room", room, except: optional(reader.ascii(reader.u8())) };
  } else if (kind === KIND_CONNECTION) {
    const id = reader.ascii(reader.u8());
    if (id.length === 0) throw malformed("empty connection id");
    target = { kind: "connection", id };
  } else {
    throw malformed(`unknown target kind ${kind}`);
  }
  const frame = reader.rest();
  if (frame.length < FRAME_PREFIX_BYTES + ENVELOPE_FIXED_BYTES) throw malformed("short frame");
  if (frame.readUInt32BE(0) !== frame.length - FRAME_PREFIX_BYTES) {
    throw malformed("frame length does not match");
  }
  if (frame[FRAME_PREFIX_BYTES] !== Kind.EVENT) throw malformed("not an event frame");
  return { origin, target, frame };
}

/** u8 length + bytes, for ids (ASCII, at most 255 bytes). */
function shortString(value: string): Buffer {
  const bytes = Buffer.from(value, "latin1");
  if (bytes.length > 255) throw new RangeError("id longer than 255 bytes");
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

function optional(value: string): string | undefined {
  return value.length === 0 ? undefined : value;
}

function malformed(why: string): SockwireError {
  return new SockwireError(ErrorCode.ADAPTER, `malformed cluster message: ${why}`, {
    details: { operation: "message" },
  });
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Bounds-checked sequential reads. */
class Reader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  u8(): number {
    this.need(1);
    return this.buffer[this.offset++] as number;
  }

  u16(): number {
    this.need(2);
    const value = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  ascii(length: number): string {
    const bytes = this.take(length);
    for (const byte of bytes) if (byte < 0x21 || byte > 0x7e) throw malformed("non-ASCII id");
    return bytes.toString("latin1");
  }

  utf8(length: number): string {
    const bytes = this.take(length);
    try {
      return strictUtf8.decode(bytes);
    } catch {
      throw malformed("room name is not valid UTF-8");
    }
  }

  rest(): Buffer {
    return this.buffer.subarray(this.offset);
  }

  private take(length: number): Buffer {
    this.need(length);
    const bytes = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return bytes;
  }

  private need(length: number): void {
    if (this.offset + length > this.buffer.length) throw malformed("truncated header");
  }
}
