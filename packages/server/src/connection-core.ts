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
import { newSessionTerms, resumedTerms, resumptionFor, sessionExpired } from "./resume-terms.js";
import { tlsClientOnPlainServer } from "./tls-failure.js";
import type { AuthenticateInfo, ConnectionState, DisconnectInfo } from "./types.js";

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
 * Without an `authenticate` option, `auth` lasts no time at all. A hello that resumes a session
 * ends in `handed-over`: the resumed session takes the socket (see {@link ConnectionCore.adopt}).
 */
export type HandshakePhase =
  | "hello"
  | "contract"
  | "auth"
  | "open"
  | "rejected"
  | "reflected"
  | "handed-over";

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
  /** The current link's socket (a resumed session moves to the new connection's). */
  private socket: Socket | TLSSocket;
  /** Created on first join: most connections never join a room. */
  private joined: Set<string> | undefined = undefined;
  /** The handshake deadline while undecided, then the linger of a refused socket. */
  private timer: NodeJS.Timeout | undefined = undefined;
  /** Aborts a running `authenticate` when the handshake ends without it. */
  private abort: AbortController | undefined = undefined;
  /** Created when someone waits for the close. */
  private closeWaiter: Deferred<DisconnectInfo> | undefined = undefined;
  /** The digest of the contract the client opened the session with (a resume must match it). */
  clientDigest: string | undefined = undefined;
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
      const info = authenticateInfo(this.socket, hello, this.abort.signal, this.resuming(hello));
      result = authenticate(credentials, info);
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
    this.phase = "open";
    this.clearTimer();
    this.abort = undefined;
    this.session.sendControl(Kind.WELCOME, welcome);
    // The resolved options carry the replay bounds, one object for every session.
    const resume = resumption && this.host.options;
    this.session.open(hello.maxFrameBytes, heartbeat, { terms, resume });
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

  /** The session `hello` would resume, for the authenticate hook: its id and context. */
  private resuming(hello: Hello): AuthenticateInfo["resuming"] {
    const token = hello.resume?.token;
    const found = token && resumptionFor(hello, this.host.resumption)?.find(token);
    if (!found) return undefined;
    const previous = found as ConnectionCore<Conn>;
    return { sessionId: previous.sessionId, context: previous.context };
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
