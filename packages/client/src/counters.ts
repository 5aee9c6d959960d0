import type { Session, SessionStats } from "@sockwire/protocol/internal";

/** Counters that accumulate over connections. */
type Totals = Pick<
  SessionStats,
  "messagesIn" | "messagesOut" | "bytesIn" | "bytesOut" | "lateResponses"
>;

/** Totals plus what the live connections hold right now. */
export type Counters = Totals & Pick<SessionStats, "bufferedBytes" | "inFlightIn" | "inFlightOut">;

/**
 * Keeps a client's counters across reconnects: each connection's totals are added when it ends,
 * and live connections are added on read, so `stats()` never goes backwards after a reconnect.
 */
export class ConnectionTotals {
  private readonly totals: Totals = {
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    lateResponses: 0,
  };

  /** Adds the final counters of a connection that has ended. */
  retire(session: Session): void {
    add(this.totals, session.stats());
  }

  /** Totals so far plus the live sessions' counters. */
  read(live: readonly (Session | undefined)[]): Counters {
    const sum: Counters = { ...this.totals, bufferedBytes: 0, inFlightIn: 0, inFlightOut: 0 };
    for (const session of live) {
      if (!session) continue;
      const stats = session.stats();
      add(sum, stats);
      sum.bufferedBytes += stats.bufferedBytes;
      sum.inFlightIn += stats.inFlightIn;
      sum.inFlightOut += stats.inFlightOut;
    }
    return sum;
  }
}

function add(into: Totals, stats: SessionStats): void {
  into.messagesIn += stats.messagesIn;
  into.messagesOut += stats.messagesOut;
  into.bytesIn += stats.bytesIn;
  into.bytesOut += stats.bytesOut;
  into.lateResponses += stats.lateResponses;
}
