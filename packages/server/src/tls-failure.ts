import type tls from "node:tls";
import { ErrorCode, SockwireError, WireCode } from "@sockwire/protocol";
import {
  isPlainPeerTlsError,
  isTlsRecordFrameError,
  tlsMismatch,
} from "@sockwire/protocol/internal";

/** How a TLS handshake that produced no session is counted and reported. */
export interface TlsFailure {
  /** The close reason it is counted under in `stats().closesByReason`. */
  code: WireCode;
  /** What `onError` receives; `undefined` for a peer that simply left. */
  error: SockwireError | undefined;
}

/** Where a failing socket came from, for the error's `details`. */
interface Peer {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}

/**
 * Reads a `tlsClientError` of the TLS listener:
 *
 * - a peer that ends its side during the TLS handshake without a TLS error of its own is an
 *   early close, not an error, like a plain socket that closes before its hello: TCP health
 *   checks do that, and so does Node's TLS client when it refuses the server's certificate (it
 *   checks the certificate after the handshake and sends no alert). Node reports such a close as
 *   an `ECONNRESET` "socket hang up"; the peer's FIN tells it apart from a real reset;
 * - a peer that sent plain bytes is `ERR_TLS_MISMATCH` (`details.expected: "plain"`);
 * - anything else is `ERR_SOCKET` with a one-line message (OpenSSL's own text spans lines).
 */
export function describeTlsFailure(error: Error, socket: tls.TLSSocket): TlsFailure {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ECONNRESET" && socket.readableEnded) {
    return { code: WireCode.NORMAL, error: undefined };
  }
  const details = peerDetails(socket);
  if (isPlainPeerTlsError(error)) {
    return {
      code: WireCode.PROTOCOL_ERROR,
      error: tlsMismatch(
        "plain",
        "a client sent plain bytes to this TLS server; it seems to connect without TLS",
        error,
        details,
      ),
    };
  }
  // Node checks a client certificate once the handshake is done and destroys the socket when
  // it is refused: the "socket hang up" that follows says less than the verification error.
  const refused = socket.authorizationError as unknown;
  const what = refused
    ? `the client certificate was refused (${String(refused)})`
    : oneLine(error, code);
  return {
    code: code === "ERR_TLS_HANDSHAKE_TIMEOUT" ? WireCode.HANDSHAKE_TIMEOUT : WireCode.SOCKET_ERROR,
    error: new SockwireError(ErrorCode.SOCKET_ERROR, `TLS handshake failed: ${what}`, {
      cause: error,
      details: refused ? { ...details, authorizationError: String(refused) } : details,
    }),
  };
}

/**
 * On a plain listener: what to report for a connection that closed with `error` before its
 * handshake completed, when its first bytes were a TLS record (a TLS client), else `undefined`.
 *
 * The session has already answered those bytes with its usual error frame and closed, and that
 * is kept on purpose: the frame is not TLS, so the client's TLS layer fails at once with "wrong
 * version number" (which a sockwire client reports as `ERR_TLS_MISMATCH`), where a silent close
 * would only tell it that the connection dropped during its TLS handshake.
 */
export function tlsClientOnPlainServer(
  error: SockwireError | undefined,
  peer: Peer,
  framesReceived: () => number,
): SockwireError | undefined {
  // Only the first bytes of a connection can be a ClientHello.
  if (!isTlsRecordFrameError(error) || framesReceived() > 0) return undefined;
  return tlsMismatch(
    "tls",
    "a client opened a TLS handshake, but this server does not speak TLS (no tls option)",
    error,
    peerDetails(peer),
  );
}

function peerDetails(peer: Peer): Record<string, unknown> {
  return { remoteAddress: peer.remoteAddress, remotePort: peer.remotePort };
}

/** OpenSSL's reason ("wrong version number") or the message's first line, then the code. */
function oneLine(error: Error, code: string | undefined): string {
  const reason = (error as { reason?: unknown }).reason;
  const text =
    typeof reason === "string" && reason !== "" ? reason : (error.message.split("\n")[0] ?? "");
  return code ? `${text.trim()} (${code})` : text.trim();
}
