import { encodeEnvelope } from "../envelope/envelope.js";
import { Kind } from "../envelope/kinds.js";
import { type Deferred, deferred } from "./deferred.js";
import { ReplayLog } from "./replay-log.js";

/** Bounds of one session's replay log (PROTOCOL.md 8.6). */
export interface ResumeLimits {
  /** Most unacknowledged bytes kept for replay. */
  readonly resumeBufferBytes: number;
  /** Most unacknowledged frames kept for replay. */
  readonly resumeBufferFrames: number;
}

/** What the acknowledgement policy needs of its session. */
export interface AckHost {
  /** Queues an `ack` frame. */
  sendAck(frame: Buffer): void;
}

/**
 * Frames received before an ack is sent at once: with the default replay limits this keeps the
 * peer's log far below them at full speed.
 */
const ACK_EVERY_FRAMES = 64;
/** How long an ack of fewer frames waits, at most: one ack covers what arrives meanwhile. */
const ACK_DELAY_MS = 20;

/**
 * The state that makes a session resumable (PROTOCOL.md 8.6): what we sent and the peer has not
 * acknowledged (the replay log), what we received (the count we acknowledge), and who waits for
 * the peer's acknowledgements.
 *
 * Acknowledgements are cumulative `ack` frames carrying our received count: one once 64 frames
 * are unacknowledged, otherwise within 20 ms of the first unacknowledged one. A stream of events
 * is acknowledged about every 64 frames; request and response traffic about every 20 ms, however
 * many round trips happen meanwhile (an ack per round trip cost about a tenth of a round trip's
 * time on loopback).
 */
export class ResumeState {
  readonly log: ReplayLog;
  /** Sequenced frames received (and dispatched) so far. */
  received = 0;
  /** The count our last ack carried. */
  private ackedOut = 0;
  private ackTimer: NodeJS.Timeout | undefined;
  /** Told once when the peer next sends a sequenced frame or an ack (see {@link onPeerFrame}). */
  private peerFrameWaiter: (() => void) | undefined;
  /** Waiters of `delivered()`, each with the sent count it waits for; made on first use. */
  private waiters: { count: number; waiter: Deferred<void> }[] | undefined;

  constructor(limits: ResumeLimits) {
    this.log = new ReplayLog(limits.resumeBufferBytes, limits.resumeBufferFrames);
  }

  /**
   * Calls `callback` once, when the peer next sends a sequenced frame or an ack: proof that it
   * reads what we sent on this link (a resumed session's server learns so that the client has
   * its welcome).
   */
  onPeerFrame(callback: () => void): void {
    this.peerFrameWaiter = callback;
  }

  /** The peer sent a sequenced frame or an ack. */
  peerSent(): void {
    const waiter = this.peerFrameWaiter;
    if (waiter === undefined) return;
    this.peerFrameWaiter = undefined;
    waiter();
  }

  /** After a read: acknowledge now, or soon, what arrived since the last ack. */
  afterRead(host: AckHost): void {
    const unacked = this.received - this.ackedOut;
    if (unacked === 0) return;
    if (unacked >= ACK_EVERY_FRAMES) {
      this.sendAck(host);
      return;
    }
    if (this.ackTimer === undefined) {
      this.ackTimer = setTimeout(() => {
        this.ackTimer = undefined;
        if (this.received !== this.ackedOut) this.sendAck(host);
      }, ACK_DELAY_MS);
    }
  }

  /** The peer's ack (its count modulo 2^32): frames up to it leave the log; waiters may resolve. */
  peerAcked(wire: number): void {
    const log = this.log;
    if (!log.ack(log.fromWire(wire)) || this.waiters === undefined) return;
    const acked = log.acked;
    this.waiters = this.waiters.filter((w) => {
      if (w.count > acked) return true;
      w.waiter.resolve();
      return false;
    });
  }

  /** Resolves once the peer has acknowledged everything sent so far. */
  delivered(): Promise<void> {
    const log = this.log;
    if (log.acked >= log.sent) return Promise.resolve();
    const waiter = deferred<void>(true);
    this.waiters ??= [];
    this.waiters.push({ count: log.sent, waiter });
    return waiter.promise;
  }

  /** The link is gone: no acks until it is back; the log lets go of arena buffers. */
  linkLost(): void {
    this.stopTimer();
    this.log.compact();
  }

  /** The session ended: waiters learn that what they wait for will never be acknowledged. */
  ended(error: unknown): void {
    this.stopTimer();
    for (const w of this.waiters ?? []) w.waiter.reject(error);
    this.waiters = undefined;
  }

  /**
   * Before our FIN: acknowledges whatever arrived since the last ack, so the peer can tell at our
   * FIN whether everything it sent reached us (see {@link unacknowledged}).
   */
  finalAck(host: AckHost): void {
    if (this.received !== this.ackedOut) this.sendAck(host);
    else this.stopTimer();
  }

  /** Sequenced frames we sent that the peer has not acknowledged (yet). */
  get unacknowledged(): number {
    return this.log.sent - this.log.acked;
  }

  /** The ack frame for what we received, modulo 2^32 on the wire. */
  ackFrame(): Buffer {
    this.ackedOut = this.received;
    return encodeEnvelope({ kind: Kind.ACK, id: this.received % 2 ** 32 }, undefined);
  }

  private sendAck(host: AckHost): void {
    this.stopTimer();
    host.sendAck(this.ackFrame());
  }

  private stopTimer(): void {
    if (this.ackTimer !== undefined) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
  }
}
