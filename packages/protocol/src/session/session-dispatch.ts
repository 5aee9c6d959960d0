import type { Envelope } from "../envelope/envelope.js";
import { Kind } from "../envelope/kinds.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { WireCode } from "../errors/wire-codes.js";
import { type Reason, reasonSchema } from "../handshake/handshake.js";
import { decodeControl } from "../message/control.js";
import { unknownType } from "../message/message-errors.js";
import type { Session } from "./session.js";
import { unexpected } from "./session-errors.js";
import { reasonForInvalid, remoteError } from "./wire-error.js";

/**
 * Routes one received frame by kind (PROTOCOL.md section 4): what each kind means in each state
 * of the session, and which part handles it. Pings, pongs and connection errors count in any
 * state; before `open()` everything else goes to the owner's handshake; after it, events and
 * requests go to the application, answers to our requests, `cancel` and `goaway` to the session.
 *
 * A function of the session rather than a method, so that the routing table reads in one place;
 * it uses the session's parts through their own methods only.
 */
export function dispatchInbound(session: Session, envelope: Envelope): void {
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
      session.fail(unexpected(kind, "after the handshake"));
  }
}

function onEvent(session: Session, envelope: Envelope): void {
  let data: unknown;
  try {
    data = session.messages.readEvent(envelope);
  } catch (error) {
    session.report(error);
    return;
  }
  session.deliverEvent(envelope.type, data);
}

function onRequest(session: Session, envelope: Envelope): void {
  const { id, type: name } = envelope;
  if (id === 0 || session.incoming.has(id)) {
    session.fail(
      new SockwireError(ErrorCode.FRAME_MALFORMED, `request id ${id} is zero or already in use`),
    );
    return;
  }
  if (session.state !== "open") {
    session.answerError(id, { code: WireCode.SHUTTING_DOWN, message: "the connection is closing" });
    return;
  }
  const schema = session.messages.inboundRequest(name);
  if (schema === undefined) {
    session.answerError(id, reasonForInvalid(unknownType("request", name)));
    return;
  }
  session.incoming.start(envelope, schema);
}

function onResponse(session: Session, envelope: Envelope): void {
  const pending = session.pending;
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
  session.answered();
}

function onErrorAnswer(session: Session, envelope: Envelope): void {
  const pending = session.pending;
  const name = pending.nameOf(envelope.id) ?? "request";
  try {
    const reason = decodeControl(reasonSchema, envelope.payload, "error");
    pending.reject(envelope.id, remoteError(reason, `request ${name}`));
  } catch (error) {
    pending.reject(envelope.id, error);
  }
  session.answered();
}

function onConnectionError(session: Session, envelope: Envelope): void {
  let reason: Reason;
  try {
    reason = decodeControl(reasonSchema, envelope.payload, "error");
  } catch (error) {
    session.report(error);
    return;
  }
  session.connectionErrorReceived(remoteError(reason, "connection"), reason);
}

function onGoaway(session: Session, envelope: Envelope): void {
  let reason: Reason;
  try {
    reason = decodeControl(reasonSchema, envelope.payload, "goaway");
  } catch (error) {
    session.fail(error as SockwireError);
    return;
  }
  session.goawayReceived(reason);
}

function onPing(session: Session, id: number): void {
  if (!session.liveness.pingReceived(Date.now())) {
    session.pingedTooOften();
    return;
  }
  session.answerPing(id);
}
