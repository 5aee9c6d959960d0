import type { ChaosLink, ChaosProxy } from "./chaos-proxy.js";

/** The faults a link can suffer. */
export type FaultKind = "delay" | "pause" | "blackhole" | "cut";

/** The fault kinds, in report order. */
export const FAULT_KINDS: readonly FaultKind[] = ["delay", "pause", "blackhole", "cut"];

/** How often and how hard to hit links. */
export interface FaultPlan {
  /** Faults started per second, across all links. */
  perSecond: number;
  /** Relative weights of each kind. */
  weights: Record<FaultKind, number>;
  /** Added latency of a delay fault, ms (uniform in the range). */
  delayMs: [number, number];
  /** How long a delay fault lasts, ms. */
  delayForMs: [number, number];
  /** How long a pause lasts, ms; pauses longer than heartbeat interval + timeout kill the link. */
  pauseMs: [number, number];
}

/**
 * Seeded pseudo-random numbers in [0, 1) (mulberry32): the same seed picks the same faults, so a
 * failing soak can be rerun with the same plan (network timing still varies).
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * random(); // 0.6011037519201636, every time
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Starts random faults on a proxy's links at a steady average rate: delays and pauses that end by
 * themselves, black holes that last until a heartbeat gives up on the link, and cuts (RST both
 * ways). A link has at most one fault at a time. `calm()` ends every fault.
 */
export class FaultInjector {
  /** Faults started, by kind. */
  readonly counts: Record<FaultKind, number> = { delay: 0, pause: 0, blackhole: 0, cut: 0 };
  private readonly busy = new Set<ChaosLink>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private interval: NodeJS.Timeout | undefined;
  private credit = 0;

  constructor(
    private readonly proxy: ChaosProxy,
    private readonly plan: FaultPlan,
    private readonly random: () => number,
  ) {}

  /** Starts injecting, checking every 50 ms. */
  start(): void {
    if (this.interval) return;
    const stepMs = 50;
    this.interval = setInterval(() => {
      this.credit += (this.plan.perSecond * stepMs) / 1000;
      // Never more than a handful per step, so a stall of the event loop cannot cause a burst.
      for (let i = 0; i < 5 && this.credit >= 1; i++) {
        this.credit -= 1;
        this.strike();
      }
      this.credit = Math.min(this.credit, 1);
    }, stepMs);
  }

  /** Stops injecting and ends every fault: delays cleared, pauses resumed, black holes cut. */
  calm(): void {
    if (this.interval) clearInterval(this.interval);
    this.interval = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const link of this.proxy.links) {
      if (link.mode === "blackhole") link.cut();
      else {
        link.delay(0);
        link.resume();
      }
    }
    this.busy.clear();
  }

  private strike(): void {
    for (const link of this.busy) if (!link.isOpen) this.busy.delete(link);
    const candidates = this.proxy.established().filter((l) => !this.busy.has(l) && l.isOpen);
    if (candidates.length === 0) return;
    const link = candidates[Math.floor(this.random() * candidates.length)] as ChaosLink;
    const kind = this.pickKind();
    this.counts[kind]++;
    switch (kind) {
      case "delay":
        this.busy.add(link);
        link.delay(this.between(this.plan.delayMs));
        this.later(this.between(this.plan.delayForMs), () => {
          link.delay(0);
          this.busy.delete(link);
        });
        return;
      case "pause":
        this.busy.add(link);
        link.pause();
        this.later(this.between(this.plan.pauseMs), () => {
          link.resume();
          this.busy.delete(link);
        });
        return;
      case "blackhole":
        // Stays busy for good: the link is dead until a heartbeat on either side notices.
        this.busy.add(link);
        link.blackhole();
        return;
      case "cut":
        link.cut();
        return;
    }
  }

  private pickKind(): FaultKind {
    const { weights } = this.plan;
    const total = FAULT_KINDS.reduce((sum, k) => sum + weights[k], 0);
    let r = this.random() * total;
    for (const kind of FAULT_KINDS) {
      r -= weights[kind];
      if (r < 0) return kind;
    }
    return "cut";
  }

  private between([min, max]: [number, number]): number {
    return Math.round(min + this.random() * (max - min));
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}
