import type { AnyContract, SockwireError } from "@sockwire/protocol";
import type {
  LocalContract,
  SessionOptions,
  RequestContext as SessionRequestContext,
  StreamContext,
} from "@sockwire/protocol/internal";
import type { ResolvedOptions } from "./options.js";
import type { Resumable, Resumption } from "./resumption.js";
import type { DisconnectInfo } from "./types.js";

// The contract between a connection and its server: the registry implements ConnectionHost, and
// each connection's core calls it.

/**
 * How a socket ended, from the server's point of view: it completed the handshake (`open`),
 * we refused it (`rejected`), we described the contract to it (`reflected`), or it went away or
 * failed before finishing the handshake.
 */
export type CloseOutcome = "open" | "rejected" | "reflected" | "abandoned";

/**
 * What a connection needs from its server: one object per server (the registry), whose methods
 * are told which connection is calling. `Conn` is the public connection class, which this
 * module does not import (it sits below connection.ts).
 */
export interface ConnectionHost<Conn> {
  readonly contract: AnyContract;
  /** Our contract as the handshake compares it: its canonical form, digest, and terms cache. */
  readonly local: LocalContract;
  readonly options: ResolvedOptions;
  /** One object for every session of the server: none of it is per connection. */
  readonly sessionOptions: SessionOptions;
  /** Prepended to connection ids: `<instanceId>.` with a scale-out adapter, else empty. */
  readonly idPrefix: string;
  /** False once the server is closing: new hellos are refused with GOING_AWAY. */
  readonly accepting: boolean;
  /** Returns a promise while async handlers of the event are still running. */
  dispatchEvent(name: string, data: unknown, conn: Conn): Promise<void> | undefined;
  dispatchRequest(
    name: string,
    input: unknown,
    conn: Conn,
    request: SessionRequestContext,
  ): unknown;
  /** Runs the handler of a stream the client opened; undefined when it has none. */
  dispatchStream(
    name: string,
    input: unknown,
    conn: Conn,
    context: StreamContext,
  ): AsyncIterable<unknown> | Iterable<unknown> | undefined;
  joinRoom(conn: Conn, room: string): void;
  leaveRoom(conn: Conn, room: string): void;
  opened(conn: Conn): void;
  closed(conn: Conn, info: DisconnectInfo, outcome: CloseOutcome): void;
  /** Resumable sessions by token, and the detached ones; undefined when resumption is off. */
  readonly resumption: Resumption<Resumable> | undefined;
  /** `conn`'s handshake resumed another session, which took its socket: it ends without a trace. */
  handedOver(conn: Conn): void;
  /** `conn`'s session was resumed on a new connection. */
  resumed(conn: Conn): void;
  reportError(error: SockwireError, conn?: Conn): void;
}

/** What the core reads of the public connection it belongs to. */
export interface CoreOwner {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly encrypted: boolean;
  /** The session resumed on a new socket: the peer's address is that socket's. */
  relinked(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): void;
}
