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
  handlerFailed,
  isThenable,
  reflectionFrame,
  Session,
  type SessionHooks,
  type RequestContext as SessionRequestContext,
} from "@sockwire/protocol/internal";
import type { CloseOutcome, ConnectionHost, CoreOwner } from "./connection-host.js";
import { exchangeRefusal, frameOrRefusal } from "./contract-exchange.js";
import { authenticateInfo, checkHello, REJECT_LINGER_MS, refusalFromAuth } from "./handshake.js";
import { resumptionFor } from "./resume-terms.js";
import type { Resumable } from "./resumption.js";
import type { AuthenticateInfo } from "./types.js";

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
 * ends in `handed-over`: the resumed session takes the socket (see `ConnectionCore.adopt`).
 */
export type HandshakePhase =
  | "hello"
  | "contract"
  | "auth"
  | "open"
  | "rejected"
  | "reflected"
  | "handed-over";

/**
 * The server side of the handshake, the base of `ConnectionCore` (connection-core.ts): it
 * creates the connection's `Session`, is its handshake hook, and takes the hello through its
 * checks, the contract exchange and `authenticate` to a decision: refused, reflected, or
 * accepted, where `ConnectionCore.open` takes over (a welcome, or the resume of another
 * session). Until `open`, the session passes only handshake frames here and never reaches
 * application handlers; any other frame fails the session as a protocol error.
 *
 * A base class rather than an object of its own: one object per connection, with its methods on
 * the prototype (see `ConnectionCore`).
 */
export abstract class ConnectionHandshake<Conn extends CoreOwner> implements SessionHooks {
  readonly session: Session;
  /** Where the handshake is; only the handshake and its core move it. */
  phase: HandshakePhase = "hello";
  /** What `authenticate` returned (`undefined` without the hook); set when the handshake opens. */
  context: unknown = undefined;
  /** The session id sent in the welcome; empty before. */
  sessionId = "";
  /** The `agent` string of the hello, if it had one. */
  agent: string | undefined = undefined;
  protected readonly conn: Conn;
  protected readonly host: ConnectionHost<Conn>;
  /** The current link's socket (a resumed session moves to the new connection's). */
  protected socket: Socket | TLSSocket;
  /** The handshake deadline while undecided, then the linger of a refused socket. */
  private timer: NodeJS.Timeout | undefined = undefined;
  /** Aborts a running `authenticate` when the handshake ends without it. */
  private abort: AbortController | undefined = undefined;
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

  // The session's hooks once open, and the open itself: ConnectionCore's.
  abstract event(name: string, data: unknown): Promise<void> | undefined;
  abstract request(name: string, input: unknown, request: SessionRequestContext): unknown;
  abstract error(error: SockwireError): void;
  abstract goaway(): void;
  abstract closed(info: CloseInfo): void;
  /** The hello passed every check and asked for a session: a new one, or one it resumes. */
  protected abstract open(hello: Hello, context: unknown, terms: ContractTerms | undefined): void;

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

  protected get undecided(): boolean {
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
    this.decided("reflected");
    this.session.closeAfter(answer, WireCode.NORMAL, "contract described");
    this.linger(WireCode.NORMAL);
  }

  /** The handshake ended in `phase`: its deadline and `authenticate`'s abort are done with. */
  protected decided(phase: "open" | "reflected"): void {
    this.phase = phase;
    this.clearTimer();
    this.abort = undefined;
  }

  /** The session `hello` would resume, for the authenticate hook: its id and context. */
  private resuming(hello: Hello): AuthenticateInfo["resuming"] {
    const token = hello.resume?.token;
    const found = token && resumptionFor(hello, this.host.resumption)?.find(token);
    if (!found) return undefined;
    // Only cores are registered (ConnectionRegistry): handshakes that opened.
    const previous = found as Resumable & Pick<ConnectionHandshake<Conn>, "sessionId" | "context">;
    return { sessionId: previous.sessionId, context: previous.context };
  }

  /** Sends a reject with `reason`, half-closes, and destroys the socket if it lingers. */
  protected refuse(reason: Reason, error: SockwireError): void {
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

  protected refuseClosing(): void {
    this.refuseAs(WireCode.GOING_AWAY, ErrorCode.SERVER_CLOSED, "the server is shutting down");
  }

  /** A refusal whose reject frame and local error carry the same message. */
  private refuseAs(code: WireCode, errorCode: ErrorCode, message: string): void {
    this.refuse({ code, message }, new SockwireError(errorCode, message));
  }

  /** The session has closed: stop the timer and say how the handshake ended. */
  protected settle(): CloseOutcome {
    this.clearTimer();
    if (this.phase === "open" || this.phase === "rejected" || this.phase === "reflected") {
      return this.phase;
    }
    this.abort?.abort(
      new SockwireError(ErrorCode.CONNECTION_LOST, "the connection closed during the handshake"),
    );
    return "abandoned";
  }

  protected clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
