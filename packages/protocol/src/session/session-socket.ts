import type { InboundReader } from "./inbound-reader.js";
import type { SessionCloser } from "./session-closer.js";
import type { SocketLike } from "./socket-like.js";

/** What the socket's events go to: the reader (data, FIN) and the closer (error, close). */
export interface SocketOwner {
  readonly reader: InboundReader;
  readonly closer: SessionCloser;
}

/** Where a socket keeps its owner, for the listeners every socket shares. */
const OWNER = Symbol("sockwire.session");
type OwnedSocket = SocketLike & { [OWNER]?: SocketOwner | undefined };

// One set of listener functions serves every socket (each finds its owner through a symbol
// property): four closures per connection cost about 270 bytes of heap on an idle server.
const listeners = {
  data(this: OwnedSocket, chunk: Buffer): void {
    this[OWNER]?.reader.received(chunk);
  },
  end(this: OwnedSocket): void {
    this[OWNER]?.reader.peerEnded();
  },
  error(this: OwnedSocket, error: Error): void {
    this[OWNER]?.closer.socketError(error);
  },
  close(this: OwnedSocket): void {
    this[OWNER]?.closer.socketClosed();
  },
};

/**
 * Routes `socket`'s events to `owner`: received chunks and the peer's FIN to its reader, socket
 * errors and the final close to its closer.
 *
 * @example
 * ```ts
 * listenTo(socket, session);
 * ```
 */
export function listenTo(socket: SocketLike, owner: SocketOwner): void {
  (socket as OwnedSocket)[OWNER] = owner;
  socket.on("data", listeners.data);
  socket.on("end", listeners.end);
  socket.on("error", listeners.error);
  socket.on("close", listeners.close);
}

/**
 * Hands `socket`'s events to another owner, or to none: a resumed session takes over the link a
 * new connection's handshake was read on (the listeners stay; only the owner they find changes),
 * and a lost link is let go of so that its late events reach nobody.
 *
 * @example
 * ```ts
 * retarget(socket, resumedSession);
 * ```
 */
export function retarget(socket: SocketLike, owner: SocketOwner | undefined): void {
  (socket as OwnedSocket)[OWNER] = owner;
}
