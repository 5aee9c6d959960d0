import net from "node:net";
import tls from "node:tls";
import {
  ErrorCode,
  encodeControl,
  encodeEnvelope,
  Kind,
  type Reason,
  SockwireError,
} from "@sockwire/protocol";
import { noop } from "@sockwire/protocol/internal";
import type { ResolvedOptions } from "./options.js";

/** The listening socket: plain TCP or TLS. */
export type Listener = net.Server | tls.Server;

/** Node's own default TLS handshake timeout, used when ours is disabled (0). */
const NODE_TLS_HANDSHAKE_TIMEOUT_MS = 120_000;

/**
 * Creates the listening socket. Every accepted socket is half-open capable (the session decides
 * when to send FIN) and has Nagle off; `onSocket` gets it once it is usable (after the TLS
 * handshake for TLS). Listener and TLS failures go to `onError`.
 */
export function createListener(
  options: ResolvedOptions,
  onSocket: (socket: net.Socket) => void,
  onError: (error: SockwireError) => void,
): Listener {
  let server: Listener;
  if (options.tls) {
    server = tls.createServer({
      ...options.tls,
      allowHalfOpen: true,
      noDelay: true,
      // The TLS handshake counts against the same budget as ours: a peer that stalls inside it
      // is as much a slowloris as one that never sends its hello.
      handshakeTimeout: options.handshakeTimeoutMs || NODE_TLS_HANDSHAKE_TIMEOUT_MS,
    });
    server.on("secureConnection", onSocket);
    server.on("tlsClientError", (error: Error, socket: tls.TLSSocket) => {
      // Node leaves the socket open once a listener handles this event; nothing more can come of it.
      socket.destroy();
      onError(
        new SockwireError(ErrorCode.SOCKET_ERROR, `TLS handshake failed: ${error.message}`, {
          cause: error,
          details: { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort },
        }),
      );
    });
  } else {
    server = net.createServer({ allowHalfOpen: true, noDelay: true });
    server.on("connection", onSocket);
  }
  return server;
}

/**
 * Refuses a socket without starting a session (server full, server closing): one reject frame,
 * then FIN. Whatever the peer sends is read and dropped, so closing never turns into an RST that
 * could destroy the reject before the peer reads it. A peer that does not close its side within
 * `lingerMs` is destroyed.
 */
export function refuseSocket(
  socket: net.Socket,
  reason: Reason,
  lingerMs: number,
  onClosed: () => void,
): void {
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  socket.on("error", noop);
  socket.once("close", () => {
    clearTimeout(timer);
    onClosed();
  });
  socket.setNoDelay(true);
  socket.resume();
  socket.end(encodeEnvelope({ kind: Kind.REJECT }, encodeControl(reason)));
}
