import type { Socket } from "node:net";
import type { PeerCertificate, TLSSocket } from "node:tls";
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
import type { Session } from "@sockwire/protocol/internal";
import { handlerFailed } from "@sockwire/protocol/internal";
import type { CloseOutcome, ConnectionHost, ServerConnection } from "./connection.js";
import { checkHello, refusalFromAuth, welcomeFor } from "./handshake.js";
import { isThenable } from "./thenable.js";

/**
 * How long a refused socket may take to read the reject and close its side before it is
 * destroyed (capped by `closeTimeoutMs`). Short on purpose: a refused peer has nothing more to
 * say, and a flood of refused sockets must not pin file descriptors for the full close timeout.
 *
 * @example
 * ```ts
 * // A test that waits for refused sockets to be gone, whatever the peer does:
 * await sleep(REJECT_LINGER_MS + 100);
 * ```
 */
export const REJECT_LINGER_MS = 2000;

/**
 * The server side of one handshake:
 *
 * ```
 *  hello ──checks pass──► auth ──authenticate resolves──► open (welcome sent, session.open())
 *    │                     │
 *    └──bad hello / timeout / server closing / auth throws──► rejected (reject frame, FIN, linger)
 * ```
 *
 * Until `open`, the session passes only handshake frames here and never reaches application
 * handlers; any other frame fails the session as a protocol error.
 */
export class HandshakeGate {
  /** `pending` until the handshake is decided. */
  outcome: "pending" | "open" | "rejected" = "pending";
  context: unknown = undefined;
  sessionId = "";
  agent: string | undefined;
  private phase: "hello" | "auth" = "hello";
  private timer: NodeJS.Timeout | undefined;
  private linger: NodeJS.Timeout | undefined;
  private abort: AbortController | undefined;

  constructor(
    private readonly session: Session,
    private readonly socket: Socket | TLSSocket,
    private readonly host: ConnectionHost,
    /** The connection this handshake opens, handed to `host.opened()`. */
    private readonly conn: ServerConnection,
  ) {
    const ms = host.options.handshakeTimeoutMs;
    if (ms > 0) {
      this.timer = setTimeout(() => {
        const message = `the handshake did not complete within ${ms} ms`;
        this.refuse(
          { code: WireCode.HANDSHAKE_TIMEOUT, message },
          new SockwireError(ErrorCode.HANDSHAKE_TIMEOUT, message),
        );
      }, ms);
    }
  }

  /** A handshake frame from the session (hello, or a stray welcome/reject). */
  receive(envelope: Envelope): void {
    if (this.outcome !== "pending") return; // refused already: the rest of the input is discarded
    if (this.phase !== "hello") {
      const message = `unexpected ${kindName(envelope.kind)} frame while the hello is being authenticated`;
      this.refuse(
        { code: WireCode.PROTOCOL_ERROR, message },
        new SockwireError(ErrorCode.UNEXPECTED_FRAME, message),
      );
      return;
    }
    const check = checkHello(envelope, this.host.contract, this.host.options.codec.name);
    if (!check.ok) {
      this.refuse(check.reason, check.error);
      return;
    }
    if (!this.host.accepting) {
      this.refuseClosing();
      return;
    }
    const { hello, credentials } = check;
    this.phase = "auth";
    this.agent = hello.agent;
    const authenticate = this.host.options.authenticate;
    if (!authenticate) {
      this.open(hello, undefined);
      return;
    }
    this.abort = new AbortController();
    let result: unknown;
    try {
      result = authenticate(credentials, {
        remoteAddress: this.socket.remoteAddress ?? "",
        remotePort: this.socket.remotePort ?? 0,
        tlsPeerCertificate: peerCertificate(this.socket),
        agent: hello.agent,
        signal: this.abort.signal,
      });
    } catch (error) {
      this.authFailed(error);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (context) => this.open(hello, context),
        (error: unknown) => this.authFailed(error),
      );
    } else this.open(hello, result);
  }

  /** Sends a reject with `reason`, half-closes, and destroys the socket if it lingers. */
  refuse(reason: Reason, error: SockwireError): void {
    if (this.outcome !== "pending") return;
    this.outcome = "rejected";
    this.clearTimer();
    this.abort?.abort(error);
    this.session.closeWith(Kind.REJECT, reason, error);
    if (this.session.state === "closed") return;
    const lingerMs = Math.min(this.host.options.closeTimeoutMs, REJECT_LINGER_MS);
    this.linger = setTimeout(() => this.session.destroy(reason.code, error), lingerMs);
  }

  /** The session has closed: stop every timer and say how the handshake ended. */
  settle(): CloseOutcome {
    this.clearTimer();
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
    if (this.outcome === "pending") {
      this.abort?.abort(
        new SockwireError(ErrorCode.CONNECTION_LOST, "the connection closed during the handshake"),
      );
      return "abandoned";
    }
    return this.outcome;
  }

  private open(hello: Hello, context: unknown): void {
    // The handshake may have timed out, or the peer gone, while authenticate was running.
    if (this.outcome !== "pending" || this.session.state !== "handshake") return;
    if (!this.host.accepting) {
      this.refuseClosing();
      return;
    }
    const { welcome, heartbeat } = welcomeFor(hello, this.host.options);
    this.context = context;
    this.sessionId = welcome.sessionId;
    this.outcome = "open";
    this.clearTimer();
    this.abort = undefined;
    this.session.sendControl(Kind.WELCOME, welcome);
    this.session.open(hello.maxFrameBytes, heartbeat);
    this.host.opened(this.conn);
  }

  private authFailed(thrown: unknown): void {
    if (this.outcome !== "pending") return;
    const refusal = refusalFromAuth(thrown);
    if (refusal.internal) this.host.reportError(handlerFailed("authenticate", thrown));
    this.refuse(refusal.reason, refusal.error);
  }

  private refuseClosing(): void {
    const message = "the server is shutting down";
    this.refuse(
      { code: WireCode.GOING_AWAY, message },
      new SockwireError(ErrorCode.SERVER_CLOSED, message),
    );
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function peerCertificate(socket: Socket | TLSSocket): PeerCertificate | undefined {
  if (!("getPeerCertificate" in socket)) return undefined;
  const cert = socket.getPeerCertificate();
  // Without a client certificate Node returns an empty object, not null.
  return cert && Object.keys(cert).length > 0 ? cert : undefined;
}
