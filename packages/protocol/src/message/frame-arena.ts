/**
 * The frame arena: one buffer per process that outgoing frames are encoded straight into, so a
 * message costs no buffer of its own and no copy into a batch. Frames are only ever appended;
 * a region once claimed is never written again, so views of it (queued in an outbound writer,
 * held by a socket until the kernel takes them) stay valid. When the buffer fills, a new one
 * replaces it and the old one lives on only as long as views of it do.
 *
 * Why one arena for all connections rather than a batch buffer per connection: nothing stays
 * allocated per idle connection, and no connection pays a fresh allocation at the start of every
 * tick. Consecutive frames claimed by one owner (an outbound writer) are adjacent, so they form
 * one open run that becomes a single view when it closes: when another owner claims a frame,
 * when the buffer is replaced, or when the owner asks (before it writes). The arena, not each
 * writer, remembers the one open run, so an idle connection carries no field for it.
 *
 * What it costs: a frame is encoded before anyone decides whether to send it, so it is held as a
 * {@link PendingFrame} that must be claimed (`claim`, `take`) or released before the next frame
 * is encoded. The type makes the handle impossible to forge outside this module, and each handle
 * carries (the low bits of) the number of the encoding that made it: claiming a stale one
 * (another frame was encoded since, over its bytes) throws instead of sending the wrong bytes.
 */

declare const pendingFrame: unique symbol;

/**
 * A frame just encoded in the arena and not yet claimed: its size in bytes, tagged with the
 * encoding that made it. Only this module makes one (through {@link FrameArena.pending}).
 */
export type PendingFrame = number & { readonly [pendingFrame]: true };

/** Whoever claims arena frames: told when its open run closes, with the run's bytes. */
export interface RunOwner {
  runClosed(buf: Buffer, start: number, end: number): void;
}

/**
 * Size of each arena buffer. Large enough that replacing it is rare (one allocation per ~1,000
 * small messages), small enough that the views a slow connection keeps queued pin little memory.
 */
export const ARENA_BYTES = 64 * 1024;

/**
 * A handle is the frame's size times 16 plus the low 4 bits of its encoding's number, so that it
 * stays a small integer (a frame is at most 64 MiB + 16 bytes, so the handle stays below 2^31):
 * a handle that was a double cost a heap number per message and slower arithmetic on the hot
 * path. Four bits catch the stale claims that can happen (a frame claimed after the next one was
 * encoded); `hasPending` catches a second claim of the same frame.
 */
const SERIAL_BITS = 16;

const NO_ARENA = Buffer.alloc(0);

/** See the module comment. One instance per process: {@link frameArena}. */
export class FrameArena {
  /** The current buffer; empty until the first frame. */
  private buf: Buffer = NO_ARENA;
  /** Bytes of `buf` claimed so far; the next frame is encoded at this offset. */
  private used = 0;
  /**
   * True while a frame is being encoded. Encoding can run application code (a getter, `toJSON`,
   * a custom codec) that sends a message itself; that nested send must not write into the region
   * the outer one is filling, so it encodes into a buffer of its own.
   */
  private busy = false;
  /** Number of the last encoding; a pending handle is valid while it matches. */
  private serial = 0;
  /** Whether the last encoding's frame is still unclaimed. */
  private hasPending = false;
  /** Who claimed the frames from `runStart` to `used`, the open run; undefined when none. */
  private runOwner: RunOwner | undefined;
  private runStart = 0;

  /** Starts an encoding; false when one is already under way further up the stack. */
  begin(): boolean {
    if (this.busy) return false;
    this.busy = true;
    return true;
  }

  /** Ends the encoding started by {@link begin}, whether it succeeded or threw. */
  end(): void {
    this.busy = false;
  }

  /** Where the next frame starts in {@link room}'s buffer. */
  get offset(): number {
    return this.used;
  }

  /**
   * Makes sure at least `bytes` are free at {@link offset} and returns the arena buffer, replacing
   * it with a new one (at least `bytes` long) when the current one has less room. A buffer made
   * larger than {@link ARENA_BYTES} holds one frame only: it is replaced at the next call, so one
   * large message never keeps a large arena alive for the small ones after it.
   */
  room(bytes: number): Buffer {
    if (this.buf.length - this.used >= bytes && this.buf.length <= ARENA_BYTES) return this.buf;
    this.closeOpenRun();
    this.buf = Buffer.allocUnsafeSlow(Math.max(ARENA_BYTES, bytes));
    this.used = 0;
    return this.buf;
  }

  /** The current buffer, where the frame being encoded is written. */
  get buffer(): Buffer {
    return this.buf;
  }

  /**
   * Bytes that can be written at {@link offset} without {@link room} replacing the buffer: none
   * in a buffer made for one large frame (see {@link room}) or before the first frame.
   */
  get free(): number {
    return this.buf.length <= ARENA_BYTES ? this.buf.length - this.used : 0;
  }

  /** The handle for the `bytes`-byte frame just written at {@link offset}. */
  pending(bytes: number): PendingFrame {
    const serial = (this.serial + 1) & (SERIAL_BITS - 1);
    this.serial = serial;
    this.hasPending = true;
    return (bytes * SERIAL_BITS + serial) as PendingFrame;
  }

  /**
   * Claims `frame` for `owner`: it extends the owner's open run, or closes the previous owner's
   * run and starts a new one.
   */
  claim(frame: PendingFrame, owner: RunOwner): void {
    const bytes = this.settle(frame);
    if (this.runOwner !== owner) {
      this.closeOpenRun();
      this.runOwner = owner;
      this.runStart = this.used;
    }
    this.used += bytes;
  }

  /** Claims `frame` as a buffer of its own (a view), for a frame many writers share. */
  take(frame: PendingFrame): Buffer {
    const bytes = this.settle(frame);
    this.closeOpenRun();
    const at = this.used;
    this.used = at + bytes;
    return this.buf.subarray(at, at + bytes);
  }

  /**
   * Says `frame` will not be sent (it was refused): its bytes are left to be overwritten, and a
   * buffer made for that frame alone is let go now rather than at the next encoding.
   */
  release(frame: PendingFrame): void {
    this.settle(frame);
    if (this.buf.length > ARENA_BYTES && this.used === 0) this.buf = NO_ARENA;
  }

  /** Closes the open run if `owner` has it (before the owner writes, or queues other frames). */
  closeRunOf(owner: RunOwner): void {
    if (this.runOwner === owner) this.closeOpenRun();
  }

  /** Forgets `owner`'s open run without telling it (its frames will never be sent). */
  dropRunOf(owner: RunOwner): void {
    if (this.runOwner === owner) this.runOwner = undefined;
  }

  /** Checks that `frame` is the frame last encoded and still unclaimed; returns its size. */
  private settle(frame: PendingFrame): number {
    if (!this.hasPending || (frame & (SERIAL_BITS - 1)) !== this.serial) {
      throw new Error("a stale arena frame was claimed or released (encoded over since)");
    }
    this.hasPending = false;
    return frame >>> 4;
  }

  private closeOpenRun(): void {
    const owner = this.runOwner;
    if (owner === undefined) return;
    this.runOwner = undefined;
    owner.runClosed(this.buf, this.runStart, this.used);
  }
}

/** The size in bytes of a pending frame. */
export function pendingBytes(frame: PendingFrame): number {
  return frame >>> 4;
}

/** The process's one arena. */
export const frameArena = new FrameArena();
