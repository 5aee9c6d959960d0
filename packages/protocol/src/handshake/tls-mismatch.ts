import { ErrorCode } from "../errors/codes.js";
import { isSockwireError, SockwireError } from "../errors/sockwire-error.js";

/**
 * Recognising a peer on the other side of a TLS/plain mismatch, from what each end sees first.
 *
 * A TLS connection opens with a TLS record: a ClientHello from the client, or an alert.
 *
 * ```
 *   byte 0             byte 1   byte 2                bytes 3-4
 *  ┌──────────────────┬────────┬─────────────────────┬──────────────┐
 *  │ 0x16 handshake   │  0x03  │ 0x00-0x04           │ record       │
 *  │ 0x15 alert       │        │ (SSL 3.0 - TLS 1.3) │ length       │
 *  └──────────────────┴────────┴─────────────────────┴──────────────┘
 * ```
 *
 * A sockwire frame opens with its 32-bit big-endian length. Read as one, the first four bytes of
 * a TLS record are a length of at least 0x15030000 (336 MiB), above the largest receive limit
 * (64 MiB): a plain sockwire peer always refuses them as `ERR_FRAME_TOO_LARGE` and that error's
 * `details.length` holds them. The other way round, a TLS stack fed sockwire frames fails with
 * "wrong version number" (bytes 1 and 2 of a frame length are a record version only for frames
 * of 192 KiB and more, never for a handshake frame).
 *
 * Internal: used by the server and the client.
 */

/** What the other end appears to speak: `details.expected` of `ERR_TLS_MISMATCH`. */
export type TlsExpectation = "tls" | "plain";

const TLS_HANDSHAKE = 0x16;
const TLS_ALERT = 0x15;
const TLS_MAJOR = 0x03;
const TLS_MAX_MINOR = 0x04;

/**
 * True when a 32-bit frame length is really the start of a TLS record header.
 *
 * @example
 * ```ts
 * isTlsRecordLength(0x160301f4); // true: a ClientHello record, TLS 1.0 record version
 * isTlsRecordLength(0x00000120); // false: a 288-byte sockwire frame
 * ```
 */
export function isTlsRecordLength(length: number): boolean {
  const type = length >>> 24;
  const major = (length >>> 16) & 0xff;
  const minor = (length >>> 8) & 0xff;
  return (
    (type === TLS_HANDSHAKE || type === TLS_ALERT) && major === TLS_MAJOR && minor <= TLS_MAX_MINOR
  );
}

/**
 * True when `error` is the frame decoder refusing a first "frame" that is a TLS record: the peer
 * speaks TLS where sockwire frames were expected. Only meaningful for the first frame of a
 * connection.
 *
 * @example
 * ```ts
 * if (!opened && isTlsRecordFrameError(closeInfo.error)) report(tlsMismatch("tls", "…"));
 * ```
 */
export function isTlsRecordFrameError(error: unknown): boolean {
  if (!isSockwireError(error) || error.code !== ErrorCode.FRAME_TOO_LARGE) return false;
  const { length } = error.details ?? {};
  return typeof length === "number" && isTlsRecordLength(length);
}

/**
 * OpenSSL errors (Node's `error.code`) that mean the peer's bytes are not TLS records at all,
 * rather than a TLS peer that failed the handshake.
 */
const PLAIN_PEER_TLS_CODES = new Set([
  // The first record's version bytes are not 0x03 0x0n: the usual sign of a plain peer.
  "ERR_SSL_WRONG_VERSION_NUMBER",
  // Bytes that read as a record header with an impossible length.
  "ERR_SSL_PACKET_LENGTH_TOO_LONG",
  // A plain HTTP request or proxy CONNECT sent to a TLS port (server side).
  "ERR_SSL_HTTP_REQUEST",
  "ERR_SSL_HTTPS_PROXY_REQUEST",
  // What older OpenSSL releases call the same failure.
  "ERR_SSL_UNKNOWN_PROTOCOL",
]);

/**
 * True when a TLS socket's error says the peer does not speak TLS (it sent plain bytes), as
 * opposed to a TLS failure between two TLS peers (certificate, protocol version, cipher).
 *
 * @example
 * ```ts
 * socket.on("error", (e) => { if (isPlainPeerTlsError(e)) report(tlsMismatch("plain", "…", e)); });
 * ```
 */
export function isPlainPeerTlsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && PLAIN_PEER_TLS_CODES.has(code);
}

/**
 * Builds `ERR_TLS_MISMATCH`. `expected` is what the other end appears to speak; `cause` the TLS
 * or framing error the mismatch was read from.
 *
 * @example
 * ```ts
 * tlsMismatch("tls", "the server seems to expect TLS; set the tls option");
 * ```
 */
export function tlsMismatch(
  expected: TlsExpectation,
  message: string,
  cause?: unknown,
  details: Record<string, unknown> = {},
): SockwireError {
  return new SockwireError(ErrorCode.TLS_MISMATCH, message, {
    ...(cause === undefined ? {} : { cause }),
    details: { expected, ...details },
  });
}
