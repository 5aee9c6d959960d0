/** Protocol major version. Peers with different majors refuse each other in the handshake. */
export const PROTOCOL_MAJOR = 1;
/** Protocol minor version. A newer minor only adds things an older peer may ignore. */
export const PROTOCOL_MINOR = 2;

/** Bytes in the frame length prefix (unsigned 32-bit big-endian). */
export const FRAME_PREFIX_BYTES = 4;
/** Bytes in the fixed part of the envelope header: kind, flags, request id, type length. */
export const ENVELOPE_FIXED_BYTES = 7;
/** Bytes of the optional request deadline field. */
export const DEADLINE_FIELD_BYTES = 4;
/** Longest message type name, in bytes. */
export const MAX_TYPE_NAME_BYTES = 255;

/** Default receive limit for one frame body: 1 MiB (NATS max_payload is 1 MB, gRPC uses 4 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** Highest receive limit a peer may announce: 64 MiB. */
export const MAX_FRAME_BYTES_LIMIT = 64 * 1024 * 1024;
/** Lowest receive limit a peer may announce: enough for any handshake frame. */
export const MIN_FRAME_BYTES_LIMIT = 1024;
/** Default cap on chunks held for one partial frame before they are merged into one buffer. */
export const DEFAULT_MAX_RETAINED_CHUNKS = 1024;
/** Default JSON nesting limit: deep nesting crashes recursive stringify and schema walkers. */
export const DEFAULT_MAX_DEPTH = 64;
/** Largest request id; ids are unsigned 32-bit and 0 means "no request". */
export const MAX_REQUEST_ID = 0xffff_ffff;
/** Longest request deadline the u32 field can carry, in ms (about 49.7 days). */
export const MAX_DEADLINE_MS = 0xffff_ffff;

/** The longest delay a Node.js timer holds (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;
