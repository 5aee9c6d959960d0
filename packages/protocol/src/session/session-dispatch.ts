import type { Envelope } from "../envelope/envelope.js";
import { encodeEnvelope } from "../envelope/envelope.js";
import { isStreamKind, Kind } from "../envelope/kinds.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { WireCode } from "../errors/wire-codes.js";
import { type Reason, reasonSchema } from "../handshake/handshake.js";
import { decodeControl } from "../message/control.js";
import type { MessageCodec } from "../message/message-codec.js";
import { unknownType } from "../message/message-errors.js";
import type { IncomingRequests } from "./incoming-requests.js";
import type { Liveness } from "./liveness.js";
import { isSequencedKind } from "./replay-log.js";
import type { ResumeState } from "./resume-state.js";
import type { SessionCloser } from "./session-closer.js";
import { unexpected } from "./session-errors.js";
import type { SessionOutput } from "./session-output.js";
import type { SessionHooks, SessionState } from "./session-types.js";
import { reasonForInvalid, remoteError } from "./wire-error.js";

/**
 * How long a peer closed for abuse (too many pings) has to read what it was sent and close its
 * side before the socket is destroyed: short, since it is misbehaving already.
 */
const ABUSE_LINGER_MS = 1000;

/** What the routing needs of its session: its parts, and what only the session does. */
export interface DispatchTarget {
  readonly state: SessionState;
  readonly hooks: SessionHooks;
  readonly messages: MessageCodec;
  readonly incoming: IncomingRequests;
  readonly output: SessionOutput;
  readonly liveness: Liveness;
  readonly closer: SessionCloser;
  /** Set when the session is resumable: received frames are counted, acks taken. */
  readonly resume: ResumeState | undefined;
  report(error: unknown): void;
  pongReceived(id: number): void;
  goawayReceived(reason: Reason): void;
  /** A stream frame (streams/stream-table.ts). */
  streamFrame(envelope: Envelope): void;
  /** Both peers speak protocol 1.2: stream frames are understood. */
  readonly streamsAgreed: boolean;
  connectionErrorReceived(error: SockwireError, reason: Reason): void;
}

/**
 * Routes one received frame by kind (PROTOCOL.md section 4): what each kind means in each state
 * of the session, and which part handles it. Pings, pongs and connection errors count in any
 * state; before `open()` everything else goes to the owner's handshake; after it, events and
 * requests go to the application, answers to our requests, `cancel` and `goaway` to the session.
 *
 * A function of the session rather than a method, so that the routing table reads in one place;
 * it uses the session through {@link DispatchTarget} only.
 */
export function dispatchInbound(session: DispatchTarget, envelope: Envelope): void {
  const kind = envelope.kind;
  if (kind === Kind.PING) {
    onPing(session, envelope.id);
    return;
  }
  if (kind === Kind.PONG) {
    session.pongReceived(envelope.id);
    return;
  }
  if (kind === Kind.ERROR && envelope.id === 0) {
    onConnectionError(session, envelope);
    return;
  }
  if (session.state === "handshake") {
    // The owner answers whatever comes first: a server refuses anything but a hello with a
    // reject (PROTOCOL_ERROR), which a client in its handshake reads as the reason.
    session.hooks.handshake(envelope);
    return;
  }
  // Stream kinds from a peer that did not agree to protocol 1.2 are ignored, as a 1.1 receiver
  // ignores extension kinds it does not know (PROTOCOL.md 10), and not counted.
  const stream = isStreamKind(kind);
  if (stream && !session.streamsAgreed) return;
  const resume = session.resume;
  if (resume !== undefined) {
    if (kind === Kind.ACK) {
      resume.peerSent();
      resume.peerAcked(envelope.id);
      return;
    }
    // Counted as received before it is handled: the count is what the peer need not send again.
    if (isSequencedKind(kind, envelope.id)) {
      resume.received++;
      resume.peerSent();
    }
  }
  switch (kind) {
    case Kind.EVENT:
      onEvent(session, envelope);
      return;
    case Kind.REQUEST:
      onRequest(session, envelope);
      return;
    case Kind.RESPONSE:
      onResponse(session, envelope);
      return;
    case Kind.ERROR:
      onErrorAnswer(session, envelope);
      return;
    case Kind.CANCEL:
      session.incoming.cancel(envelope.id);
      return;
    case Kind.GOAWAY:
      onGoaway(session, envelope);
      return;
    default:
      if (stream) session.streamFrame(envelope);
      else session.closer.fail(unexpected(kind, "after the handshake"));
  }
}

function onEvent(session: DispatchTarget, envelope: Envelope): void {
  let data: unknown;
  try {
    data = session.messages.readEvent(envelope);
  } catch (error) {
    session.report(error);
    return;
  }
  session.incoming.deliverEvent(envelope.type, data);
}

function onRequest(session: DispatchTarget, envelope: Envelope): void {
  const { id, type: name } = envelope;
  if (id === 0 || session.incoming.has(id)) {
    session.closer.fail(
      new SockwireError(ErrorCode.FRAME_MALFORMED, `request id ${id} is zero or already in use`),
    );
    return;
  }
  if (session.state !== "open") {
    session.output.answerError(id, {
      code: WireCode.SHUTTING_DOWN,
      message: "the connection is closing",
    });
    return;
  }
  const schema = session.messages.inboundRequest(name);
  if (schema === undefined) {
    session.output.answerError(id, reasonForInvalid(unknownType("request", name)));
    return;
  }
  session.incoming.start(envelope, schema);
}

function onResponse(session: DispatchTarget, envelope: Envelope): void {
  const pending = session.output.pending;
  const name = pending.nameOf(envelope.id);
  if (name === undefined) {
    pending.resolve(envelope.id, undefined); // counts the late response
    return;
  }
  try {
    pending.resolve(envelope.id, session.messages.readResponse(name, envelope));
  } catch (error) {
    pending.reject(envelope.id, error);
  }
  session.closer.maybeEnd();
}

function onErrorAnswer(session: DispatchTarget, envelope: Envelope): void {
  const pending = session.output.pending;
  const name = pending.nameOf(envelope.id) ?? "request";
  try {
    const reason = decodeControl(reasonSchema, envelope.payload, "error");
    pending.reject(envelope.id, remoteError(reason, `request ${name}`));
  } catch (error) {
    pending.reject(envelope.id, error);
  }
  session.closer.maybeEnd();
}

function onConnectionError(session: DispatchTarget, envelope: Envelope): void {
  let reason: Reason;
  try {
    reason = decodeControl(reasonSchema, envelope.payload, "error");
  } catch (error) {
    session.report(error);
    return;
  }
  session.connectionErrorReceived(remoteError(reason, "connection"), reason);
}

function onGoaway(session: DispatchTarget, envelope: Envelope): void {
  let reason: Reason;
  try {
    reason = decodeControl(reasonSchema, envelope.payload, "goaway");
  } catch (error) {
    session.closer.fail(error as SockwireError);
    return;
  }
  session.goawayReceived(reason);
}

/**
 * Every ping is answered at once, in any state; past the strike limit the peer is closed like a
 * protocol error, so the pongs of the pings it was allowed still reach it (PROTOCOL.md 8.2).
 */
function onPing(session: DispatchTarget, id: number): void {
  if (session.liveness.pingReceived(Date.now())) {
    session.output.sendRaw(encodeEnvelope({ kind: Kind.PONG, id }, undefined));
    return;
  }
  session.closer.fail(
    new SockwireError(ErrorCode.CONNECTION_LOST, "the peer pinged too often"),
    WireCode.TOO_MANY_PINGS,
    ABUSE_LINGER_MS,
  );
}
