import { ErrorCode } from "../errors/codes.js";
import { SockwireError } from "../errors/sockwire-error.js";
import { NO_ENTRIES } from "./no-entries.js";

interface Waiter {
  start: number;
  timer: NodeJS.Timeout;
  resolve(ms: number): void;
}

/**
 * Round-trip measurements in flight: each `ping()` picks a fresh id, and the pong with that id
 * settles it with the milliseconds it took. A pong nobody waits for (a heartbeat's, a late one)
 * is ignored. The table starts as the shared empty map (most connections never measure).
 *
 * @example
 * ```ts
 * const { id, rtt } = waiters.start(5000);
 * send(pingFrame(id));
 * console.log(await rtt); // NaN if the connection ended first
 * ```
 */
export class PingWaiters {
  private waiters = NO_ENTRIES as Map<number, Waiter>;
  private nextId = 1;

  /** Registers a measurement: the id to send and the promise of the round trip's ms. */
  start(timeoutMs: number): { id: number; rtt: Promise<number> } {
    const id = this.nextId++;
    const rtt = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new SockwireError(ErrorCode.REQUEST_TIMEOUT, `no pong within ${timeoutMs} ms`));
      }, timeoutMs);
      if (this.waiters === NO_ENTRIES) this.waiters = new Map();
      this.waiters.set(id, { start: performance.now(), timer, resolve });
    });
    return { id, rtt };
  }

  /** A pong arrived. */
  pong(id: number): void {
    const waiter = this.waiters.get(id);
    if (!waiter) return;
    this.waiters.delete(id);
    clearTimeout(waiter.timer);
    waiter.resolve(performance.now() - waiter.start);
  }

  /** The connection ended: every measurement settles with NaN. */
  clear(): void {
    for (const waiter of this.waiters.values()) {
      clearTimeout(waiter.timer);
      waiter.resolve(Number.NaN);
    }
    this.waiters.clear();
  }
}
