/** Heartbeat settings agreed in the handshake; 0 disables the matching check. */
export interface HeartbeatSettings {
  intervalMs: number;
  timeoutMs: number;
}

/** What the periodic check asks the session to do. */
export type LivenessVerdict = "ok" | "ping" | "dead" | "frame-stalled";

/**
 * Liveness bookkeeping for one connection, with no timers of its own: an owner ticks many of
 * these from one interval (see {@link Ticker}), so 10,000 idle connections cost one timer.
 *
 * Rule (both sides, same numbers): when nothing has been received for `intervalMs`, send a
 * ping; when nothing has been received for `intervalMs + timeoutMs`, the peer is dead. Any
 * inbound bytes count as life, not only pongs.
 */
export class Liveness {
  lastReceivedAt: number;
  private pingSentAt = -1;
  /**
   * True while the owner has stopped reading the socket (backpressure): the peer's bytes then
   * wait in the kernel, unseen, so silence proves nothing about the peer. See {@link pause}.
   */
  private paused = false;
  /** When the decoder started holding an incomplete frame, or -1. */
  partialSince = -1;
  private lastPingReceivedAt = -Infinity;
  private strikes = 0;

  constructor(
    private heartbeat: HeartbeatSettings,
    private readonly frameTimeoutMs: number,
    private readonly maxPingStrikes: number,
    now: number,
  ) {
    this.lastReceivedAt = now;
  }

  setHeartbeat(heartbeat: HeartbeatSettings): void {
    this.heartbeat = heartbeat;
  }

  received(now: number): void {
    this.lastReceivedAt = now;
    this.pingSentAt = -1;
  }

  /**
   * The owner stopped reading (too much work in flight). A slow handler is not a dead peer: until
   * {@link resume}, neither the dead-peer check nor the frame deadline applies, and a ping goes
   * out every interval so that the peer, which hears nothing else from us meanwhile, keeps
   * seeing us alive.
   */
  pause(): void {
    this.paused = true;
    this.partialSince = -1;
  }

  /** Reading again: whatever the peer sent meanwhile arrives now, so the clocks start afresh. */
  resume(now: number): void {
    this.paused = false;
    this.received(now);
  }

  /** Decides what the session should do at time `now`. */
  check(now: number): LivenessVerdict {
    if (this.paused) return this.pausedCheck(now);
    if (
      this.frameTimeoutMs > 0 &&
      this.partialSince >= 0 &&
      now - this.partialSince > this.frameTimeoutMs
    ) {
      return "frame-stalled";
    }
    const { intervalMs, timeoutMs } = this.heartbeat;
    if (intervalMs <= 0) return "ok";
    const silent = now - this.lastReceivedAt;
    if (timeoutMs > 0 && silent >= intervalMs + timeoutMs) return "dead";
    if (silent >= intervalMs && this.pingSentAt < this.lastReceivedAt) {
      this.pingSentAt = now;
      return "ping";
    }
    return "ok";
  }

  private pausedCheck(now: number): LivenessVerdict {
    const { intervalMs } = this.heartbeat;
    if (intervalMs <= 0) return "ok";
    const since = Math.max(this.pingSentAt, this.lastReceivedAt);
    if (now - since < intervalMs) return "ok";
    this.pingSentAt = now;
    return "ping";
  }

  /**
   * Records an inbound ping; returns false once the peer has pinged too often too many times.
   * A ping sooner than half the interval (at most 1 s) after the previous one is a strike; a
   * well-spaced ping clears the strikes (gRPC's ping-strike rule, simplified).
   */
  pingReceived(now: number): boolean {
    const minGap =
      this.heartbeat.intervalMs > 0 ? Math.min(1000, this.heartbeat.intervalMs / 2) : 1000;
    const gap = now - this.lastPingReceivedAt;
    this.lastPingReceivedAt = now;
    if (gap >= minGap) {
      this.strikes = 0;
      return true;
    }
    this.strikes++;
    return this.strikes <= this.maxPingStrikes;
  }
}

/**
 * Agrees the heartbeat of a connection from both sides' proposals: the shorter non-zero interval
 * and the shorter non-zero timeout, so neither side waits longer than it asked for.
 */
export function agreeHeartbeat(a: HeartbeatSettings, b: HeartbeatSettings): HeartbeatSettings {
  return {
    intervalMs: minNonZero(a.intervalMs, b.intervalMs),
    timeoutMs: minNonZero(a.timeoutMs, b.timeoutMs),
  };
}

function minNonZero(x: number, y: number): number {
  if (x <= 0) return Math.max(0, y);
  if (y <= 0) return x;
  return Math.min(x, y);
}
