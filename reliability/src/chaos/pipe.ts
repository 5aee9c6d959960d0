import type { Socket } from "node:net";

/**
 * How one direction of a proxied link treats bytes:
 * - `forward`: passes them on (after the pipe's delay, if any), with backpressure;
 * - `paused`: stops reading, so bytes wait in the kernel and the sender eventually feels
 *   backpressure, exactly like a stalled network path; nothing is lost and order is kept;
 * - `blackhole`: keeps reading and discards everything, FIN included, so neither endpoint learns
 *   anything from TCP (the pulled-cable model: only an application heartbeat notices).
 */
export type PipeMode = "forward" | "paused" | "blackhole";

/** What one endpoint did, as seen by the proxy socket facing it. */
export interface EndpointRecord {
  /** When its FIN arrived (`performance.now()`), if it did. */
  endedAt: number | undefined;
  /** Error codes on the socket facing it; `ECONNRESET` means the endpoint sent an RST. */
  errors: string[];
  /** When the proxy socket facing it closed. */
  closedAt: number | undefined;
  /** Bytes received from it. */
  bytes: number;
}

/** A fresh, empty record. */
export function endpointRecord(): EndpointRecord {
  return { endedAt: undefined, errors: [], closedAt: undefined, bytes: 0 };
}

interface Item {
  at: number;
  /** `null` is the FIN, queued behind the data that came before it. */
  chunk: Buffer | null;
}

/**
 * One direction of a link: reads `from`, writes `to`. Delayed bytes wait in a queue ordered by
 * arrival; the FIN waits behind them, so a delay never reorders data and end of stream.
 */
export class Pipe {
  mode: PipeMode = "forward";
  private delayMs = 0;
  private queue: Item[] = [];
  private timer: NodeJS.Timeout | undefined;
  private waitingForDrain = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    /** The endpoint `from` faces. */
    readonly source: EndpointRecord,
  ) {
    from.on("data", (chunk: Buffer) => this.onData(chunk));
    from.on("end", () => this.onEnd());
  }

  /** Adds `ms` of latency to every byte from now on (0 removes it; queued bytes keep theirs). */
  setDelay(ms: number): void {
    this.delayMs = Math.max(0, ms);
  }

  pause(): void {
    if (this.mode === "blackhole") return;
    this.mode = "paused";
    this.from.pause();
  }

  resume(): void {
    if (this.mode === "blackhole") return;
    this.mode = "forward";
    if (!this.waitingForDrain) this.from.resume();
    this.pump();
  }

  blackhole(): void {
    this.mode = "blackhole";
    this.queue = [];
    this.clearTimer();
    this.from.resume();
  }

  /** Stops timers; the sockets are the link's to close. */
  dispose(): void {
    this.queue = [];
    this.clearTimer();
  }

  private onData(chunk: Buffer): void {
    this.source.bytes += chunk.length;
    if (this.mode === "blackhole") return;
    this.enqueue(chunk);
  }

  private onEnd(): void {
    this.source.endedAt = performance.now();
    if (this.mode === "blackhole") return;
    this.enqueue(null);
  }

  private enqueue(chunk: Buffer | null): void {
    if (this.delayMs === 0 && this.queue.length === 0 && this.mode === "forward") {
      this.deliver(chunk);
      return;
    }
    this.queue.push({ at: performance.now() + this.delayMs, chunk });
    this.pump();
  }

  /** Delivers queued items that are due, in order, unless paused or waiting for `drain`. */
  private pump(): void {
    this.clearTimer();
    while (this.queue.length > 0 && this.mode === "forward" && !this.waitingForDrain) {
      const head = this.queue[0] as Item;
      const wait = head.at - performance.now();
      if (wait > 0) {
        this.timer = setTimeout(() => this.pump(), Math.ceil(wait));
        return;
      }
      this.queue.shift();
      this.deliver(head.chunk);
    }
  }

  private deliver(chunk: Buffer | null): void {
    if (this.to.destroyed || this.to.writableEnded) return;
    if (chunk === null) {
      this.to.end();
      return;
    }
    if (this.to.write(chunk)) return;
    // Backpressure: stop reading until the other side drains, like a real path would.
    this.waitingForDrain = true;
    this.from.pause();
    this.to.once("drain", () => {
      this.waitingForDrain = false;
      if (this.mode !== "paused") this.from.resume();
      this.pump();
    });
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
