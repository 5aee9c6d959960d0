/**
 * The frame arena: one buffer per process that outgoing frames are encoded straight into, so a
 * message costs no buffer of its own and no copy into a batch. Frames are only ever appended
 * (`used` grows); a region once claimed is never written again, so views of it (queued in an
 * outbound writer, held by a socket until the kernel takes them) stay valid. When the buffer
 * fills, a new one replaces it and the old one lives on only as long as views of it do.
 *
 * Why one arena for all connections rather than a batch buffer per connection: nothing stays
 * allocated per idle connection, and no connection pays a fresh allocation at the start of every
 * tick. Consecutive frames claimed by one owner (an outbound writer) are adjacent, so they form
 * one open run that becomes a single view when it closes: when another owner claims a frame,
 * when the buffer is replaced, or when the owner asks (before it writes). The arena, not each
 * writer, remembers the one open run, so an idle connection carries no field for it.
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
  /** Who claimed the frames from `runStart` to `used`, the open run; undefined when none. */
  runOwner: RunOwner | undefined;
  runStart: number;
}

/** Whoever claims arena frames: told when its open run closes, with the run's bytes. */
export interface RunOwner {
  runClosed(buf: Buffer, start: number, end: number): void;
}

/**
 * Size of each arena buffer. Large enough that replacing it is rare (one allocation per ~1,000
 * small messages), small enough that the views a slow connection keeps queued pin little memory.
 */
export const ARENA_BYTES = 64 * 1024;

const NO_ARENA = Buffer.alloc(0);

export const arena: FrameArena = {
  buf: NO_ARENA,
  used: 0,
  busy: false,
  runOwner: undefined,
  runStart: 0,
};

/**
 * Makes sure at least `bytes` are free at `arena.used` and returns the arena buffer, replacing it
 * with a new one (at least `bytes` long) when the current one has less room. A buffer made larger
 * than {@link ARENA_BYTES} holds one frame only: it is replaced at the next call, so one large
 * message never keeps a large arena alive for the small ones after it.
 */
export function arenaRoom(bytes: number): Buffer {
  if (arena.buf.length - arena.used >= bytes && arena.buf.length <= ARENA_BYTES) return arena.buf;
  closeOpenRun();
  arena.buf = Buffer.allocUnsafeSlow(Math.max(ARENA_BYTES, bytes));
  arena.used = 0;
  return arena.buf;
}

/**
 * Says that the frame just encoded at `arena.used` will not be claimed (it was refused): a buffer
 * made for that frame alone is let go now rather than at the next encoding.
 */
export function releaseArenaFrame(): void {
  if (arena.buf.length > ARENA_BYTES && arena.used === 0) arena.buf = NO_ARENA;
}

/** Claims the `bytes` at `arena.used` for a frame that is kept as a buffer of its own (a view). */
export function takeArenaFrame(bytes: number): Buffer {
  closeOpenRun();
  const at = arena.used;
  arena.used = at + bytes;
  return arena.buf.subarray(at, at + bytes);
}

/**
 * Claims the `bytes` at `arena.used` for `owner`: the frame extends the owner's open run, or the
 * open run of someone else closes and the owner's starts here.
 */
export function claimArenaFrame(owner: RunOwner, bytes: number): void {
  if (arena.runOwner !== owner) {
    closeOpenRun();
    arena.runOwner = owner;
    arena.runStart = arena.used;
  }
  arena.used += bytes;
}

/** Closes the open run if `owner` has it (before the owner writes, or queues other frames). */
export function closeRunOf(owner: RunOwner): void {
  if (arena.runOwner === owner) closeOpenRun();
}

/** Forgets `owner`'s open run without telling it (its frames will never be sent). */
export function dropRunOf(owner: RunOwner): void {
  if (arena.runOwner === owner) arena.runOwner = undefined;
}

function closeOpenRun(): void {
  const owner = arena.runOwner;
  if (owner === undefined) return;
  arena.runOwner = undefined;
  owner.runClosed(arena.buf, arena.runStart, arena.used);
}
