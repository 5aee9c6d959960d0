import { noop } from "./deferred.js";
import type { InboundReader, InboundSink } from "./inbound-reader.js";
import type { HeartbeatSettings, Liveness } from "./liveness.js";
import type { StallListener } from "./outbound-writer.js";
import type { ResumeState } from "./resume-state.js";
import type { SessionOutput } from "./session-output.js";
import { retarget, type SocketOwner } from "./session-socket.js";
import type { CloseInfo, SessionHooks, SessionState } from "./session-types.js";
import type { SocketLike } from "./socket-like.js";

/**
 * A resumable session's links (PROTOCOL.md 8.6). A link is a socket with the reader and writer
 * made for it. When it is lost the session detaches: what is still queued joins the replay log,
 * and the session waits, with its requests, rooms and handlers, for a new link. The new link
 * comes from a new connection whose handshake was read by a session of its own: the resumed
 * session takes over that socket, its reader (with whatever followed the handshake in the same
 * read) and its writer, and sends again what the peer did not receive.
 */

/** The parts of a session its links are made of; it reads and writes on them. */
export interface LinkHolder extends SocketOwner, InboundSink, StallListener {
  state: SessionState;
  socket: SocketLike;
  reader: InboundReader;
  readonly output: SessionOutput;
  readonly liveness: Liveness;
  readonly resume: ResumeState | undefined;
  readonly hooks: SessionHooks;
  /** Round trips being measured are abandoned with the link. */
  clearPings(): void;
}

/** The session `from` gives its link away and ends quietly (it was only a handshake). */
export interface LinkDonor extends LinkHolder {
  handedOver(): void;
}

/**
 * Detaches `session` from its lost link: the socket is let go of (its late events reach nobody)
 * and destroyed, queued output joins the replay log, and the owner hears why.
 */
export function detachLink(session: LinkHolder, info: CloseInfo): void {
  session.state = "detached";
  const socket = session.socket;
  retarget(socket, undefined);
  session.output.writer.abandon();
  if (!socket.destroyed) socket.destroy();
  session.reader.discard();
  session.resume?.linkLost();
  session.clearPings();
  session.hooks.detached?.(info);
}

/**
 * Moves `donor`'s link to `session`, which becomes open on it with the limits and heartbeat of
 * the new handshake. Nothing is sent yet: the owner sends its handshake answer first, then
 * {@link replayFrom}.
 */
export function takeLink(
  session: LinkHolder,
  donor: LinkDonor,
  peerMaxFrameBytes: number,
  heartbeat: HeartbeatSettings,
): void {
  const { socket, reader } = donor;
  const writer = donor.output.writer;
  donor.handedOver();
  session.socket = socket;
  retarget(socket, session);
  session.reader = reader;
  reader.retarget(session, session.liveness);
  session.output.writer = writer;
  writer.owner = session;
  writer.log = session.resume?.log;
  session.output.peerMaxFrameBytes = peerMaxFrameBytes;
  session.liveness.setHeartbeat(heartbeat);
  session.liveness.received(Date.now());
  session.state = "open";
}

/**
 * Whether the replay log can supply what the peer has not received, the peer having received
 * `wireCount` of our sequenced frames (modulo 2^32, as the handshake carries it).
 */
export function canReplayFrom(session: LinkHolder, wireCount: number): boolean {
  const log = session.resume?.log;
  return log?.canServe(log.fromWire(wireCount)) === true;
}

/** Sends again, on the new link, every kept frame after the peer's `wireCount`. */
export function replayFrom(session: LinkHolder, wireCount: number): boolean {
  const log = session.resume?.log;
  if (log === undefined) return false;
  const pieces = log.takeFrom(log.fromWire(wireCount));
  if (pieces === undefined) return false;
  const writer = session.output.writer;
  for (const piece of pieces) writer.enqueue(piece).catch(noop);
  return true;
}
