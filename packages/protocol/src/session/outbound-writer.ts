import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import {
  frameArena,
  type PendingFrame,
  pendingBytes,
  type RunOwner,
} from "../message/frame-arena.js";
import type { OutgoingFrame } from "../message/outgoing-frame.js";
import { NO_BUFFERS } from "../no-buffers.js";
import { type Deferred, deferred, rejected } from "./deferred.js";
import type { ReplayLog } from "./replay-log.js";
import type { SocketLike } from "./socket-like.js";

/** Limits of {@link OutboundWriter}. */
export interface OutboundLimits {
  /** Above this many buffered bytes `hasRoom` turns false and producers should wait. */
  sendSoftBytes: number;
  /** Above this many buffered bytes nothing more is accepted. */
  sendHardBytes: number;
  /** A socket that stays unwritable this long (ms) is stalled; 0 disables the deadline. */
  writeDeadlineMs: number;
}

/** Who hears that the socket stayed unwritable past the write deadline. */
export interface StallListener {
  writeStalled(): void;
  /** True while a stream's producer runs on this session (see `schedule`). */
  readonly producing?: boolean;
}

/**
 * Queued pieces averaging less than this are concatenated into one buffer for one write; larger
 * pieces (runs of frames encoded in the arena) go out as one vectored write without a copy.
 */
const CONCAT_BELOW_AVERAGE = 4096;
/** Never concatenate more than this in one go. */
const CONCAT_LIMIT = 1024 * 1024;
/** Past this many queued bytes the batch is flushed at once instead of at the end of the tick. */
const INLINE_FLUSH_BYTES = 256 * 1024;
/**
 * The first this-many frames of a tick leave at once instead of waiting for the end of the tick.
 * A burst (a batch of pipelined requests answered in one read, a broadcast loop) then reaches the
 * peer early, which starts working on it on its own core while we encode the rest, instead of
 * the two sides taking turns; the rest of the tick still leaves in one write. Measured on the
 * pipelined benchmark (64 requests in flight) this took round trips/s from ~120-150k to
 * ~235k; it costs at most one extra write per tick.
 */
const EARLY_FLUSH_FRAMES = 8;

/**
 * Coalesces outgoing frames: everything queued in the same tick leaves in one `socket.write()`
 * (one syscall, one TCP segment where it fits), instead of one write per message. It tracks the
 * bytes buffered on our side and in the socket, so the owner can apply the soft mark
 * (backpressure signal), the hard cap and the write deadline.
 *
 * Every frame queued in a batch shares one promise that settles when the batch is handed to the
 * socket, so a burst of sends costs one promise, not one per message.
 *
 * Frames come in two ways: as buffers of their own (`enqueue`: broadcasts, handshake and control
 * frames) or encoded in place in the frame arena (`commitFrame`). Consecutive arena frames sit
 * side by side, so they form one run that grows with each frame and joins the pending list as a
 * single view when the batch is written, or earlier (another connection claims arena space, a
 * frame of the other kind must follow it).
 */
export class OutboundWriter implements RunOwner {
  private pending: Buffer[] = NO_BUFFERS;
  private pendingBytes = 0;
  private batch: Deferred<void> | undefined;
  private scheduled = false;
  /** Whether this tick's early flush has happened (reset at the end of the tick). */
  private flushedEarly = false;

  /** Created on first wait: most connections never wait for room. */
  private roomWaiters: Deferred<void>[] | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Why sends now fail: an error, or a function building it on first use (see close()). */
  private closeReason: SockwireError | (() => SockwireError) | undefined;
  /** Bytes handed to the socket so far. */
  bytesWritten = 0;
  /** Frames handed to the socket so far. */
  framesWritten = 0;
  private queuedFrames = 0;
  /**
   * A resumable session's replay log: every batch is recorded there as it is written, so what
   * the peer has not acknowledged can be sent again on another connection.
   */
  log: ReplayLog | undefined = undefined;

  constructor(
    private readonly socket: SocketLike,
    /** Usually the session's own limits object, shared by every connection of a server. */
    private readonly limits: OutboundLimits,
    /** Told once when the socket stays unwritable past the write deadline (an object, not a
     *  closure, so an idle connection does not carry one more function and context). A resumed
     *  session takes over the writer of the connection it resumed on, and becomes its owner. */
    public owner: StallListener,
  ) {
    // Shared listener (see Session): no closure per connection.
    (socket as WriterSocket)[WRITER] = this;
    socket.on("drain", onSocketDrain);
  }

  /** Bytes queued here plus bytes the socket has not yet passed to the kernel. */
  get bufferedAmount(): number {
    return this.pendingBytes + this.socket.writableLength;
  }

  /** False above the soft mark: producers should `await waitForRoom()`. */
  get hasRoom(): boolean {
    return this.bufferedAmount < this.limits.sendSoftBytes;
  }

  /** True when `bytes` more would pass the hard cap. */
  wouldOverflow(bytes: number): boolean {
    return this.bufferedAmount + bytes > this.limits.sendHardBytes;
  }

  /**
   * Queues an encoded frame, pending in the arena or a buffer of its own; the promise resolves
   * once it is handed to the socket (one promise per batch, shared by its frames).
   */
  send(frame: OutgoingFrame): Promise<void> {
    return typeof frame === "number" ? this.commitFrame(frame) : this.enqueue(frame);
  }

  /** Queues a complete frame of its own; the promise resolves once it is handed to the socket. */
  enqueue(frame: Buffer): Promise<void> {
    if (this.closed) return rejected(this.closedError());
    frameArena.closeRunOf(this);
    this.addPiece(frame);
    return this.queued(frame.length);
  }

  /**
   * Claims the frame pending in the arena for this writer and queues it; the promise resolves
   * once it is handed to the socket.
   */
  commitFrame(frame: PendingFrame): Promise<void> {
    if (this.closed) {
      frameArena.release(frame);
      return rejected(this.closedError());
    }
    const bytes = pendingBytes(frame);
    frameArena.claim(frame, this);
    return this.queued(bytes);
  }

  /** @internal The arena closed this writer's run of frames: it joins the pending list as one view. */
  runClosed(buf: Buffer, start: number, end: number): void {
    this.addPiece(buf.subarray(start, end));
  }

  private addPiece(piece: Buffer): void {
    if (this.pending.length === 0) this.pending = [piece];
    else this.pending.push(piece);
  }

  /** Accounts for one frame just queued, flushes early or at the end of the tick as due. */
  private queued(bytes: number): Promise<void> {
    this.pendingBytes += bytes;
    this.queuedFrames++;
    this.batch ??= deferred<void>(true);
    const promise = this.batch.promise;
    if (this.pendingBytes >= INLINE_FLUSH_BYTES) this.flush();
    else if (!this.flushedEarly && this.queuedFrames >= EARLY_FLUSH_FRAMES) {
      this.flushedEarly = true;
      this.flush();
    }
    // The end-of-tick flush also resets the early flush for the next tick, so it is scheduled
    // even when this frame already left.
    if (!this.scheduled) this.schedule();
    return promise;
  }

  /**
   * Schedules the end-of-tick flush. A method of its own because its closure captures `this`:
   * in `queued` that made V8 allocate a context on every call (40 bytes per message).
   */
  private schedule(): void {
    this.scheduled = true;
    // A stream's producer makes one frame per microtask turn (each step of an async generator
    // is one): a microtask flush would write each frame alone. While one runs, the flush waits
    // for the end of the macrotask instead, so its frames leave together (a batch is still
    // written early past INLINE_FLUSH_BYTES).
    if (this.owner.producing === true) setImmediate(() => this.endOfTick());
    else queueMicrotask(() => this.endOfTick());
  }

  /** Resolves when the buffered amount is below the soft mark (at once if it already is). */
  waitForRoom(): Promise<void> {
    if (this.closed) return rejected(this.closedError());
    if (this.hasRoom) return Promise.resolve();
    const waiter = deferred<void>(true);
    if (this.roomWaiters === undefined) this.roomWaiters = [];
    this.roomWaiters.push(waiter);
    return waiter.promise;
  }

  /** Writes everything queued now. Safe to call at any time. */
  flush(): void {
    const batch = this.batch;
    frameArena.closeRunOf(this);
    if (this.pending.length === 0) {
      this.batch = undefined;
      batch?.resolve();
      return;
    }
    const frames = this.pending;
    const bytes = this.pendingBytes;
    const count = this.queuedFrames;
    this.pending = NO_BUFFERS;
    this.pendingBytes = 0;
    this.queuedFrames = 0;
    this.batch = undefined;
    const socket = this.socket;
    const log = this.log;
    log?.append(frames);
    if (this.closed || socket.destroyed || socket.writableEnded) {
      // Kept for replay, they are not lost: the session may resume on another connection.
      if (log !== undefined && !log.overflowed && !this.closed) batch?.resolve();
      else batch?.reject(this.closed ? this.closedError() : notWritable());
      return;
    }
    // Room waiters learn of room from `drain`, which a socket emits only after a write() that
    // returned false, so not when the soft mark is below the socket's high-water mark (16 KiB
    // on Node 20, 64 KiB from Node 22). A batch that may leave the soft mark reached therefore
    // asks to be told when the socket has taken it; other connections pay one comparison.
    const watch = socket.writableLength + bytes >= this.limits.sendSoftBytes;
    const ok = this.write(frames, bytes, watch ? () => this.releaseRoomWaiters() : undefined);
    this.bytesWritten += bytes;
    this.framesWritten += count;
    if (!ok) this.armStallTimer();
    batch?.resolve();
    // The batch left this queue: the buffered amount may be below the soft mark already.
    this.releaseRoomWaiters();
  }

  /**
   * Hands one batch to the socket: a single piece as it is, many small ones concatenated, large
   * ones (runs of arena frames) as one vectored write.
   *
   * A socket that already has a backlog keeps what it is given until the peer reads it. Pieces
   * that are views into a larger buffer (a run in the 64 KiB frame arena, a broadcast frame) would
   * then hold the whole buffer for their few bytes, for as long as the peer stalls: one stalled
   * connection with a frame in each of many arena buffers could pin all of them. So a backlogged
   * socket gets a copy, which is cheap next to waiting on that peer anyway.
   *
   * `written` runs once the socket has passed the whole batch on (its last write's callback).
   */
  private write(
    frames: readonly Buffer[],
    bytes: number,
    written: (() => void) | undefined,
  ): boolean {
    const socket = this.socket;
    const backlogged = socket.writableLength > 0;
    if (frames.length === 1) {
      const frame = frames[0] as Buffer;
      return socket.write(backlogged && isView(frame) ? Buffer.from(frame) : frame, written);
    }
    if (backlogged || (bytes <= CONCAT_LIMIT && bytes < CONCAT_BELOW_AVERAGE * frames.length)) {
      return socket.write(Buffer.concat(frames, bytes), written);
    }
    socket.cork();
    let ok = true;
    const last = frames.length - 1;
    for (let i = 0; i < last; i++) ok = socket.write(frames[i] as Buffer) && ok;
    ok = socket.write(frames[last] as Buffer, written) && ok;
    socket.uncork();
    return ok;
  }

  /**
   * Fails queued and future sends with `error` and releases waiters and timers. `error` may be a
   * function that builds it: a connection that closes with nothing queued (the common case) then
   * never pays for an error object and its stack capture (~2.5 µs each).
   */
  close(error: SockwireError | (() => SockwireError)): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = error;
    this.clearStallTimer();
    this.pending = NO_BUFFERS;
    frameArena.dropRunOf(this);
    this.pendingBytes = 0;
    this.queuedFrames = 0;
    if (this.batch) this.batch.reject(this.closedError());
    this.batch = undefined;
    const waiters = this.roomWaiters;
    this.roomWaiters = undefined;
    if (waiters !== undefined && waiters.length > 0) {
      const reason = this.closedError();
      for (const waiter of waiters) waiter.reject(reason);
    }
  }

  /**
   * The link is lost but the session lives on (resumable): what is queued goes to the replay log
   * instead of the socket, waiting sends resolve (their frames are kept), and the writer stops.
   */
  abandon(): void {
    if (this.closed) return;
    frameArena.closeRunOf(this);
    if (this.pending.length > 0) this.log?.append(this.pending);
    this.closed = true;
    this.clearStallTimer();
    this.pending = NO_BUFFERS;
    this.pendingBytes = 0;
    this.queuedFrames = 0;
    this.batch?.resolve();
    this.batch = undefined;
    const waiters = this.roomWaiters;
    this.roomWaiters = undefined;
    for (const waiter of waiters ?? []) waiter.resolve();
    (this.socket as WriterSocket)[WRITER] = undefined;
  }

  private closedError(): SockwireError {
    if (typeof this.closeReason === "function") this.closeReason = this.closeReason();
    return this.closeReason ?? notWritable();
  }

  private endOfTick(): void {
    this.scheduled = false;
    this.flushedEarly = false;
    this.flush();
  }

  /** @internal Called by the shared `drain` listener. */
  onDrain(): void {
    this.clearStallTimer();
    this.releaseRoomWaiters();
  }

  /** Resolves the room waiters if the buffered amount is below the soft mark. */
  private releaseRoomWaiters(): void {
    if (this.roomWaiters === undefined || !this.hasRoom) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = undefined;
    for (const waiter of waiters) waiter.resolve();
  }

  private armStallTimer(): void {
    if (this.stallTimer || this.limits.writeDeadlineMs <= 0) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.socket.writableLength > 0) this.owner.writeStalled();
    }, this.limits.writeDeadlineMs);
  }

  private clearStallTimer(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }
}

const WRITER = Symbol("sockwire.writer");
type WriterSocket = SocketLike & { [WRITER]?: OutboundWriter | undefined };

function onSocketDrain(this: WriterSocket): void {
  this[WRITER]?.onDrain();
}

/** True for a buffer that is a part of a larger backing store (which keeping it keeps alive). */
function isView(buf: Buffer): boolean {
  return buf.byteLength !== buf.buffer.byteLength;
}

function notWritable(): SockwireError {
  return new SockwireError(ErrorCode.CONNECTION_CLOSED, "the socket is no longer writable");
}
