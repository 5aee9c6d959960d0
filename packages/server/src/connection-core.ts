import { ErrorCode, type Hello, Kind, SockwireError, WireCode } from "@sockwire/protocol";
import {
  type CloseInfo,
  type ContractTerms,
  type Deferred,
  deferred,
  differsReport,
  type RequestContext as SessionRequestContext,
  type StreamContext,
} from "@sockwire/protocol/internal";
import { ConnectionHandshake } from "./connection-handshake.js";
import type { CoreOwner } from "./connection-host.js";
import { welcomeFor } from "./handshake.js";
import { newSessionTerms, resumedTerms, resumptionFor, sessionExpired } from "./resume-terms.js";
import { tlsClientOnPlainServer } from "./tls-failure.js";
import type { ConnectionState, DisconnectInfo } from "./types.js";

export type { HandshakePhase } from "./connection-handshake.js";

/**
 * The key under which a `ServerConnection` keeps its {@link ConnectionCore}: `conn[CORE]`. The
 * server's own modules (registry, broadcast) import it from here; the package index never
 * exports it, so applications cannot reach the session behind a connection.
 */
export const CORE = Symbol("sockwire.connectionCore");

const NO_ROOMS: ReadonlySet<string> = new Set<string>();

/**
 * The private half of a `ServerConnection`: it owns the connection's `Session`, is that
 * session's hooks, and runs the server side of the handshake (its base class,
 * {@link ConnectionHandshake}, up to the decision; the open, here). Once open it holds the
 * connection's rooms, hands validated messages to the server, and takes over the link of a new
 * connection that resumes its session ({@link ConnectionCore.adopt}).
 *
 * One object per connection, with its methods on the prototype: hooks as closures, or a separate
 * object for the hooks and one for the handshake, cost bytes on every idle connection, and at
 * 10,000 of them that is megabytes. It creates the session itself, passing itself as the hooks,
 * so nothing here is assigned after construction.
 */
export class ConnectionCore<Conn extends CoreOwner> extends ConnectionHandshake<Conn> {
  /** How the connection ended; set once its session has closed. */
  info: DisconnectInfo | undefined = undefined;
  /** Created on first join: most connections never join a room. */
  private joined: Set<string> | undefined = undefined;
  /** Created when someone waits for the close. */
  private closeWaiter: Deferred<DisconnectInfo> | undefined = undefined;
  /** The digest of the contract the client opened the session with (a resume must match it). */
  clientDigest: string | undefined = undefined;

  /** Where the connection is in its lifecycle, as `conn.state` reports it. */
  get state(): ConnectionState {
    if (this.info) return "closed";
    if (this.phase === "open") {
      const state = this.session.state;
      return state === "open" || state === "detached" ? state : "closing";
    }
    return this.phase === "rejected" || this.phase === "reflected" ? "closing" : "handshake";
  }

  get rooms(): ReadonlySet<string> {
    return this.joined ?? NO_ROOMS;
  }

  /** Adds the connection to `room`. No effect once closed. */
  join(room: string): void {
    if (this.info) return;
    this.host.joinRoom(this.conn, room);
    this.joined ??= new Set();
    this.joined.add(room);
  }

  leave(room: string): void {
    if (!this.joined?.delete(room)) return;
    this.host.leaveRoom(this.conn, room);
  }

  /**
   * Graceful close in any phase: a handshake in progress is refused with `code`, an open
   * connection gets a goaway with `code` and the optional reconnect hint.
   */
  shutdown(code: string, message: string, reconnectAfterMs?: number, timeoutMs?: number): void {
    if (this.undecided) {
      const reason = message || "connection closed during the handshake";
      this.refuse({ code, message }, new SockwireError(ErrorCode.SERVER_CLOSED, reason));
    } else {
      this.session.close(code, message, reconnectAfterMs, timeoutMs);
    }
  }

  /** Resolves with how the connection ended, once it has. */
  whenClosed(): Promise<DisconnectInfo> {
    if (this.info) return Promise.resolve(this.info);
    this.closeWaiter ??= deferred<DisconnectInfo>(true);
    return this.closeWaiter.promise;
  }

  /** Session hook: a validated client event. */
  event(name: string, data: unknown): Promise<void> | undefined {
    return this.host.dispatchEvent(name, data, this.conn);
  }

  /** Session hook: a validated client request; the result (or its promise) is the response. */
  request(name: string, input: unknown, request: SessionRequestContext): unknown {
    return this.host.dispatchRequest(name, input, this.conn, request);
  }

  /** Session hook: a stream the client opened; its handler's items, or undefined for none. */
  stream(
    name: string,
    input: unknown,
    context: StreamContext,
  ): AsyncIterable<unknown> | Iterable<unknown> | undefined {
    return this.host.dispatchStream(name, input, this.conn, context);
  }

  /** Session hook: a problem that does not end the connection. */
  error(error: SockwireError): void {
    this.host.reportError(error, this.conn);
  }

  /** Session hook: the session answers a goaway by closing; `onDisconnect` tells the reason. */
  goaway(): void {}

  /** Session hook: the link is lost and the session waits to be resumed (see adopt()). */
  detached(): void {
    this.host.resumption?.detached(this);
  }

  /** Session hook: the detached session kept more for replay; the server's bounds apply. */
  replayGrew(): void {
    this.host.resumption?.grew(this);
  }

  /** Bytes the session keeps for replay (what it costs while detached). */
  get replayBytes(): number {
    return this.session.resume?.log.bytes ?? 0;
  }

  /** Ends the detached session for good (see `Resumable.expire`). */
  expire(reason: "expired" | "evicted" | "abandoned"): void {
    this.session.destroy(WireCode.SESSION_EXPIRED, sessionExpired(reason));
  }

  /** Session hook, called once: stop every timer, leave the rooms, tell the host. */
  closed(info: CloseInfo): void {
    this.host.resumption?.forget(this);
    const outcome = this.settle();
    const conn = this.conn;
    const mismatch =
      outcome === "open" || conn.encrypted
        ? undefined
        : tlsClientOnPlainServer(info.error, conn, () => this.session.stats().messagesIn);
    this.info = {
      code: mismatch ? WireCode.PROTOCOL_ERROR : info.code,
      message: mismatch ? mismatch.message : info.message,
      initiator: info.initiator,
      graceful: info.graceful,
      error: mismatch ?? info.error,
    };
    if (this.joined) for (const room of this.joined) this.host.leaveRoom(conn, room);
    this.joined = undefined;
    this.host.closed(conn, this.info, outcome);
    this.closeWaiter?.resolve(this.info);
  }

  /** The hello passed every check: a new session, or the resume of a detached one. */
  protected open(hello: Hello, context: unknown, terms: ContractTerms | undefined): void {
    // The handshake may have timed out, or the peer gone, while authenticate was running.
    if (!this.undecided || this.session.state !== "handshake") return;
    if (!this.host.accepting) {
      this.refuseClosing();
      return;
    }
    const resumption = resumptionFor(hello, this.host.resumption);
    const token = hello.resume?.token;
    if (resumption !== undefined && token !== undefined) {
      // Only cores are registered (ConnectionRegistry).
      const previous = resumption.find(token) as ConnectionCore<Conn> | undefined;
      if (previous?.adopt(this, hello, terms, token)) return;
      if (previous !== undefined) resumption.revoke(previous);
      // A detached session whose tokens are revoked can never be resumed: it ends now.
      if (previous?.state === "detached") previous.expire("abandoned");
    }
    const contract = terms && { digest: this.host.local.digest, terms };
    const { welcome, heartbeat } = welcomeFor(hello, this.host.options, contract);
    if (resumption !== undefined)
      welcome.resume = newSessionTerms(resumption.issue(this), this.host.options);
    this.context = context;
    this.sessionId = welcome.sessionId;
    this.clientDigest = hello.contract.digest;
    this.decided("open");
    this.session.sendControl(Kind.WELCOME, welcome);
    // The resolved options carry the replay bounds, one object for every session.
    const resume = resumption && this.host.options;
    // Streams need protocol 1.2 on both sides (PROTOCOL.md 10).
    const streams = hello.protocol.minor >= 2;
    this.session.open(hello.maxFrameBytes, heartbeat, { terms, resume, streams });
    this.host.opened(this.conn);
    // Once per connection: what the client's other contract version disables here.
    if (terms !== undefined && terms.disabled.length > 0) {
      this.host.reportError(differsReport(terms, hello.contract.digest ?? ""), this.conn);
    }
  }

  /**
   * A new connection (`donor`, its hello checked and authenticated) resumes this session: the
   * session takes the donor's socket, answers with the welcome and sends again what the client
   * lacks. False when it cannot be resumed so (it ended, the client's contract changed, or its
   * log cannot serve the count the client received); the donor then opens a new session.
   */
  adopt(
    donor: ConnectionCore<Conn>,
    hello: Hello,
    terms: ContractTerms | undefined,
    token: string,
  ): boolean {
    const session = this.session;
    const resumption = this.host.resumption;
    const received = hello.resume?.received ?? 0;
    if (this.info !== undefined || resumption === undefined) return false;
    if (hello.contract.digest !== this.clientDigest) return false;
    // The old link may look alive still (its loss not yet noticed): the new one wins.
    if (session.state === "open") session.dropLink();
    if (session.state !== "detached" || !session.canResumeFrom(received)) return false;
    const contract = terms && { digest: this.host.local.digest, terms };
    const { welcome, heartbeat } = welcomeFor(hello, this.host.options, contract);
    welcome.sessionId = this.sessionId;
    welcome.resume = resumedTerms(resumption.issue(this, token), this.host.options, session);
    donor.phase = "handed-over";
    donor.clearTimer();
    this.host.handedOver(donor.conn);
    session.takeOver(donor.session, hello.maxFrameBytes, heartbeat);
    this.socket = donor.socket;
    this.conn.relinked(donor.socket);
    session.sendControl(Kind.WELCOME, welcome);
    session.replayFrom(received);
    // The token just presented stays valid until the client sends on this link (it then has the
    // welcome with the new one): a link lost before the welcome arrives does not lose the session.
    session.resume?.onPeerFrame(() => resumption.confirm(this));
    resumption.reattached(this);
    this.host.resumed(this.conn);
    return true;
  }
}
