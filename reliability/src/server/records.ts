import type { DisconnectInfo } from "@sockwire/server";
import { IntRanges } from "../ranges.js";

/** What the server saw on one connection, sent to the driver when the connection closes. */
export interface ConnectionReport {
  sessionId: string;
  /** The client's number, from its credentials. */
  client: number;
  close: { code: string; graceful: boolean; initiator: string; error: string | undefined };
  /** Sequence numbers of `seq` events received, as IntRanges pairs. */
  events: number[];
  /** Events that arrived with a number not above the previous one on this connection. */
  eventOrderViolations: number;
  /** Request numbers whose handler ran, as pairs. */
  executed: number[];
  /** Handler runs for a request number already run on this connection. */
  duplicateExecutions: number;
  /** Tick numbers whose `conn.emit` resolved (handed to the socket), as pairs. */
  ticksAccepted: number[];
  /** Tick numbers whose `conn.emit` rejected. */
  ticksRefused: number;
}

/**
 * The live counterpart of {@link ConnectionReport}: filled in as messages arrive, turned into a
 * report when the connection closes and then dropped, so the server process holds state only
 * for open connections (its memory is one of the things measured).
 */
export class ConnectionRecord {
  private readonly events = new IntRanges();
  private lastEvent = 0;
  private eventOrderViolations = 0;
  private readonly executed = new IntRanges();
  private duplicateExecutions = 0;
  private readonly ticksAccepted = new IntRanges();
  private ticksRefused = 0;
  /** Last tick number handed out. */
  nextTick = 0;

  constructor(
    readonly sessionId: string,
    readonly client: number,
  ) {}

  event(n: number): void {
    if (n <= this.lastEvent) this.eventOrderViolations++;
    this.lastEvent = Math.max(this.lastEvent, n);
    this.events.add(n);
  }

  execute(n: number): void {
    if (!this.executed.add(n)) this.duplicateExecutions++;
  }

  tick(n: number, accepted: boolean): void {
    if (accepted) this.ticksAccepted.add(n);
    else this.ticksRefused++;
  }

  report(info: DisconnectInfo): ConnectionReport {
    return {
      sessionId: this.sessionId,
      client: this.client,
      close: {
        code: info.code,
        graceful: info.graceful,
        initiator: info.initiator,
        error: info.error?.code,
      },
      events: this.events.toJSON(),
      eventOrderViolations: this.eventOrderViolations,
      executed: this.executed.toJSON(),
      duplicateExecutions: this.duplicateExecutions,
      ticksAccepted: this.ticksAccepted.toJSON(),
      ticksRefused: this.ticksRefused,
    };
  }
}
