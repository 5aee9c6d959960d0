import {
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_RETAINED_CHUNKS,
  FRAME_PREFIX_BYTES,
  MAX_FRAME_BYTES_LIMIT,
} from "../constants.js";
import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { NO_BUFFERS } from "../no-buffers.js";
import { readU32 } from "./u32.js";

/** Options of {@link FrameReader} (and of the public `FrameDecoder` built on it). */
export interface FrameReaderOptions {
  /** Largest frame body accepted, in bytes. Default 1 MiB, at most 64 MiB. */
  maxFrameBytes?: number | undefined;
  /**
   * Chunks kept for one partial frame before they are merged into a single buffer, so a peer
   * trickling one byte per packet cannot make the list grow without bound. Default 1024.
   */
  maxRetainedChunks?: number | undefined;
}

/** Where the reader is: waiting for a length prefix, for a body of known size, or dead. */
export type FrameReaderState = "header" | "body" | "errored";

/**
 * Reads a frame body where it lies, `bytes[start..end)`, and returns what it makes of it, or
 * `undefined` to skip the frame. Throws a {@link SockwireError} for a body that breaks its
 * format: the reader records it as its terminal error.
 */
export type BodyReader<T> = (bytes: Buffer, start: number, end: number) => T | undefined;

/**
 * Streaming reader of length-prefixed frames: a 4-byte unsigned big-endian length, then that many
 * body bytes. It knows bytes only (what a body holds is the envelope layer's business: see
 * `FrameDecoder`) and is pure (no sockets, timers or events), so it can be driven byte by byte.
 *
 * Chunks are kept in a list as they arrive and consumed in place: a body that lies inside one
 * chunk is returned as a view without copying; only a body spanning chunks is copied, once, at its
 * known length. The declared length is checked against the limit the moment the prefix is
 * complete, before anything of the body is buffered or allocated.
 *
 * Each call to {@link next} has one outcome: a frame body, `undefined` because more bytes are
 * needed, or `undefined` with {@link error} set. The first error is terminal: the decoder drops
 * everything it holds and ignores later input.
 *
 * ```
 *   push(chunk) ──► chunks[] ──► next():  header ──(4 bytes)──► body(n) ──(n bytes)──► frame
 *                                           │ n > max                                  │
 *                                           └────────► errored ◄── end() mid-frame ────┘
 * ```
 *
 * @example
 * ```ts
 * const reader = new FrameReader({ maxFrameBytes: 1024 * 1024 });
 * socket.on("data", (chunk) => {
 *   reader.push(chunk);
 *   for (let body = reader.next(); body; body = reader.next()) handle(body);
 *   if (reader.error) socket.destroy(reader.error);
 * });
 * ```
 */
export class FrameReader {
  readonly maxFrameBytes: number;
  readonly maxRetainedChunks: number;
  private chunks: Buffer[] = NO_BUFFERS;
  /** Read position inside chunks[0]. */
  private offset = 0;
  private buffered = 0;
  /** Body length being waited for, or -1 while reading a prefix. */
  private need = -1;
  private failure: SockwireError | undefined;
  /**
   * After a merge: the buffer the last chunk is a view of, with spare room at its end. Small
   * chunks that fit are copied into the room instead of being listed, so a trickling peer costs
   * linear copying (the room doubles from one merge to the next) rather than one merge per
   * `maxRetainedChunks` chunks of the whole backlog.
   */
  private spill: Buffer | undefined;
  /** Bytes of `spill` written so far. */
  private spillUsed = 0;
  /** Where the view that is the last chunk starts inside `spill`. */
  private spillStart = 0;

  constructor(options: FrameReaderOptions = {}) {
    this.maxFrameBytes = checkLimit(
      "maxFrameBytes",
      options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      0,
      MAX_FRAME_BYTES_LIMIT,
    );
    this.maxRetainedChunks = checkLimit(
      "maxRetainedChunks",
      options.maxRetainedChunks ?? DEFAULT_MAX_RETAINED_CHUNKS,
      2,
      1 << 20,
    );
  }

  /** Current state; see the diagram in the class comment. */
  get state(): FrameReaderState {
    if (this.failure) return "errored";
    return this.need < 0 ? "header" : "body";
  }

  /** The terminal error, once there is one. */
  get error(): SockwireError | undefined {
    return this.failure;
  }

  /** Bytes received and not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Chunks currently held (bounded by `maxRetainedChunks`). */
  get retainedChunks(): number {
    return this.chunks.length;
  }

  /**
   * True when part of a frame has arrived and the rest has not: some bytes are held, or a length
   * prefix has been read and its body has not started yet.
   */
  get hasPartialFrame(): boolean {
    // Both comparisons run on every call. Behind `||`, the second ran only when no bytes were
    // held, which in a stream of full reads almost never happens: it had no type feedback when V8
    // optimized the receive loop that inlines this, and the optimized loop then went back to the
    // interpreter each time it did run (dozens to hundreds of times in a run of 12 x 200,000
    // messages).
    const held = this.buffered > 0;
    const prefixRead = this.need >= 0;
    return held || prefixRead;
  }

  /** Adds received bytes. Never throws; empty chunks are ignored; input after an error is dropped. */
  push(chunk: Buffer): void {
    if (this.failure || chunk.length === 0) return;
    this.buffered += chunk.length;
    const spill = this.spill;
    if (spill !== undefined && chunk.length <= spill.length - this.spillUsed) {
      spill.set(chunk, this.spillUsed);
      if (this.chunks.length === 0) this.spillStart = this.spillUsed;
      this.spillUsed += chunk.length;
      const view = spill.subarray(this.spillStart, this.spillUsed);
      if (this.chunks.length === 0) this.chunks = [view];
      else this.chunks[this.chunks.length - 1] = view;
      return;
    }
    this.spill = undefined;
    if (this.chunks.length === 0) this.chunks = [chunk];
    else this.chunks.push(chunk);
    if (this.chunks.length > this.maxRetainedChunks) this.merge();
  }

  /** Returns the next complete frame body, or `undefined` (need more bytes, or errored). */
  next(): Buffer | undefined {
    if (!this.bodyReady()) return undefined;
    const body = this.consume(this.need);
    this.need = -1;
    return body;
  }

  /**
   * Hands the next complete frame body to `read` where it lies and returns what `read` returns,
   * or `undefined` (need more bytes, or errored). A body that lies inside one chunk is read in
   * place, with no view made for it; one that spans chunks is copied once. Bodies `read` skips
   * (returns `undefined` for) are consumed and the next one is tried. What `read` throws becomes
   * the reader's terminal error, like a bad length prefix.
   *
   * @example
   * ```ts
   * reader.push(chunk);
   * for (let env = reader.nextWith(parseEnvelopeAt); env; env = reader.nextWith(parseEnvelopeAt)) route(env);
   * ```
   */
  nextWith<T>(read: BodyReader<T>): T | undefined {
    while (this.bodyReady()) {
      const n = this.need;
      this.need = -1;
      const head = this.chunks[0];
      let value: T | undefined;
      try {
        if (head !== undefined && head.length - this.offset >= n) {
          const start = this.offset;
          this.skip(n);
          value = read(head, start, start + n);
        } else {
          value = read(this.consume(n), 0, n);
        }
      } catch (error) {
        this.fail(error as SockwireError);
        return undefined;
      }
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /**
   * Reads a length prefix if one is due (failing on one over the limit) and reports whether the
   * whole body it announces is buffered.
   */
  private bodyReady(): boolean {
    if (this.failure) return false;
    if (this.need < 0) {
      if (this.buffered < FRAME_PREFIX_BYTES) return false;
      const length = this.readPrefix();
      if (length > this.maxFrameBytes) {
        this.fail(
          new SockwireError(
            ErrorCode.FRAME_TOO_LARGE,
            `frame of ${length} bytes exceeds the receive limit of ${this.maxFrameBytes} bytes`,
            { details: { length, limit: this.maxFrameBytes } },
          ),
        );
        return false;
      }
      this.need = length;
    }
    return this.buffered >= this.need;
  }

  /**
   * Signals the end of the stream; call it once {@link next} has returned `undefined`. Returns
   * (and records) `ERR_FRAME_TRUNCATED` when a frame was only partly received, including a length
   * prefix whose body never started, else the existing error or `undefined`.
   */
  end(): SockwireError | undefined {
    if (!this.failure && this.hasPartialFrame) {
      const where = this.need < 0 ? "length prefix" : "frame body";
      this.fail(
        new SockwireError(ErrorCode.FRAME_TRUNCATED, `stream ended inside a ${where}`, {
          details: { bufferedBytes: this.buffered },
        }),
      );
    }
    return this.failure;
  }

  private fail(error: SockwireError): void {
    this.failure = error;
    this.chunks = NO_BUFFERS;
    this.offset = 0;
    this.buffered = 0;
    this.need = -1;
    this.spill = undefined;
  }

  /** Reads and consumes the 4-byte prefix, which may straddle chunks. */
  private readPrefix(): number {
    const head = this.chunks[0] as Buffer;
    const at = this.offset;
    if (head.length - at >= FRAME_PREFIX_BYTES) {
      // Buffer#readUInt32BE would re-check bounds and types that are known here.
      const length = readU32(head, at);
      this.skip(FRAME_PREFIX_BYTES);
      return length;
    }
    return readU32(this.consume(FRAME_PREFIX_BYTES), 0);
  }

  private skip(n: number): void {
    const head = this.chunks[0] as Buffer;
    this.offset += n;
    this.buffered -= n;
    if (this.offset === head.length) {
      // The shared empty list rather than shifting the last chunk out: the old list's backing
      // store (room for 17 chunks after the first push) would otherwise stay with every idle
      // connection.
      if (this.chunks.length === 1) this.chunks = NO_BUFFERS;
      else this.chunks.shift();
      this.offset = 0;
    }
  }

  /** Takes `n` buffered bytes: a view when they lie in one chunk, one copy when they span. */
  private consume(n: number): Buffer {
    const head = this.chunks[0];
    if (n === 0 || head === undefined) return Buffer.alloc(0);
    if (head.length - this.offset >= n) {
      const view = head.subarray(this.offset, this.offset + n);
      this.skip(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    while (written < n) {
      const chunk = this.chunks[0] as Buffer;
      const take = Math.min(chunk.length - this.offset, n - written);
      chunk.copy(out, written, this.offset, this.offset + take);
      written += take;
      this.skip(take);
    }
    return out;
  }

  /**
   * Collapses the chunk list into one buffer so a trickling peer cannot grow the list without
   * bound. The new buffer has room for as many bytes again (up to one whole frame), which later
   * small chunks fill by copy; merges therefore copy each byte O(1) times on average.
   */
  private merge(): void {
    const total = this.buffered;
    const capacity = Math.max(
      total,
      Math.min(Math.max(total * 2, MIN_SPILL_BYTES), this.maxFrameBytes + FRAME_PREFIX_BYTES),
    );
    const spill = Buffer.allocUnsafe(capacity);
    let at = 0;
    for (let i = 0; i < this.chunks.length; i++) {
      const chunk = this.chunks[i] as Buffer;
      const from = i === 0 ? this.offset : 0;
      spill.set(from === 0 ? chunk : chunk.subarray(from), at);
      at += chunk.length - from;
    }
    this.chunks = [spill.subarray(0, total)];
    this.offset = 0;
    this.spill = spill;
    this.spillStart = 0;
    this.spillUsed = total;
  }
}

/** Smallest merge buffer: merging is rare, so a few KiB of slack costs nothing. */
const MIN_SPILL_BYTES = 16 * 1024;

function checkLimit(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SockwireError(
      ErrorCode.INVALID_ARGUMENT,
      `${name} must be an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}
