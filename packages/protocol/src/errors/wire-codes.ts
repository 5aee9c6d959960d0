/**
 * The wire code registry: the strings that travel in `reject`, `error` and `goaway` payloads and
 * in close reasons. Both ends share this table, so a code means the same thing in every
 * implementation. Codes are upper snake case, never renamed or reused. Application errors may use
 * any other code matching {@link APP_CODE_PATTERN}; registry codes are reserved.
 */
export const WireCode = {
  /** Normal close; nothing went wrong. */
  NORMAL: "NORMAL",
  /** The sender is shutting down (server stop, client close). */
  GOING_AWAY: "GOING_AWAY",
  /** Framing or envelope error; the connection is closed. */
  PROTOCOL_ERROR: "PROTOCOL_ERROR",
  /** A frame exceeded the receiver's announced limit; the connection is closed. */
  FRAME_TOO_LARGE: "FRAME_TOO_LARGE",
  /** A partial frame did not complete within the frame deadline. */
  FRAME_STALLED: "FRAME_STALLED",
  /** The payload could not be decoded by the codec (bad UTF-8, bad JSON, too deep). */
  INVALID_PAYLOAD: "INVALID_PAYLOAD",
  /** The payload decoded but failed the contract's schema. */
  VALIDATION_ERROR: "VALIDATION_ERROR",
  /** The message type is not declared in the contract. */
  UNKNOWN_TYPE: "UNKNOWN_TYPE",
  /** The contract declares the message but the receiver registered no handler. */
  NOT_IMPLEMENTED: "NOT_IMPLEMENTED",
  /** The handler failed; details are not disclosed. */
  INTERNAL: "INTERNAL",
  /** The request's deadline passed before the handler finished. */
  TIMEOUT: "TIMEOUT",
  /** The requester cancelled the request. */
  CANCELLED: "CANCELLED",
  /** The receiver is closing and does not start new work. */
  SHUTTING_DOWN: "SHUTTING_DOWN",
  /** Handshake: the peer's protocol major version is not supported. */
  UNSUPPORTED_VERSION: "UNSUPPORTED_VERSION",
  /** Handshake: contract name or fingerprint differ. */
  CONTRACT_MISMATCH: "CONTRACT_MISMATCH",
  /** Handshake: the requested codec is not available. */
  UNSUPPORTED_CODEC: "UNSUPPORTED_CODEC",
  /** Handshake: the credentials were refused. */
  UNAUTHORIZED: "UNAUTHORIZED",
  /** Handshake: the server is at its connection limit. */
  SERVER_FULL: "SERVER_FULL",
  /** Handshake: the hello did not arrive in time. */
  HANDSHAKE_TIMEOUT: "HANDSHAKE_TIMEOUT",
  /** No frame arrived within heartbeat interval + timeout. */
  HEARTBEAT_TIMEOUT: "HEARTBEAT_TIMEOUT",
  /** The peer did not read fast enough; its queue passed the hard cap or the write deadline. */
  SLOW_CONSUMER: "SLOW_CONSUMER",
  /**
   * Local close reason only, never sent: the socket failed (reset, broken pipe, TLS failure)
   * before a clean close.
   */
  SOCKET_ERROR: "SOCKET_ERROR",
  /** The peer sent pings faster than allowed, past the strike limit. */
  TOO_MANY_PINGS: "TOO_MANY_PINGS",
  /**
   * Local close reason only, never sent: a detached session ended without being resumed (its
   * resume window passed, or its replay log overflowed).
   */
  SESSION_EXPIRED: "SESSION_EXPIRED",
  /** A stream's peer sent more items than it was granted (stream-error or stream-cancel). */
  CREDIT_EXCEEDED: "CREDIT_EXCEEDED",
  /** The peer has as many streams open on this connection as it allows (stream-error). */
  TOO_MANY_STREAMS: "TOO_MANY_STREAMS",
  /** Handshake (1.1): the client asked for the server's contract, and reflection is off. */
  REFLECTION_DISABLED: "REFLECTION_DISABLED",
} as const;

/** Union of every registry wire code. */
export type WireCode = (typeof WireCode)[keyof typeof WireCode];

/** Every registry code, for documentation checks and reserved-code tests. */
export const ALL_WIRE_CODES: readonly WireCode[] = Object.freeze(Object.values(WireCode));

/** Shape every wire code (registry or application) must have: 1-64 chars, upper snake case. */
export const APP_CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

const registry = new Set<string>(ALL_WIRE_CODES);

/** True when `code` belongs to the shared registry (and so is reserved for sockwire itself). */
export function isRegistryWireCode(code: string): code is WireCode {
  return registry.has(code);
}
