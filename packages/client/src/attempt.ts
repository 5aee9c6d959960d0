import type { Socket } from "node:net";
import {
  type AnyContract,
  type CanonicalContract,
  decodeControl,
  type Envelope,
  ErrorCode,
  type Hello,
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
  type ContractTerms,
  contractAnswer,
  contractTermsFromForms,
  type LocalContract,
  localContract,
  type PendingExchange,
  type RequestContext,
  reflectedForm,
  Session,
  type StreamContext,
  type StreamHandlerResult,
  type Ticker,
  tlsMismatch,
} from "@sockwire/protocol/internal";
import {
  connectFailed,
  describeEarlyClose,
  helloFor,
  openSocket,
  reflectingHello,
} from "./attempt-parts.js";
import { exchangeFailure, termsAtWelcome } from "./contract-reply.js";
import { rejectError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import { probeBudget, probeTls, type TlsProbe } from "./tls-probe.js";

/** What an attempt reports to the client that owns it. */
export interface AttemptHooks {
  /** The welcome arrived and the session is open. Called synchronously, before later frames are dispatched. */
  opened(attempt: Attempt, welcome: Welcome): void;
  /**
   * The welcome says this connection resumes the session a lost link interrupted: the owner moves
   * this attempt's link to that session (see {@link Attempt.adopt}). Called synchronously, before
   * later frames (the server's replay) are dispatched.
   */
  resumed(attempt: Attempt, welcome: Welcome): void;
  /** The open connection's link is lost and its session (resumable) waits for another. */
  detached(attempt: Attempt, info: CloseInfo): void;
  event(name: string, data: unknown): unknown;
  request(name: string, params: unknown, context: RequestContext): unknown;
  stream(name: string, input: unknown, context: StreamContext): StreamHandlerResult | undefined;
  error(error: SockwireError): void;
  goaway(attempt: Attempt, reason: Reason): void;
  /**
   * The socket is gone. `failure` is set when the handshake never completed: it is the coded
   * reason `connect()` reports (refused, timed out, rejected, mismatch...). A reflecting attempt
   * that got the server's form has none (`attempt.reflection` holds the form).
   */
  closed(attempt: Attempt, info: CloseInfo, failure: SockwireError | undefined): void;
}

/**
 * One connection attempt and, once the server welcomes it, the connection itself: it owns the
 * socket (TCP or TLS, half-open allowed so the session can send its FIN and still read), runs the
 * client side of the handshake on top of a {@link Session}, and enforces the connect timeout over
 * TCP connect, TLS and handshake together. When it fails because TLS is on one end only, it says
 * so (`ERR_TLS_MISMATCH`), asking the port with a {@link probeTls} when the evidence is silence.
 *
 * The session is opened synchronously inside the welcome handler, so frames that arrive in the
 * same chunk right after the welcome are routed as events and requests, not lost.
 *
 * A reflecting attempt (`reflect` given) asks for the server's contract instead (PROTOCOL.md 8.1,
 * "Reflection"): it never opens, and ends with the form in `reflection` once the server has
 * closed, or with the failure (`ERR_REFLECTION_DISABLED` for a server with reflection off).
 */
export class Attempt {
  readonly session: Session;
  /** The socket of the session's current link (a resumed session takes over a later attempt's). */
  socket: Socket;
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
  /** Our contract as the handshake uses it (digest in the hello, form if the server differs). */
  private readonly local: LocalContract;
  /** Between our answer to the server's contract offer and its forms. */
  private exchange: PendingExchange | undefined;
  /** Set when the server's contract is another version of ours: what this connection allows. */
  terms: ContractTerms | undefined;
  /** A reflecting attempt: the server's contract form, once it has arrived. */
  reflection: CanonicalContract | undefined;

  constructor(
    contract: AnyContract,
    private readonly options: ResolvedOptions,
    credentials: unknown,
    ticker: Ticker,
    private readonly hooks: AttemptHooks,
    /** The hello's `resume` member: which session to resume, or `{}` for a new resumable one. */
    resume: Hello["resume"],
    /** Ask for the server's contract, expecting this name (`""`: any), instead of connecting. */
    private readonly reflect?: { readonly name: string },
  ) {
    const { host, port, tls } = options;
    this.local = localContract(contract, "client");
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
        stream: (name, input, context) => hooks.stream(name, input, context),
        error: (error) => this.onError(error),
        goaway: (reason) => hooks.goaway(this, reason),
        closed: (info) => this.onClosed(info),
        detached: (info) => hooks.detached(this, info),
      },
    );
    const hello = reflect
      ? reflectingHello(reflect.name, options, credentials)
      : helloFor(this.local, options, credentials, resume);
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
    const kind = envelope.kind;
    if (kind === Kind.REJECT) this.onReject(envelope);
    else if (this.reflect) {
      if (kind === Kind.CONTRACT && this.reflection === undefined) this.onReflection(envelope);
      else this.unexpected(kind);
    }
    // Once an exchange has started, the welcome comes only after the server's forms.
    else if (kind === Kind.WELCOME && (!this.exchange || this.terms)) this.onWelcome(envelope);
    else if (kind === Kind.CONTRACT && this.terms === undefined) this.onContract(envelope);
    else this.unexpected(kind);
  }

  private unexpected(kind: number): void {
    const error = new SockwireError(
      ErrorCode.UNEXPECTED_FRAME,
      `unexpected ${kindName(kind)} frame from the server`,
    );
    this.abort(connectFailed("the server broke the handshake", error));
  }

  /**
   * The server's contract is another version of ours: its offer (answered with our digests and
   * our forms of what differs), then its forms, from which the terms follow.
   */
  private onContract(envelope: Envelope): void {
    try {
      if (this.exchange === undefined) {
        const answer = contractAnswer(this.local, envelope);
        this.exchange = answer.pending;
        this.session.sendHandshakeFrame(answer.frame);
      } else {
        this.terms = contractTermsFromForms(this.local, envelope, this.exchange);
      }
    } catch (error) {
      this.abort(exchangeFailure(error));
    }
  }

  /** The server's whole form: kept, and our side closed after the server's (it half-closes). */
  private onReflection(envelope: Envelope): void {
    try {
      this.reflection = reflectedForm(envelope);
    } catch (error) {
      this.abort(connectFailed("the server sent an invalid contract form", error));
      return;
    }
    this.session.close();
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
    const terms = termsAtWelcome(this.terms, welcome);
    if (terms instanceof SockwireError) {
      this.abort(terms);
      return;
    }
    this.clearTimer();
    this.opened = true;
    this.welcome = welcome;
    this.terms = terms;
    if (welcome.resume?.resumed === true) {
      this.hooks.resumed(this, welcome);
      return;
    }
    const resume = welcome.resume !== undefined && this.options.resume ? this.options : undefined;
    // Streams need protocol 1.2 on both sides (PROTOCOL.md 10).
    const streams = welcome.protocol.minor >= 2;
    this.session.open(welcome.maxFrameBytes, welcome.heartbeat, { terms, resume, streams });
    this.hooks.opened(this, welcome);
  }

  /**
   * This attempt's session was interrupted, and `donor`'s welcome resumed it: the session takes
   * over the donor's link (socket, reader with whatever followed the welcome, writer) and sends
   * again what the server did not receive. False when our replay log cannot serve the count the
   * server received (then nothing changed).
   */
  adopt(donor: Attempt, welcome: Welcome): boolean {
    const received = welcome.resume?.received ?? 0;
    if (!this.session.canResumeFrom(received)) return false;
    this.session.takeOver(donor.session, welcome.maxFrameBytes, welcome.heartbeat);
    this.socket = donor.socket;
    this.welcome = welcome;
    this.session.replayFrom(received);
    return true;
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
    if (this.opened || this.reflection !== undefined) {
      this.hooks.closed(this, info, undefined);
      return;
    }
    const failure =
      this.failure ??
      describeEarlyClose(this.options, info, this.session.stats().messagesIn, this.serverError);
    if (this.failure === undefined && this.closedUnanswered(info))
      this.probeThenClose(info, failure);
    else this.hooks.closed(this, info, failure);
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
