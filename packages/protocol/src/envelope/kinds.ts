/**
 * Frame kinds (byte 0 of every body). Values are part of the wire format and never change.
 * Kinds 0x40-0x7F are reserved for extensions a receiver may ignore; any other unknown kind is a
 * protocol error.
 */
export const Kind = {
  HELLO: 0x01,
  WELCOME: 0x02,
  REJECT: 0x03,
  EVENT: 0x04,
  REQUEST: 0x05,
  RESPONSE: 0x06,
  ERROR: 0x07,
  CANCEL: 0x08,
  PING: 0x09,
  PONG: 0x0a,
  GOAWAY: 0x0b,
  /**
   * Protocol 1.1, in the extension range (ignored by 1.0 peers, which are never sent one): a
   * contract's canonical form, exchanged during the handshake when the two peers' contract
   * digests differ (PROTOCOL.md 8.1).
   */
  CONTRACT: 0x40,
  /**
   * Protocol 1.1, in the extension range, sent only when both peers agreed on resumable sessions:
   * the count of sequenced frames received so far, in the id field (PROTOCOL.md 8.6).
   */
  ACK: 0x41,
  /**
   * Protocol 1.1, streams (PROTOCOL.md 8.7), in the extension range. The id is the stream's (odd
   * for streams the client opens, even for the server's). `stream-open` carries the stream's
   * name as its type and its input as payload (with a whole-stream deadline when DEADLINE is set).
   */
  STREAM_OPEN: 0x42,
  /** One item: from the responder (`item`) or from the opener (`send`). */
  STREAM_ITEM: 0x43,
  /** The consumer of one direction grants the producer more items: JSON `{"items": n}`. */
  STREAM_CREDIT: 0x44,
  /** The sender ends its direction: the responder with the stream's result, the opener with nothing. */
  STREAM_END: 0x45,
  /** The stream failed: JSON `Reason`; both directions end. */
  STREAM_ERROR: 0x46,
  /** The sender abandons the stream (JSON `Reason`): the peer stops producing and ends its handler. */
  STREAM_CANCEL: 0x47,
} as const;

/** Union of the known kind values. */
export type Kind = (typeof Kind)[keyof typeof Kind];

const names: Record<number, string> = {};
for (const [name, value] of Object.entries(Kind)) names[value] = name.toLowerCase();

/** Lower-case name of a kind (`"event"`), or `"0x4f"` for an unknown value. */
export function kindName(kind: number): string {
  return names[kind] ?? `0x${kind.toString(16).padStart(2, "0")}`;
}

/** True for a kind this version knows. */
export function isKnownKind(kind: number): kind is Kind {
  return names[kind] !== undefined;
}

/** True for the six stream kinds of protocol 1.2 (PROTOCOL.md 8.7), `stream-open` to `stream-cancel`. */
export function isStreamKind(kind: number): boolean {
  return kind >= Kind.STREAM_OPEN && kind <= Kind.STREAM_CANCEL;
}

/** True for a kind in the extension range that a receiver drops silently when it does not know it. */
export function isIgnorableKind(kind: number): boolean {
  return kind >= 0x40 && kind <= 0x7f;
}

/**
 * Flag bits (byte 1). The low nibble holds advisory flags: a receiver ignores bits it does not
 * know, so they can never change the layout. The high nibble holds required flags: a receiver
 * that sees an unknown one must fail the connection, because the layout may differ.
 */
export const Flag = {
  /** Request only: a u32 deadline in milliseconds follows the type name. Required bit. */
  DEADLINE: 0x10,
} as const;

/** Mask of the required bits this version understands. */
export const KNOWN_REQUIRED_FLAGS = Flag.DEADLINE;
/** Mask of all required (layout-changing) bits. */
export const REQUIRED_FLAG_MASK = 0xf0;
/** Mask of all advisory bits (receivers ignore the ones they do not know). */
export const ADVISORY_FLAG_MASK = 0x0f;
