/**
 * Local error codes: the `code` of every {@link SockwireError} thrown or reported by a sockwire
 * package. Codes are stable: once published, a code is never renamed or reused; new failures get
 * new codes. Every code here has a row in the protocol package README's errors table (a test
 * enforces it).
 */
export const ErrorCode = {
  /** An option or argument is out of range or of the wrong type. Thrown synchronously. */
  INVALID_ARGUMENT: "ERR_INVALID_ARGUMENT",
  /** A frame's declared length exceeds the receive limit (fatal to the connection). */
  FRAME_TOO_LARGE: "ERR_FRAME_TOO_LARGE",
  /** A frame body is too short for its header or its header fields are inconsistent. */
  FRAME_MALFORMED: "ERR_FRAME_MALFORMED",
  /** The stream ended in the middle of a frame. */
  FRAME_TRUNCATED: "ERR_FRAME_TRUNCATED",
  /** A partial frame did not complete within the frame read deadline. */
  FRAME_TIMEOUT: "ERR_FRAME_TIMEOUT",
  /** A frame carries a kind this protocol version does not know and may not ignore. */
  UNKNOWN_KIND: "ERR_UNKNOWN_KIND",
  /** A frame sets a required flag bit this implementation does not know. */
  UNKNOWN_FLAGS: "ERR_UNKNOWN_FLAGS",
  /** A frame arrived that is not allowed in the connection's current state. */
  UNEXPECTED_FRAME: "ERR_UNEXPECTED_FRAME",
  /** A payload is not valid for its codec (bad UTF-8, bad JSON, poisoned keys). */
  PAYLOAD_INVALID: "ERR_PAYLOAD_INVALID",
  /** A payload nests objects or arrays deeper than the codec's depth limit. */
  PAYLOAD_TOO_DEEP: "ERR_PAYLOAD_TOO_DEEP",
  /** A payload decoded fine but does not match the contract's schema. */
  VALIDATION_FAILED: "ERR_VALIDATION_FAILED",
  /** A message names an event or request the contract does not declare. */
  UNKNOWN_MESSAGE_TYPE: "ERR_UNKNOWN_MESSAGE_TYPE",
  /** The peer speaks a protocol major version this side does not support. */
  UNSUPPORTED_VERSION: "ERR_UNSUPPORTED_VERSION",
  /** The peer's contract name or fingerprint differs from ours. */
  CONTRACT_MISMATCH: "ERR_CONTRACT_MISMATCH",
  /** The peer's codec is not available on this side. */
  UNSUPPORTED_CODEC: "ERR_UNSUPPORTED_CODEC",
  /** The server refused the handshake; `remoteCode` holds its reason. */
  HANDSHAKE_REJECTED: "ERR_HANDSHAKE_REJECTED",
  /** The handshake did not complete in time. */
  HANDSHAKE_TIMEOUT: "ERR_HANDSHAKE_TIMEOUT",
  /** The TCP or TLS connection could not be established. */
  CONNECT_FAILED: "ERR_CONNECT_FAILED",
  /** Connecting (TCP, TLS and handshake) took longer than the connect timeout. */
  CONNECT_TIMEOUT: "ERR_CONNECT_TIMEOUT",
  /** A message is larger than the receive limit the peer announced; nothing was sent. */
  PEER_FRAME_LIMIT: "ERR_PEER_FRAME_LIMIT",
  /** The connection is not open (never opened, closing or closed). */
  NOT_CONNECTED: "ERR_NOT_CONNECTED",
  /** The connection was closed by `close()`/`destroy()` on this side. */
  CONNECTION_CLOSED: "ERR_CONNECTION_CLOSED",
  /** The connection was lost while the operation was in flight; `cause` says why. */
  CONNECTION_LOST: "ERR_CONNECTION_LOST",
  /** The outbound queue is over its hard cap. */
  OUTBOUND_BUFFER_FULL: "ERR_OUTBOUND_BUFFER_FULL",
  /** A queued message expired before it could be sent. */
  MESSAGE_EXPIRED: "ERR_MESSAGE_EXPIRED",
  /** A request got no response within its timeout. */
  REQUEST_TIMEOUT: "ERR_REQUEST_TIMEOUT",
  /** A request was cancelled through its AbortSignal. */
  REQUEST_CANCELLED: "ERR_REQUEST_CANCELLED",
  /** The peer answered a request with an error; `remoteCode` holds the wire code. */
  REMOTE_ERROR: "ERR_REMOTE",
  /** No handler is registered for a message the contract declares. */
  HANDLER_NOT_FOUND: "ERR_HANDLER_NOT_FOUND",
  /** A local event or request handler threw or rejected (reported to the error hook). */
  HANDLER_FAILED: "ERR_HANDLER_FAILED",
  /** The server is closing or closed. */
  SERVER_CLOSED: "ERR_SERVER_CLOSED",
  /** The socket failed (reset, write after end, TLS failure); `cause` is the system error. */
  SOCKET_ERROR: "ERR_SOCKET",
  /** An event stream's bounded buffer overflowed because its consumer fell behind; the stream ended. */
  EVENT_BUFFER_FULL: "ERR_EVENT_BUFFER_FULL",
  /**
   * A scale-out adapter's backend (for example Redis) failed or is unreachable: a cluster-wide
   * publish was dropped, membership could not be written, a cluster query failed, or a cluster
   * message was malformed. Local delivery is not affected. `details.operation` says what failed.
   */
  ADAPTER: "ERR_ADAPTER",
  /**
   * One end speaks TLS and the other does not: a plain client reached a TLS server, a TLS client
   * reached a plain server, or a server saw such a client. `details.expected` is what the other
   * end appears to speak (`"tls"` or `"plain"`); `cause` is the TLS or framing error it was read
   * from, when there is one.
   */
  TLS_MISMATCH: "ERR_TLS_MISMATCH",
  /**
   * The message cannot be used on this connection: the peer was built from another version of
   * the contract, and does not have the message or could not read what this side may send (or,
   * for a request, this side could not read its answer). Nothing was sent. `details.message` is
   * the message key (`server.events.news`), `details.status` and `details.reasons` say why.
   */
  MESSAGE_DISABLED: "ERR_MESSAGE_DISABLED",
  /**
   * Reported once per connection (to the error hook, and the client's status) when the peer's
   * contract differs and some messages are disabled on that connection: `details.disabled` lists
   * them, each with its status and first reason. The connection itself works.
   */
  CONTRACT_DIFFERS: "ERR_CONTRACT_DIFFERS",
  /**
   * `delivered()` on a session without acknowledgements: resumption is off on this side or the
   * peer's (PROTOCOL.md 8.6).
   */
  NOT_RESUMABLE: "ERR_NOT_RESUMABLE",
  /**
   * A detached session ended without being resumed: its resume window passed, what it sent
   * while detached passed the replay limits, or it was evicted to make room (`details.reason`:
   * `expired`, `overflow`, `evicted`). What it had sent and the peer had not acknowledged is lost.
   */
  SESSION_EXPIRED: "ERR_SESSION_EXPIRED",
  /**
   * A stream's peer sent more items than it was granted (PROTOCOL.md 8.7): the stream ends, the
   * extra items are dropped, the connection goes on.
   */
  CREDIT_EXCEEDED: "ERR_CREDIT_EXCEEDED",
  /**
   * A stream cannot be opened on this connection: the peer speaks a protocol version before 1.2,
   * which has no streams (PROTOCOL.md 8.7, 10). Events and requests work as before.
   */
  STREAMS_UNSUPPORTED: "ERR_STREAMS_UNSUPPORTED",
  /**
   * The server does not describe its contract (reflection is off, the default): a client that
   * asked for it (`describeServer`, `sockwire describe`) was refused with the wire code
   * `REFLECTION_DISABLED`. Give the client the contract itself instead.
   */
  REFLECTION_DISABLED: "ERR_REFLECTION_DISABLED",
} as const;

/** Union of every local error code. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Every local error code, in declaration order. */
export const ALL_ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.values(ErrorCode));
