import type tls from "node:tls";
import { ErrorCode, SockwireError, WireCode } from "@sockwire/protocol";

/** How a TLS handshake that produced no session is counted and reported. */
export interface TlsFailure {
  /** The close reason it is counted under in `stats().closesByReason`. */
  code: WireCode;
  /** What `onError` receives; `undefined` for a peer that simply left. */
  error: SockwireError | undefined;
}

/**
 * Reads a `tlsClientError`. A peer that ends its side during the TLS handshake without a TLS
 * error of its own is an early close, not an error, exactly like a plain socket that closes
 * before its hello: TCP health checks do that, and so does Node's own TLS client when it refuses
 * the server's certificate (it checks the certificate after the handshake and sends no alert).
 * Node reports such a close as an `ECONNRESET` "socket hang up"; the peer's FIN is what tells it
 * apart from a real reset, which is reported.
 */
export function describeTlsFailure(error: Error, socket: tls.TLSSocket): TlsFailure {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ECONNRESET" && socket.readableEnded) {
    return { code: WireCode.NORMAL, error: undefined };
  }
  const details = { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort };
  return {
    code: code === "ERR_TLS_HANDSHAKE_TIMEOUT" ? WireCode.HANDSHAKE_TIMEOUT : WireCode.SOCKET_ERROR,
    error: new SockwireError(ErrorCode.SOCKET_ERROR, `TLS handshake failed: ${error.message}`, {
      cause: error,
      details,
    }),
  };
}
