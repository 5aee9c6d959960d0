/** Something that wants a periodic call. */
export interface Tickable {
  tick(now: number): void;
}

/**
 * One interval timer shared by many connections. It runs only while it has members and does not
 * keep the process alive on its own (the sockets do), so an idle server with 10,000 connections
 * has one timer instead of 10,000.
 */
export class Ticker {
  private readonly members = new Set<Tickable>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private periodMs: number) {}

  /** Shortens the period if `ms` is smaller (never below 5 ms). */
  atMost(ms: number): void {
    const next = Math.max(5, Math.floor(ms));
    if (next >= this.periodMs) return;
    this.periodMs = next;
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.start();
    }
  }

  add(member: Tickable): void {
    this.members.add(member);
    this.start();
  }

  delete(member: Tickable): void {
    this.members.delete(member);
    if (this.members.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  get size(): number {
    return this.members.size;
  }

  private start(): void {
    if (this.timer || this.members.size === 0) return;
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const member of this.members) member.tick(now);
    }, this.periodMs);
    this.timer.unref();
  }
}

/** A tick period fine enough to honour `ms` within about a fifth of it, between 5 ms and 1 s. */
export function periodFor(ms: number): number {
  return Math.min(1000, Math.max(5, Math.floor(ms / 5)));
}
