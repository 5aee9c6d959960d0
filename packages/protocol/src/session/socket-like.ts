import type { Duplex } from "node:stream";

/**
 * What the session needs from a socket: a `net.Socket` or `tls.TLSSocket` fits. Kept as a
 * structural type so the session never imports `node:net` and tests can hand it any duplex.
 */
export type SocketLike = Duplex & {
  setNoDelay?(noDelay?: boolean): unknown;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
};
