import type net from "node:net";
import {
  type AnyContract,
  ErrorCode,
  type Reason,
  SockwireError,
  WireCode,
} from "@sockwire/protocol";
import {
  type LocalContract,
  localContract,
  type SessionOptions,
  type RequestContext as SessionRequestContext,
  type StreamContext,
  type Ticker,
} from "@sockwire/protocol/internal";
import { adapterFailed, type ServerAdapter } from "./adapter.js";
import { ServerConnection } from "./connection.js";
import { CORE } from "./connection-core.js";
import type { CloseOutcome, ConnectionHost } from "./connection-host.js";
import { REJECT_LINGER_MS } from "./handshake.js";
import { refuseSocket } from "./listener.js";
import { Listeners } from "./listeners.js";
import type { ResolvedOptions } from "./options.js";
import { type Resumable, Resumption } from "./resumption.js";
import { Rooms } from "./rooms.js";
import type { Router } from "./router.js";
import { ServerCounters } from "./stats.js";
import type { TlsFailure } from "./tls-failure.js";
import type { DisconnectInfo, ServerState, ServerStats } from "./types.js";

/**
 * Everything the server knows about its sockets: sessions in every phase, open connections,
 * refused sockets still lingering, rooms, counters and the lifecycle hooks. It is also the
 * {@link ConnectionHost} every connection of the server reports to, so the bookkeeping of a
 * connection's whole life (accept, open, close) happens in one place, in one object per server.
 */
export class ConnectionRegistry<C extends AnyContract, Ctx>
  implements ConnectionHost<ServerConnection>
{
  /** Every session not yet closed: handshaking, open and closing. */
  readonly live = new Set<ServerConnection<C, Ctx>>();
  /** Open connections (handshake done), by id. */
  readonly open = new Map<string, ServerConnection<C, Ctx>>();
  readonly rooms = new Rooms<ServerConnection<C, Ctx>>();
  readonly onConnection = new Listeners<[ServerConnection<C, Ctx>]>();
  readonly onDisconnect = new Listeners<[ServerConnection<C, Ctx>, DisconnectInfo]>();
  readonly onSessionResumed = new Listeners<[ServerConnection<C, Ctx>]>();
  readonly onSessionExpired = new Listeners<[ServerConnection<C, Ctx>, DisconnectInfo]>();
  /** Resumable sessions by token, and the detached ones; undefined when resumption is off. */
  readonly resumption: Resumption<Resumable> | undefined;
  readonly onError = new Listeners<[SockwireError, ServerConnection<C, Ctx> | undefined]>();
  /**
   * {@link reportError} as a function value, for the router and broadcasts: made once per server,
   * so no dispatch or broadcast makes a closure to report with.
   */
  readonly report = (error: SockwireError, conn?: ServerConnection): void =>
    this.reportError(error, conn);
  readonly contract: C;
  readonly local: LocalContract;
  readonly options: ResolvedOptions;
  /** One object for every session of the server: none of it is per connection. */
  readonly sessionOptions: SessionOptions;
  readonly idPrefix: string;
  /** Sockets refused without a session (server full, closing), lingering until they close. */
  private readonly refusing = new Set<net.Socket>();
  /** TLS sockets still in their TLS handshake: accepted, but no session yet. */
  private tlsHandshakes = 0;
  private readonly counters = new ServerCounters();
  private readonly router: Router;
  private readonly isAccepting: () => boolean;
  /** Told about membership changes so the cluster knows them too. */
  private readonly adapter: ServerAdapter | undefined;
  private drainedWaiter: (() => void) | undefined;

  /**
   * @param accepting Whether the server takes new connections (false once it is closing); read
   * at each accept and each hello.
   */
  constructor(
    contract: C,
    options: ResolvedOptions,
    ticker: Ticker,
    router: Router,
    accepting: () => boolean,
  ) {
    this.contract = contract;
    this.local = localContract(contract, "server");
    this.options = options;
    this.resumption = options.resumeWindowMs > 0 ? new Resumption(options) : undefined;
    this.router = router;
    this.isAccepting = accepting;
    this.adapter = options.adapter;
    this.idPrefix = options.adapter ? `${options.adapter.instanceId}.` : "";
    this.sessionOptions = {
      side: "server",
      contract,
      codec: options.codec,
      overflow: "close",
      validateOutbound: options.validateOutbound,
      ticker,
      // The resolved options carry every session limit.
      limits: options,
    };
  }

  get accepting(): boolean {
    return this.isAccepting();
  }

  /** Takes an accepted plain socket: a new session, or a refusal when closing or full. */
  accept(socket: net.Socket): void {
    this.counters.accepted++;
    this.start(socket);
  }

  /** A TCP connection arrived on a TLS listener: accepted now, a session once it is secure. */
  tlsStarted(): void {
    this.counters.accepted++;
    this.tlsHandshakes++;
  }

  /** Its TLS handshake completed: a new session, or a refusal when closing or full. */
  tlsSecured(socket: net.Socket): void {
    this.tlsHandshakes--;
    this.start(socket);
  }

  /** Its TLS handshake ended without a session (the socket is destroyed): counted, reported. */
  tlsFailed(failure: TlsFailure): void {
    this.tlsHandshakes--;
    this.counters.closed(failure.code);
    if (failure.error) this.reportError(failure.error);
    this.checkDrained();
  }

  /** Starts a session on a usable socket, or refuses it when closing or full. */
  private start(socket: net.Socket): void {
    const max = this.options.maxConnections;
    if (!this.accepting) {
      this.refuse(socket, { code: WireCode.GOING_AWAY, message: "the server is shutting down" });
    } else if (this.live.size >= max) {
      this.refuse(socket, {
        code: WireCode.SERVER_FULL,
        message: `the server is at its limit of ${max} connections`,
      });
    } else {
      this.live.add(new ServerConnection(socket, this) as ServerConnection<C, Ctx>);
    }
  }

  /** Reports a problem to the `onError` listeners and counts it. */
  reportError(error: SockwireError, conn?: ServerConnection): void {
    this.counters.error(error.code);
    this.onError.emit((e) => this.counters.error(e.code), error, conn && typed(conn));
  }

  /** Runs the handlers of a validated client event; their failures are reported. */
  dispatchEvent(name: string, data: unknown, conn: ServerConnection): Promise<void> | undefined {
    return this.router.dispatchEvent(name, data, conn, this.report);
  }

  /** Runs the handler of a validated client request; returns its result or promise. */
  dispatchRequest(
    name: string,
    input: unknown,
    conn: ServerConnection,
    request: SessionRequestContext,
  ): unknown {
    return this.router.dispatchRequest(name, input, conn, request);
  }

  dispatchStream(
    name: string,
    input: unknown,
    conn: ServerConnection,
    context: StreamContext,
  ): AsyncIterable<unknown> | Iterable<unknown> | undefined {
    return this.router.dispatchStream(name, input, conn, context);
  }

  joinRoom(conn: ServerConnection, room: string): void {
    if (this.rooms.join(room, typed(conn))) {
      this.tell("roomJoined", (a) => a.roomJoined(conn.id, room));
    }
  }

  leaveRoom(conn: ServerConnection, room: string): void {
    if (this.rooms.leave(room, typed(conn))) {
      this.tell("roomLeft", (a) => a.roomLeft(conn.id, room));
    }
  }

  /** A handshake completed: the connection is open, announced, and in `server.connections`. */
  opened(conn: ServerConnection): void {
    this.open.set(conn.id, typed(conn));
    this.counters.opened++;
    this.tell("connectionOpened", (a) => a.connectionOpened(conn.id));
    this.onConnection.emit((e) => this.reportError(e, conn), typed(conn));
  }

  /** `conn`'s handshake resumed another session, which took its socket: forgotten, not counted. */
  handedOver(conn: ServerConnection): void {
    this.live.delete(typed(conn));
    this.checkDrained();
  }

  /** `conn`'s session was resumed on a new connection. */
  resumed(conn: ServerConnection): void {
    this.counters.resumed++;
    this.onSessionResumed.emit((e) => this.reportError(e, conn), typed(conn));
  }

  /** A session ended, in any phase: forgotten, counted, and announced if it had opened. */
  closed(conn: ServerConnection, info: DisconnectInfo, outcome: CloseOutcome): void {
    this.live.delete(typed(conn));
    this.open.delete(conn.id);
    this.counters.closed(info.code, conn.stats());
    if (outcome === "rejected") this.counters.rejected++;
    if (outcome === "reflected") this.counters.reflected++;
    if (outcome === "open") {
      this.tell("connectionClosed", (a) => a.connectionClosed(conn.id));
      if (info.code === WireCode.SESSION_EXPIRED) {
        this.onSessionExpired.emit((e) => this.reportError(e, conn), typed(conn), info);
      }
      this.onDisconnect.emit((e) => this.reportError(e, conn), typed(conn), info);
    } else if (info.error) {
      // A socket that closes quietly before its hello (a TCP health check) is not an error.
      this.reportError(info.error, conn);
    }
    this.checkDrained();
  }

  /** Graceful close of every session: refusal for handshakes, goaway for open connections. */
  /** Graceful close of every session, each to be done within `timeoutMs` (the server's close). */
  shutdownAll(
    code: string,
    message: string,
    reconnectAfterMs: number | undefined,
    timeoutMs?: number,
  ): void {
    for (const conn of [...this.live])
      conn[CORE].shutdown(code, message, reconnectAfterMs, timeoutMs);
  }

  /** Immediate close of every session and lingering refusal. */
  destroyAll(error: SockwireError): void {
    for (const conn of [...this.live]) conn[CORE].session.destroy(WireCode.GOING_AWAY, error);
    for (const socket of [...this.refusing]) socket.destroy();
  }

  /** Resolves once no session, no TLS handshake and no refused socket is left. */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      this.drainedWaiter = resolve;
      this.checkDrained();
    });
  }

  stats(state: ServerState): ServerStats {
    let handshaking = this.tlsHandshakes;
    let closing = this.refusing.size;
    let detached = 0;
    const sessions = [];
    for (const conn of this.live) {
      const connState = conn.state;
      if (connState === "handshake") handshaking++;
      else if (connState === "closing") closing++;
      else if (connState === "detached") detached++;
      sessions.push(conn.stats());
    }
    const live = {
      state,
      connections: this.open.size,
      handshaking,
      closing,
      detached,
      rooms: this.rooms.size,
    };
    return this.counters.snapshot(live, sessions);
  }

  /** Refuses a socket before any session exists: reject frame, FIN, short linger. */
  private refuse(socket: net.Socket, reason: Reason): void {
    this.counters.rejected++;
    this.reportError(
      new SockwireError(ErrorCode.HANDSHAKE_REJECTED, `connection refused: ${reason.code}`, {
        details: {
          reason: reason.code,
          remoteAddress: socket.remoteAddress,
          remotePort: socket.remotePort,
        },
      }),
    );
    // Refused sockets are bounded too: past the cap, drop new ones without the courtesy frame.
    if (this.refusing.size >= this.options.maxConnections) {
      socket.destroy();
      this.counters.closed(reason.code);
      return;
    }
    this.refusing.add(socket);
    refuseSocket(socket, reason, Math.min(this.options.closeTimeoutMs, REJECT_LINGER_MS), () => {
      this.refusing.delete(socket);
      this.counters.closed(reason.code);
      this.checkDrained();
    });
  }

  /** Passes a membership change to the adapter; an adapter that throws is reported, not raised. */
  private tell(operation: string, call: (adapter: ServerAdapter) => void): void {
    if (!this.adapter) return;
    try {
      call(this.adapter);
    } catch (error) {
      this.reportError(adapterFailed(operation, error));
    }
  }

  private checkDrained(): void {
    const idle = this.live.size === 0 && this.refusing.size === 0 && this.tlsHandshakes === 0;
    if (this.drainedWaiter && idle) {
      this.drainedWaiter();
      this.drainedWaiter = undefined;
    }
  }
}

/** Connections are created by this registry, so each one has the registry's contract and context. */
function typed<C extends AnyContract, Ctx>(conn: ServerConnection): ServerConnection<C, Ctx> {
  return conn as ServerConnection<C, Ctx>;
}
