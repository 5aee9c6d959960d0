import net from "node:net";
import tls from "node:tls";
import { encodeControl, encodeEnvelope, Kind, type Reason } from "@sockwire/protocol";
import { noop } from "@sockwire/protocol/internal";
import type { ResolvedOptions } from "./options.js";
import { describeTlsFailure, type TlsFailure } from "./tls-failure.js";

/** The listening socket: plain TCP or TLS. */
export type Listener = net.Server | tls.Server;

/** Node's own default TLS handshake timeout, used when ours is disabled (0). */
const NODE_TLS_HANDSHAKE_TIMEOUT_MS = 120_000;

/** What the listener tells the server about the sockets it accepts. */
export interface ListenerHooks {
  /** A plain TCP connection arrived, ready for a session. */
  accepted(socket: net.Socket): void;
  /** A TCP connection arrived on a TLS listener and its TLS handshake begins. */
  tlsStarted(): void;
  /** That TLS handshake completed: the socket is ready for a session. */
  tlsSecured(socket: tls.TLSSocket): void;
  /** That TLS handshake ended without a session: the peer left, failed or timed out. */
  tlsFailed(failure: TlsFailure): void;
}

/**
 * Creates the listening socket. Every socket handed on for a session is half-open capable (the
 * session decides when to send FIN) and has Nagle off. With TLS, every accepted TCP connection
 * is announced by `tlsStarted` and then ends in exactly one of `tlsSecured` or `tlsFailed`.
 */
export function createListener(options: ResolvedOptions, hooks: ListenerHooks): Listener {
  if (!options.tls) {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true });
    server.on("connection", (socket: net.Socket) => hooks.accepted(socket));
    return server;
  }
  const server = tls.createServer({
    ...options.tls,
    // Not half-open during the TLS handshake: a peer that ends its side then (a TCP health
    // check, a client that refuses our certificate) is closed at once by the TLS layer, instead
    // of lingering until the handshake timeout with nobody listening for its FIN.
    allowHalfOpen: false,
    noDelay: true,
    // The TLS handshake counts against the same budget as ours: a peer that stalls inside it
    // is as much a slowloris as one that never sends its hello.
    handshakeTimeout: options.handshakeTimeoutMs || NODE_TLS_HANDSHAKE_TIMEOUT_MS,
  });
  // Registered after the TLS server's own connection listener, which wraps the socket.
  server.on("connection", () => hooks.tlsStarted());
  server.on("secureConnection", (socket: tls.TLSSocket) => {
    // From here on the session owns the close and sends its FIN after the peer's. Node reads
    // this flag when the peer's FIN arrives, so switching it now is enough (the TLS socket took
    // its initial value from the TCP socket).
    socket.allowHalfOpen = true;
    hooks.tlsSecured(socket);
  });
  server.on("tlsClientError", (error: Error, socket: tls.TLSSocket) => {
    // Node leaves the socket open once a listener handles this event; nothing more can come of it.
    const failure = describeTlsFailure(error, socket);
    socket.destroy();
    hooks.tlsFailed(failure);
  });
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
