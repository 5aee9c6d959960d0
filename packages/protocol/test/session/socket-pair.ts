import { Duplex } from "node:stream";

/** Options of {@link socketPair}; both ends get the same. */
export interface SocketPairOptions {
  /** Keep the writable side open after the peer's FIN, as sessions ask of their sockets. Default true. */
  allowHalfOpen?: boolean;
  /** Bytes an end buffers before `write()` returns false. Default 16 KiB, as Node's streams. */
  highWaterMark?: number;
}

/**
 * One end of an in-memory TCP connection, with the members a session uses besides the stream
 * itself (`setNoDelay`, `remoteAddress`, `remotePort`).
 *
 * What one end writes, the other reads on a later tick, as over a real socket. Between them sits
 * a "kernel" of unbounded size that takes every write at once (so `writableLength` drops to 0),
 * except while the receiving end has stopped reading ({@link stopReading}): writes then wait in
 * the writer's buffer, `write()` returns false past the high-water mark, and `drain` comes once
 * the receiver reads again. That is the backpressure of a peer that stopped reading.
 *
 * `end()` sends a FIN after everything written before it; the peer's input ends, and with
 * `allowHalfOpen` its output stays open (without it, the stream ends it). An end whose input and
 * output have both ended closes, like a socket. `destroy()` resets: the peer is destroyed too, on
 * the next tick, without an error.
 */
export class MemorySocket extends Duplex {
  /** The other end; set by {@link socketPair}. */
  peer!: MemorySocket;
  /** Every write that reached this end's "kernel", in order (a corked batch is one entry). */
  readonly writes: Buffer[] = [];
  /** The last `setNoDelay()` argument (undefined until it is called). */
  noDelay: boolean | undefined;
  private reading = true;
  /** Chunks (null: the FIN) the peer wrote while this end was not reading, with their callbacks. */
  private held: [Buffer | null, () => void][] = [];

  constructor(
    readonly remoteAddress: string,
    readonly remotePort: number,
    options: SocketPairOptions,
  ) {
    super({
      allowHalfOpen: options.allowHalfOpen ?? true,
      writableHighWaterMark: options.highWaterMark ?? 16 * 1024,
    });
  }

  /** Everything written to this end so far, as one buffer. */
  written(): Buffer {
    return Buffer.concat(this.writes);
  }

  setNoDelay(noDelay = true): this {
    this.noDelay = noDelay;
    return this;
  }

  /** This end takes nothing more from the wire until {@link startReading}: its peer backs up. */
  stopReading(): void {
    this.reading = false;
  }

  /** Takes in what waited, in order; the peer's write callbacks run and its `drain` follows. */
  startReading(): void {
    // A callback can make the peer write again at once: that chunk joins the queue behind.
    for (let next = this.held.shift(); next; next = this.held.shift()) this.deliver(...next);
    this.reading = true;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.send(Buffer.from(chunk), done);
  }

  override _writev(chunks: { chunk: Buffer }[], done: () => void): void {
    this.send(Buffer.concat(chunks.map((entry) => entry.chunk)), done);
  }

  override _final(done: () => void): void {
    this.peer.accept(null, () => {});
    done();
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.held = [];
    const peer = this.peer;
    process.nextTick(() => peer.destroy());
    done(error);
  }

  private send(copy: Buffer, done: () => void): void {
    this.writes.push(copy);
    this.peer.accept(copy, done);
  }

  /** A chunk (or the FIN) from the peer: taken now, or held while this end is not reading. */
  private accept(chunk: Buffer | null, done: () => void): void {
    if (this.reading || this.destroyed) this.deliver(chunk, done);
    else this.held.push([chunk, done]);
  }

  /** Delivery is scheduled before the writer hears the chunk was taken, which may write more. */
  private deliver(chunk: Buffer | null, done: () => void): void {
    process.nextTick(() => {
      if (!this.destroyed) this.push(chunk);
    });
    done();
  }
}

/**
 * Two connected in-memory sockets. `local` is the end a test hands to the code under test,
 * `remote` the end it drives as the peer; the names are only for reading the tests.
 *
 * @example
 * ```ts
 * const { local, remote } = socketPair();
 * remote.stopReading();          // the peer stops reading: local's writes back up
 * local.write(Buffer.alloc(64 * 1024)); // false
 * remote.startReading();         // local emits 'drain'
 * ```
 */
export function socketPair(options: SocketPairOptions = {}): {
  local: MemorySocket;
  remote: MemorySocket;
} {
  const local = new MemorySocket("127.0.0.1", 40_001, options);
  const remote = new MemorySocket("127.0.0.1", 40_000, options);
  local.peer = remote;
  remote.peer = local;
  return { local, remote };
}
