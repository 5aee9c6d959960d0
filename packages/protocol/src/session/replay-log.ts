import { FRAME_PREFIX_BYTES } from "../constants.js";
import { isStreamKind, Kind } from "../envelope/kinds.js";
import { NO_BUFFERS } from "../no-buffers.js";

/**
 * The frames a session has sent and the peer has not yet acknowledged, kept so that a resumed
 * session can send them again (PROTOCOL.md 8.6). Only **sequenced** frames are kept and counted:
 * events, requests, responses, errors answering a request, and cancels, the frames a receiver
 * counts. Control frames (pings, pongs, acks, goaway) are not: replaying a burst of old pings
 * would look like ping abuse to the peer.
 *
 * Counts are plain numbers that only grow (a session would need 2^53 frames to overflow them);
 * the wire carries them modulo 2^32, and {@link ReplayLog.fromWire} maps a wire count back onto
 * ours, which is unambiguous while fewer than 2^31 frames are unacknowledged.
 *
 * Pieces are kept as given (views of the frame arena while the link is up, for at most a round
 * trip or so); {@link ReplayLog.compact} copies them into one buffer of their own when the link
 * is lost, so a detached session pins no arena buffer.
 */
export class ReplayLog {
  /** The shared empty list until something is kept: most of the time nothing is unacknowledged. */
  private pieces: Buffer[] = NO_BUFFERS;
  private keptBytes = 0;
  /** Sequenced frames handed to the log so far. */
  private sentCount = 0;
  /** Sequenced frames the peer has acknowledged. */
  private ackedCount = 0;
  /**
   * Frames before this count may be missing: a limit was passed and what was kept was dropped.
   * Until the peer acknowledges past it, the log cannot serve a resume.
   */
  private missingUntil = 0;

  constructor(
    /** Most unacknowledged bytes kept. */
    private readonly maxBytes: number,
    /** Most unacknowledged frames kept. */
    private readonly maxFrames: number,
  ) {}

  /** Sequenced frames sent so far. */
  get sent(): number {
    return this.sentCount;
  }

  /** Sequenced frames the peer has acknowledged so far. */
  get acked(): number {
    return this.ackedCount;
  }

  /** Bytes kept for replay. */
  get bytes(): number {
    return this.keptBytes;
  }

  /** Frames sent and not yet acknowledged. */
  get unacked(): number {
    return this.sentCount - this.ackedCount;
  }

  /**
   * True while frames the peer has not acknowledged were dropped (a limit was passed): the
   * session cannot be resumed now. It recovers once the peer acknowledges past them.
   */
  get overflowed(): boolean {
    return this.ackedCount < this.missingUntil;
  }

  /**
   * Records a batch about to be written (whole frames, in order): the sequenced frames in it are
   * counted and kept. Past a limit what is kept is dropped (`overflowed` until the peer has
   * acknowledged it), but counting goes on, so the acknowledgements stay meaningful.
   */
  append(batch: readonly Buffer[]): void {
    for (const piece of batch) this.appendPiece(piece);
  }

  /**
   * The peer acknowledged `count` sequenced frames (a full count, see {@link fromWire}): the
   * frames up to there are dropped. Returns false for a count that is not between what was
   * acknowledged before and what was sent (a stale or impossible acknowledgement).
   */
  ack(count: number): boolean {
    if (count < this.ackedCount || count > this.sentCount) return false;
    // The kept frames start at the later of what was acknowledged and what was dropped.
    let drop = count - Math.max(this.ackedCount, this.missingUntil);
    this.ackedCount = count;
    while (drop > 0 && this.pieces.length > 0) {
      const piece = this.pieces[0] as Buffer;
      const { frames, end } = skipSequenced(piece, drop);
      if (end >= piece.length) {
        this.pieces.shift();
        this.keptBytes -= piece.length;
      } else {
        this.pieces[0] = piece.subarray(end);
        this.keptBytes -= end;
      }
      drop -= frames;
    }
    if (this.pieces.length === 0) this.pieces = NO_BUFFERS;
    return true;
  }

  /**
   * Takes out what the peer has not received, for a resumed session to send again: the peer said
   * it received `count` frames. The log then starts afresh from there (what is sent again is
   * appended again as it is written). Returns undefined when the log cannot supply them (it
   * overflowed, or `count` is not between what was acknowledged and what was sent).
   */
  takeFrom(count: number): Buffer[] | undefined {
    if (count < this.missingUntil || !this.ack(count)) return undefined;
    const out = this.pieces;
    this.pieces = NO_BUFFERS;
    this.keptBytes = 0;
    this.sentCount = this.ackedCount;
    return out;
  }

  /** Copies what is kept into one buffer of its own (the link is gone: release arena views). */
  compact(): void {
    if (this.pieces.length === 0) return;
    this.pieces = [Buffer.concat(this.pieces, this.keptBytes)];
  }

  /** Whether {@link takeFrom} can serve a peer that received `count` frames. */
  canServe(count: number): boolean {
    return count >= this.missingUntil && count >= this.ackedCount && count <= this.sentCount;
  }

  /** The full count for a count the peer sent modulo 2^32, relative to what we sent. */
  fromWire(wire: number): number {
    return this.sentCount - (((this.sentCount - wire) % 2 ** 32) >>> 0);
  }

  private appendPiece(piece: Buffer): void {
    let at = 0;
    let spanStart = -1;
    while (at + FRAME_PREFIX_BYTES < piece.length) {
      const end = at + FRAME_PREFIX_BYTES + piece.readUInt32BE(at);
      if (isSequenced(piece, at)) {
        this.sentCount++;
        if (spanStart < 0) spanStart = at;
      } else if (spanStart >= 0) {
        this.keep(piece, spanStart, at);
        spanStart = -1;
      }
      at = end;
    }
    if (spanStart >= 0) this.keep(piece, spanStart, Math.min(at, piece.length));
  }

  private keep(piece: Buffer, start: number, end: number): void {
    if (
      this.keptBytes + (end - start) > this.maxBytes ||
      this.sentCount - this.ackedCount > this.maxFrames
    ) {
      this.missingUntil = this.sentCount;
      this.pieces = NO_BUFFERS;
      this.keptBytes = 0;
      return;
    }
    const kept = start === 0 && end === piece.length ? piece : piece.subarray(start, end);
    if (this.pieces === NO_BUFFERS) this.pieces = [kept];
    else this.pieces.push(kept);
    this.keptBytes += end - start;
  }
}

/** Kinds the receiver counts (PROTOCOL.md 8.6): they are kept for replay and acknowledged. */
export function isSequencedKind(kind: number, id: number): boolean {
  switch (kind) {
    case Kind.EVENT:
    case Kind.REQUEST:
    case Kind.RESPONSE:
    case Kind.CANCEL:
      return true;
    case Kind.ERROR:
      return id !== 0;
    default:
      // Every stream frame carries the conversation (1.2).
      return isStreamKind(kind);
  }
}

/** Whether the frame at `at` (its length prefix) is sequenced. */
function isSequenced(piece: Buffer, at: number): boolean {
  const header = at + FRAME_PREFIX_BYTES;
  const kind = piece[header] as number;
  return isSequencedKind(kind, kind === Kind.ERROR ? piece.readUInt32BE(header + 2) : 0);
}

/**
 * Walks `piece` (sequenced frames only, as the log keeps them) past up to `count` frames; returns
 * how many it passed and where it stopped.
 */
function skipSequenced(piece: Buffer, count: number): { frames: number; end: number } {
  let at = 0;
  let frames = 0;
  while (frames < count && at + FRAME_PREFIX_BYTES <= piece.length) {
    at += FRAME_PREFIX_BYTES + piece.readUInt32BE(at);
    frames++;
  }
  return { frames, end: at };
}
