import type { SessionStats } from "@sockwire/protocol/internal";
import type { ServerState, ServerStats } from "./types.js";

/** Live numbers the server passes in when a snapshot is taken. */
export interface LiveCounts {
  state: ServerState;
  connections: number;
  handshaking: number;
  closing: number;
  detached: number;
  rooms: number;
}

/**
 * Server-wide counters. Totals of closed connections are folded in when each one closes, so a
 * snapshot is "closed totals + live sessions" and never double counts.
 */
export class ServerCounters {
  accepted = 0;
  opened = 0;
  rejected = 0;
  /** Sessions resumed on a new connection. */
  resumed = 0;
  reflected = 0;
  private readonly closesByReason: Record<string, number> = {};
  private readonly errorsByCode: Record<string, number> = {};
  private readonly closedTotals = {
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    lateResponses: 0,
  };

  /** A socket closed with wire code `code`; `stats` are its final counters, if it had a session. */
  closed(code: string, stats?: SessionStats): void {
    this.closesByReason[code] = (this.closesByReason[code] ?? 0) + 1;
    if (!stats) return;
    const totals = this.closedTotals;
    totals.messagesIn += stats.messagesIn;
    totals.messagesOut += stats.messagesOut;
    totals.bytesIn += stats.bytesIn;
    totals.bytesOut += stats.bytesOut;
    totals.lateResponses += stats.lateResponses;
  }

  error(code: string): void {
    this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + 1;
  }

  /** Combines closed totals with the live sessions' counters. */
  snapshot(live: LiveCounts, sessions: Iterable<SessionStats>): ServerStats {
    const out: ServerStats = {
      ...live,
      accepted: this.accepted,
      opened: this.opened,
      rejected: this.rejected,
      resumed: this.resumed,
      reflected: this.reflected,
      closesByReason: { ...this.closesByReason },
      errorsByCode: { ...this.errorsByCode },
      ...this.closedTotals,
      queuedBytes: 0,
      maxQueuedBytes: 0,
      inFlightRequests: 0,
      pendingRequests: 0,
      retainedChunks: 0,
    };
    for (const s of sessions) {
      out.messagesIn += s.messagesIn;
      out.messagesOut += s.messagesOut;
      out.bytesIn += s.bytesIn;
      out.bytesOut += s.bytesOut;
      out.lateResponses += s.lateResponses;
      out.queuedBytes += s.bufferedBytes;
      out.maxQueuedBytes = Math.max(out.maxQueuedBytes, s.bufferedBytes);
      out.inFlightRequests += s.inFlightIn;
      out.pendingRequests += s.inFlightOut;
      out.retainedChunks += s.retainedChunks;
    }
    return out;
  }
}
