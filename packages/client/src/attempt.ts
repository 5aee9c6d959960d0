import { isIP, connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import {
  type AnyContract,
  decodeControl,
  type Envelope,
  ErrorCode,
  type Hello,
  isSockwireError,
  Kind,
  kindName,
  PROTOCOL_MAJOR,
  PROTOCOL_VERSION,
  type Reason,
  reasonSchema,
  SockwireError,
  type Welcome,
  WireCode,
  welcomeSchema,
} from "@sockwire/protocol";
import {
  type CloseInfo,
  isPlainPeerTlsError,
  isTlsRecordFrameError,
  type RequestContext,
  Session,
  type Ticker,
  tlsMismatch,
} from "@sockwire/protocol/internal";
import { rejectError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import { probeBudget, probeTls, type TlsProbe } from "./tls-probe.js";

/** What an attempt reports to the client that owns it. */
export interface AttemptHooks {
  /** The welcome arrived and the session is open. Called synchronously, before later frames are dispatched. */
  opened(attempt: Attempt, welcome: Welcome): void;
  event(name: string, data: unknown): unknown;
  request(name: string, params: unknown, context: RequestContext): unknown;
  error(error: SockwireError): void;
  goaway(attempt: Attempt, reason: Reason): void;
  /**
   * The socket is gone. `failure` is set when the handshake never completed: it is the coded
   * reason `connect()` reports (refused, timed out, rejected, mismatch...).
   */
  closed(attempt: Attempt, info: CloseInfo, failure: SockwireError | undefined): void;
}

const AGENT = `sockwire-client/0.1 node/${process.versions.node}`;

/**
 * One connection attempt and, once the server welcomes it, the connection itself: it owns the
 * socket (TCP or TLS, half-open allowed so the session can send its FIN and still read), runs the
 * client side of the handshake on top of a {@link Session}, and enforces the connect timeout over
 * TCP connect, TLS and handshake together. When it fails because TLS is on one end only, it says
 * so (`ERR_TLS_MISMATCH`), asking the port with a {@link probeTls} when the evidence is silence.
 *
 * The session is opened synchronously inside the welcome handler, so frames that arrive in the
 * same chunk right after the welcome are routed as events and requests, not lost.
 */
export class Attempt {
  readonly session: Session;
  readonly socket: Socket;
  /** True once the welcome was accepted. */
  opened = false;
  welcome: Welcome | undefined;
  private failure: SockwireError | undefined;
  /** The last error the server reported during the handshake (an error frame before closing). */
  private serverError: SockwireError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = performance.now();
  /** The hello has been written: the TCP (and TLS) connection was established. */
  private helloSent = false;
  /** Asking the port whether it speaks TLS, after a plain attempt closed unanswered. */
  private probe: TlsProbe | undefined;

  constructor(
    contract: AnyContract,
    private readonly options: ResolvedOptions,
    credentials: unknown,
    ticker: Ticker,
    private readonly hooks: AttemptHooks,
  ) {
    const { host, port, tls } = options;
    this.socket = openSocket(options);
    this.session = new Session(
      {
        side: "client",
        contract,
        codec: options.codec,
        limits: options, // the resolved options carry every session limit
        overflow: "reject",
        validateOutbound: options.validateOutbound,
        ticker,
      },
      this.socket,
      {
        handshake: (envelope) => this.onHandshake(envelope),
        event: (name, data) => hooks.event(name, data),
        request: (name, params, context) => hooks.request(name, params, context),
        error: (error) => this.onError(error),
        goaway: (reason) => hooks.goaway(this, reason),
        closed: (info) => this.onClosed(info),
      },
    );
    const hello = helloFor(contract, options, credentials);
    this.socket.once(tls ? "secureConnect" : "connect", () => {
      this.helloSent = true;
      this.session.sendControl(Kind.HELLO, hello);
    });
    this.timer = setTimeout(() => {
      this.abort(
        new SockwireError(
          ErrorCode.CONNECT_TIMEOUT,
          `no welcome from ${host}:${port} within ${options.connectTimeoutMs} ms`,
          {
            details: { timeoutMs: options.connectTimeoutMs },
          },
        ),
      );
    }, options.connectTimeoutMs);
  }

  /** Gives up on an attempt that has not opened: the socket is destroyed and `failure` reported. */
  abort(failure: SockwireError): void {
    if (this.opened) return;
    this.failure ??= failure;
    this.probe?.cancel();
    this.session.destroy(WireCode.NORMAL, failure);
  }

  /** Closes at once, open or not: the socket, and a TLS probe in progress. */
  destroy(): void {
    this.probe?.cancel();
    this.session.destroy(WireCode.NORMAL);
  }

  private onHandshake(envelope: Envelope): void {
    if (envelope.kind === Kind.WELCOME) this.onWelcome(envelope);
    else if (envelope.kind === Kind.REJECT) this.onReject(envelope);
    else {
      const error = new SockwireError(
        ErrorCode.UNEXPECTED_FRAME,
        `unexpected ${kindName(envelope.kind)} frame from the server`,
      );
      this.abort(connectFailed("the server broke the handshake", error));
    }
  }

  private onWelcome(envelope: Envelope): void {
    let welcome: Welcome;
    try {
      welcome = decodeControl(welcomeSchema, envelope.payload, "welcome");
    } catch (error) {
      this.abort(connectFailed("the server sent an invalid welcome", error));
      return;
    }
    if (welcome.protocol.major !== PROTOCOL_MAJOR) {
      this.abort(
        new SockwireError(
          ErrorCode.UNSUPPORTED_VERSION,
          `the server speaks protocol ${welcome.protocol.major}, we speak ${PROTOCOL_MAJOR}`,
          {
            details: { server: welcome.protocol, client: PROTOCOL_VERSION },
          },
        ),
      );
      return;
    }
    this.clearTimer();
    this.opened = true;
    this.welcome = welcome;
    this.session.open(welcome.maxFrameBytes, welcome.heartbeat);
    this.hooks.opened(this, welcome);
  }

  private onReject(envelope: Envelope): void {
    let reason: Reason;
    try {
      reason = decodeControl(reasonSchema, envelope.payload, "reject");
    } catch (error) {
      this.abort(connectFailed("the server sent an invalid reject", error));
      return;
    }
    this.failure ??= rejectError(reason);
    // The server closes after a reject; end our side too, without waiting for the close timeout.
    this.session.close(reason.code);
  }

  private onError(error: SockwireError): void {
    if (this.opened) this.hooks.error(error);
    else this.serverError = error;
  }

  private onClosed(info: CloseInfo): void {
    this.clearTimer();
    if (this.opened) {
      this.hooks.closed(this, info, undefined);
      return;
    }
    const failure = this.failure ?? this.describeEarlyClose(info);
    if (this.failure === undefined && this.closedUnanswered(info))
      this.probeThenClose(info, failure);
    else this.hooks.closed(this, info, failure);
  }

  /** Why the connection ended before the welcome, as `connect()` reports it. */
  private describeEarlyClose(info: CloseInfo): SockwireError {
    const { host, port, tls } = this.options;
    const socketError = info.error?.code === ErrorCode.SOCKET_ERROR ? info.error.cause : undefined;
    if (socketError !== undefined) {
      if (tls && isPlainPeerTlsError(socketError)) {
        const message = `${host}:${port} does not seem to speak TLS; connect without the tls option`;
        return tlsMismatch("plain", message, socketError);
      }
      const code = (socketError as NodeJS.ErrnoException).code;
      return connectFailed(
        `could not connect to ${host}:${port}${code ? ` (${code})` : ""}`,
        socketError,
      );
    }
    // A TLS record where the welcome's length prefix should be: the server answers in TLS.
    if (!tls && isTlsRecordFrameError(info.error) && this.session.stats().messagesIn === 0) {
      return tlsMismatch("tls", `${host}:${port} answered in TLS; set the tls option`, info.error);
    }
    return connectFailed(
      `${host}:${port} closed the connection before the handshake completed`,
      this.serverError ?? info.error,
    );
  }

  /**
   * A plain attempt that the server closed or reset right after our hello, without a byte in
   * answer. A TLS server does exactly that with a plain hello, but so do other things, so it is
   * only a reason to ask the port (see {@link probeTls}).
   */
  private closedUnanswered(info: CloseInfo): boolean {
    return (
      !this.options.tls &&
      this.helloSent &&
      info.initiator === "remote" &&
      this.session.stats().bytesIn === 0
    );
  }

  /** Reports the close once the probe knows whether the port speaks TLS. */
  private probeThenClose(info: CloseInfo, failure: SockwireError): void {
    const { host, port, connectTimeoutMs } = this.options;
    const elapsed = performance.now() - this.startedAt;
    const budget = probeBudget(elapsed, connectTimeoutMs - elapsed);
    if (budget <= 0) {
      this.hooks.closed(this, info, failure);
      return;
    }
    const probe = probeTls(host, port, budget);
    this.probe = probe;
    void probe.result.then((isTls) => {
      this.probe = undefined;
      // An abort during the probe (close(), the client's signal) wins.
      let outcome = this.failure ?? failure;
      if (isTls && this.failure === undefined) {
        const message = `${host}:${port} closed the connection at our hello and answers a TLS handshake: the server seems to expect TLS; set the tls option`;
        outcome = tlsMismatch("tls", message, failure);
      }
      this.hooks.closed(this, info, outcome);
    });
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function connectFailed(message: string, cause: unknown): SockwireError {
  if (isSockwireError(cause) && cause.code === ErrorCode.CONNECT_TIMEOUT) return cause;
  return new SockwireError(ErrorCode.CONNECT_FAILED, message, cause === undefined ? {} : { cause });
}

/** The socket of one attempt: TCP or TLS, half-open allowed so the session sends its FIN itself. */
function openSocket(options: ResolvedOptions): Socket {
  const { host, port, tls } = options;
  if (!tls) return netConnect({ host, port, allowHalfOpen: true, noDelay: true });
  return tlsConnect({
    ...tls,
    host,
    port,
    ...(tls.servername === undefined && isIP(host) === 0 ? { servername: host } : {}),
    // tls.connect honours allowHalfOpen (it is missing from the type); Nagle is turned off by
    // the session's setNoDelay(), which TLS sockets pass to their TCP handle.
    ...({ allowHalfOpen: true } as object),
  });
}

/** The hello of one attempt (PROTOCOL.md 5.1). */
function helloFor(contract: AnyContract, options: ResolvedOptions, credentials: unknown): Hello {
  return {
    protocol: { ...PROTOCOL_VERSION },
    contract: { name: contract.name, fingerprint: contract.fingerprint },
    codec: options.codec.name,
    maxFrameBytes: options.maxFrameBytes,
    heartbeat: { intervalMs: options.heartbeatIntervalMs, timeoutMs: options.heartbeatTimeoutMs },
    ...(credentials === undefined ? {} : { credentials }),
    agent: AGENT,
  };
}
