/**
 * The frame arena: one buffer per process that outgoing frames are encoded straight into, so a
 * message costs no buffer of its own and no copy into a batch. Frames are only ever appended
 * (`used` grows); a region once claimed is never written again, so views of it (queued in an
 * outbound writer, held by a socket until the kernel takes them) stay valid. When the buffer
 * fills, a new one replaces it and the old one lives on only as long as views of it do.
 *
 * Why one arena for all connections rather than a batch buffer per connection: nothing stays
 * allocated per idle connection, and no connection pays a fresh allocation at the start of every
 * tick. Consecutive frames of one connection are adjacent in the arena, so a writer keeps them
 * as one growing view (see OutboundWriter); frames interleaved with other connections' simply
 * start a new view.
 */
export interface FrameArena {
  /** The current buffer; empty until the first frame. */
  buf: Buffer;
  /** Bytes of `buf` claimed so far; the next frame is encoded at this offset. */
  used: number;
  /**
   * True while a frame is being encoded into the arena. Encoding can run application code (a
   * getter, `toJSON`, a custom codec) that sends a message itself; that nested send must not
   * write into the region the outer one is filling, so it encodes into a buffer of its own.
   */
  busy: boolean;
}

/**
 * Size of each arena buffer. Large enough that replacing it is rare (one allocation per ~1,000
 * small messages), small enough that the views a slow connection keeps queued pin little memory.
 */
export const ARENA_BYTES = 64 * 1024;

export const arena: FrameArena = { buf: Buffer.alloc(0), used: 0, busy: false };

/**
 * Makes sure at least `bytes` are free at `arena.used` and returns the arena buffer, replacing it
 * with a new one (at least `bytes` long) when the current one has less room.
 */
export function arenaRoom(bytes: number): Buffer {
  if (arena.buf.length - arena.used >= bytes) return arena.buf;
  arena.buf = Buffer.allocUnsafeSlow(Math.max(ARENA_BYTES, bytes));
  arena.used = 0;
  return arena.buf;
}

/** Claims the `bytes` at `arena.used` for a frame that is kept as a buffer of its own (a view). */
export function takeArenaFrame(bytes: number): Buffer {
  const at = arena.used;
  arena.used = at + bytes;
  return arena.buf.subarray(at, at + bytes);
}
