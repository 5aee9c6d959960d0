import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import {
  type Envelope,
  ErrorCode,
  type Hello,
  Kind,
  kindName,
  type Reason,
  SockwireError,
  WireCode,
} from "@sockwire/protocol";
import {
  type CloseInfo,
  type ContractTerms,
  contractForms,
  contractOffer,
  type Deferred,
  deferred,
  differsReport,
  handlerFailed,
  isThenable,
  reflectionFrame,
  Session,
  type SessionHooks,
  type RequestContext as SessionRequestContext,
} from "@sockwire/protocol/internal";
import type { CloseOutcome, ConnectionHost, CoreOwner } from "./connection-host.js";
import { exchangeRefusal, frameOrRefusal } from "./contract-exchange.js";
import {
  authenticateInfo,
  checkHello,
  REJECT_LINGER_MS,
  refusalFromAuth,
  welcomeFor,
} from "./handshake.js";
import { tlsClientOnPlainServer } from "./tls-failure.js";
import type { ConnectionState, DisconnectInfo } from "./types.js";

/**
 * The key under which a `ServerConnection` keeps its {@link ConnectionCore}: `conn[CORE]`. The
 * server's own modules (registry, broadcast) import it from here; the package index never
 * exports it, so applications cannot reach the session behind a connection.
 */
export const CORE = Symbol("sockwire.connectionCore");

/**
 * Where the handshake is. `hello`, `contract` and `auth` are undecided; `open`, `rejected` and
 * `reflected` are final.
 *
 * ```
 *  hello ──valid hello, our contract──────────────────► auth ──authenticate returns──► open
 *    │  ├─valid hello, another version of our contract:   ▲ │    (welcome sent, session.open())
 *    │  │ our form sent ──► contract ──client's form──────┘ │
 *    │  └─hello asking for our contract (reflection on)───► auth ──returns──► reflected
 *    │                         │                           │  (contract frame, FIN, linger)
 *    └──bad hello / bad or missing form / timeout / server closing / auth throws──► rejected
 *                                                 (reject frame, FIN, destroyed after a linger)
 * ```
 *
 * Without an `authenticate` option, `auth` lasts no time at all.
 */
export type HandshakePhase = "hello" | "contract" | "auth" | "open" | "rejected" | "reflected";

const NO_ROOMS: ReadonlySet<string> = new Set<string>();

/**
 * The private half of a `ServerConnection`: it owns the connection's `Session`, is that
 * session's hooks, and runs the server side of the handshake. Until `open`, the session passes
 * only handshake frames here and never reaches application handlers; any other frame fails the
 * session as a protocol error.
 *
 * One object per connection, with its methods on the prototype: hooks as closures, or a separate
 * object for the hooks and one for the handshake, cost bytes on every idle connection, and at
 * 10,000 of them that is megabytes. It creates the session itself, passing itself as the hooks,
 * so nothing here is assigned after construction.
 */
export class ConnectionCore<Conn extends CoreOwner> implements SessionHooks {
  readonly session: Session;
  /** Where the handshake is; only this class moves it. */
  phase: HandshakePhase = "hello";
  /** What `authenticate` returned (`undefined` without the hook); set when the handshake opens. */
  context: unknown = undefined;
  /** The session id sent in the welcome; empty before. */
  sessionId = "";
  /** The `agent` string of the hello, if it had one. */
  agent: string | undefined = undefined;
  /** How the connection ended; set once its session has closed. */
  info: DisconnectInfo | undefined = undefined;
  private readonly conn: Conn;
  private readonly host: ConnectionHost<Conn>;
  private readonly socket: Socket | TLSSocket;
  /** Created on first join: most connections never join a room. */
  private joined: Set<string> | undefined = undefined;
  /** The handshake deadline while undecided, then the linger of a refused socket. */
  private timer: NodeJS.Timeout | undefined = undefined;
  /** Aborts a running `authenticate` when the handshake ends without it. */
  private abort: AbortController | undefined = undefined;
  /** Created when someone waits for the close. */
  private closeWaiter: Deferred<DisconnectInfo> | undefined = undefined;
  /** The checked hello, kept while the client's contract form is awaited. */
  private checked: { hello: Hello; credentials: unknown } | undefined = undefined;

  constructor(socket: Socket | TLSSocket, host: ConnectionHost<Conn>, conn: Conn) {
    this.conn = conn;
    this.host = host;
    this.socket = socket;
    this.session = new Session(host.sessionOptions, socket, this);
    const ms = host.options.handshakeTimeoutMs;
    if (ms > 0) this.timer = setTimeout(() => this.timedOut(ms), ms);
  }

  /** Where the connection is in its lifecycle, as `conn.state` reports it. */
  get state(): ConnectionState {
    if (this.info) return "closed";
    if (this.phase === "open") return this.session.state === "open" ? "open" : "closing";
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
  shutdown(code: string, message: string, reconnectAfterMs?: number): void {
    if (this.undecided) {
      const reason = message || "connection closed during the handshake";
      this.refuse({ code, message }, new SockwireError(ErrorCode.SERVER_CLOSED, reason));
    } else {
      this.session.close(code, message, reconnectAfterMs);
    }
  }

  /** Resolves with how the connection ended, once it has. */
  whenClosed(): Promise<DisconnectInfo> {
    if (this.info) return Promise.resolve(this.info);
    this.closeWaiter ??= deferred<DisconnectInfo>(true);
    return this.closeWaiter.promise;
  }

  /** Session hook: a frame before `open()` (the hello, or a stray welcome or reject). */
  handshake(envelope: Envelope): void {
    if (this.phase === "hello") {
      this.hello(envelope);
    } else if (this.phase === "contract") {
      this.contractAnswered(envelope);
    } else if (this.phase === "auth") {
      const what = `unexpected ${kindName(envelope.kind)} frame while the hello is being authenticated`;
      this.refuseAs(WireCode.PROTOCOL_ERROR, ErrorCode.UNEXPECTED_FRAME, what);
    }
    // Once refused, the rest of the input is discarded; once open, the session stops calling.
  }

  /** Session hook: a validated client event. */
  event(name: string, data: unknown): Promise<void> | undefined {
    return this.host.dispatchEvent(name, data, this.conn);
  }

  /** Session hook: a validated client request; the result (or its promise) is the response. */
  request(name: string, input: unknown, request: SessionRequestContext): unknown {
    return this.host.dispatchRequest(name, input, this.conn, request);
  }

  /** Session hook: a problem that does not end the connection. */
  error(error: SockwireError): void {
    this.host.reportError(error, this.conn);
  }

  /** Session hook: the session answers a goaway by closing; `onDisconnect` tells the reason. */
  goaway(): void {}

  /** Session hook, called once: stop every timer, leave the rooms, tell the host. */
  closed(info: CloseInfo): void {
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

  private get undecided(): boolean {
    return this.phase === "hello" || this.phase === "contract" || this.phase === "auth";
  }

  /** Checks the hello, then authenticates it (or opens at once without `authenticate`). */
  private hello(envelope: Envelope): void {
    const check = checkHello(envelope, this.host.local, this.host.options);
    if (!check.ok) {
      this.refuse(check.reason, check.error);
      return;
    }
    if (!this.host.accepting) {
      this.refuseClosing();
      return;
    }
    const { hello, credentials } = check;
    this.agent = hello.agent;
    if (check.contract === "reflect") {
      this.authenticate(hello, credentials, undefined, true);
      return;
    }
    if (check.contract === "differs") {
      // Another version of our contract: the message digests and forms are exchanged first.
      const { local, options } = this.host;
      const offer = frameOrRefusal(() =>
        contractOffer(local, options.maxFrameBytes, hello.maxFrameBytes),
      );
      if (!Buffer.isBuffer(offer)) {
        this.refuse(offer.reason, offer.error);
        return;
      }
      this.phase = "contract";
      this.checked = { hello, credentials };
      this.session.sendHandshakeFrame(offer);
      return;
    }
    this.authenticate(hello, credentials);
  }

  /** The client's answer to our offer: the terms follow, and we send our forms of what differs. */
  private contractAnswered(envelope: Envelope): void {
    const checked = this.checked as { hello: Hello; credentials: unknown };
    this.checked = undefined;
    let forms: { frame: Buffer; terms: ContractTerms };
    try {
      forms = contractForms(this.host.local, envelope, checked.hello.maxFrameBytes);
    } catch (error) {
      const refusal = exchangeRefusal(error);
      this.refuse(refusal.reason, refusal.error);
      return;
    }
    this.session.sendHandshakeFrame(forms.frame);
    this.authenticate(checked.hello, checked.credentials, forms.terms);
  }

  /**
   * Runs `authenticate` (or goes on at once without it). `terms`, when the client's contract
   * differs from ours, say what stays usable on the connection; `reflect`, that the hello asked
   * for our contract.
   */
  private authenticate(
    hello: Hello,
    credentials: unknown,
    terms?: ContractTerms,
    reflect = false,
  ): void {
    this.phase = "auth";
    const authenticate = this.host.options.authenticate;
    if (!authenticate) {
      this.accepted(hello, undefined, terms, reflect);
      return;
    }
    this.abort = new AbortController();
    let result: unknown;
    try {
      result = authenticate(credentials, authenticateInfo(this.socket, hello, this.abort.signal));
    } catch (error) {
      this.authFailed(error);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (context) => this.accepted(hello, context, terms, reflect),
        (error: unknown) => this.authFailed(error),
      );
    } else this.accepted(hello, result, terms, reflect);
  }

  /** The hello passed every check: open the connection, or describe our contract if it asked. */
  private accepted(
    hello: Hello,
    context: unknown,
    terms: ContractTerms | undefined,
    reflect: boolean,
  ): void {
    // The handshake may have timed out, or the peer gone, while authenticate was running.
    if (!this.undecided || this.session.state !== "handshake") return;
    if (!this.host.accepting) this.refuseClosing();
    else if (reflect) this.describe(hello);
    else this.open(hello, context, terms);
  }

  /**
   * Answers a hello that asked for our contract: one contract frame with our whole form, then
   * the close of a refusal (FIN, destroyed after a linger). The connection never opens.
   */
  private describe(hello: Hello): void {
    const answer = frameOrRefusal(() => reflectionFrame(this.host.local, hello.maxFrameBytes));
    if (!Buffer.isBuffer(answer)) {
      this.refuse(answer.reason, answer.error);
      return;
    }
    this.phase = "reflected";
    this.clearTimer();
    this.abort = undefined;
    this.session.closeAfter(answer, WireCode.NORMAL, "contract described");
    this.linger(WireCode.NORMAL);
  }

  private open(hello: Hello, context: unknown, terms: ContractTerms | undefined): void {
    const contract = terms && { digest: this.host.local.digest, terms };
    const { welcome, heartbeat } = welcomeFor(hello, this.host.options, contract);
    this.context = context;
    this.sessionId = welcome.sessionId;
    this.phase = "open";
    this.clearTimer();
    this.abort = undefined;
    this.session.sendControl(Kind.WELCOME, welcome);
    this.session.open(hello.maxFrameBytes, heartbeat, terms);
    this.host.opened(this.conn);
    // Once per connection: what the client's other contract version disables here.
    if (terms !== undefined && terms.disabled.length > 0) {
      this.host.reportError(differsReport(terms, hello.contract.digest ?? ""), this.conn);
    }
  }

  /** Sends a reject with `reason`, half-closes, and destroys the socket if it lingers. */
  private refuse(reason: Reason, error: SockwireError): void {
    if (!this.undecided) return;
    this.phase = "rejected";
    this.clearTimer();
    this.abort?.abort(error);
    this.session.closeWith(Kind.REJECT, reason, error);
    this.linger(reason.code, error);
  }

  /** After our last frame: a peer that does not close its side soon is destroyed. */
  private linger(code: string, error?: SockwireError): void {
    if (this.session.state === "closed") return;
    const lingerMs = Math.min(this.host.options.closeTimeoutMs, REJECT_LINGER_MS);
    this.timer = setTimeout(() => this.session.destroy(code, error), lingerMs);
  }

  private authFailed(thrown: unknown): void {
    if (!this.undecided) return;
    const refusal = refusalFromAuth(thrown);
    if (refusal.internal) this.host.reportError(handlerFailed("authenticate", thrown));
    this.refuse(refusal.reason, refusal.error);
  }

  private timedOut(ms: number): void {
    const message = `the handshake did not complete within ${ms} ms`;
    this.refuseAs(WireCode.HANDSHAKE_TIMEOUT, ErrorCode.HANDSHAKE_TIMEOUT, message);
  }

  private refuseClosing(): void {
    this.refuseAs(WireCode.GOING_AWAY, ErrorCode.SERVER_CLOSED, "the server is shutting down");
  }

  /** A refusal whose reject frame and local error carry the same message. */
  private refuseAs(code: WireCode, errorCode: ErrorCode, message: string): void {
    this.refuse({ code, message }, new SockwireError(errorCode, message));
  }

  /** The session has closed: stop the timer and say how the handshake ended. */
  private settle(): CloseOutcome {
    this.clearTimer();
    if (this.phase === "open" || this.phase === "rejected" || this.phase === "reflected") {
      return this.phase;
    }
    this.abort?.abort(
      new SockwireError(ErrorCode.CONNECTION_LOST, "the connection closed during the handshake"),
    );
    return "abandoned";
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
