import type { DisconnectInfo } from "@sockwire/server";
import { OK, Outcomes } from "../outcomes.js";
import { IntRanges } from "../ranges.js";
import { SeqLog, type SeqSummary } from "../seq-log.js";

/** The event a client sends from its `onResumeFailed` listener (a `blob` whose data starts so). */
export const REJOIN_PREFIX = "rejoin ";

/**
 * What the server saw of one session over all its links, sent to the driver when the session
 * ends. A resumed session keeps its `ServerConnection`, so one record spans every resume.
 */
export interface SessionReport {
  sessionId: string;
  /** The client's number, from its credentials. */
  client: number;
  /** The server instance that opened it: 0 for the first, +1 after each restart. */
  generation: number;
  /** Times `onSessionResumed` fired for it. */
  resumes: number;
  /** Set when `onSessionExpired` fired: the reason in its error's details. */
  expired: string | undefined;
  close: { code: string; graceful: boolean; initiator: string; error: string | undefined };
  /** `seq` events received (client to server). */
  events: SeqSummary;
  /** Rejoin events received, each with the session it names and whether a `seq` came first. */
  rejoins: { previous: string; afterSeq: boolean }[];
  /** Request numbers whose `echo` handler ran, as pairs. */
  executed: number[];
  /** Handler runs for a request number already run on this session. */
  duplicateExecutions: number;
  /** Tick numbers whose `conn.emit` resolved (handed to the socket or kept for replay), as pairs. */
  ticksAccepted: number[];
  /** Tick numbers whose `conn.emit` rejected, as pairs. */
  ticksRefused: number[];
  /** `work` requests to the client: how many were sent, and how each ended (`OK` or a code). */
  work: { issued: number; outcomes: Record<string, number[]>; mismatches: number };
}

/**
 * The live counterpart of {@link SessionReport}: filled in as messages arrive, turned into a
 * report when the session ends and then dropped, so the server process holds state only for
 * live sessions (its memory is one of the things measured).
 */
export class SessionRecord {
  resumes = 0;
  expired: string | undefined;
  /** Last tick and work numbers handed out. */
  nextTick = 0;
  nextWork = 0;
  private readonly events = new SeqLog();
  private readonly rejoins: SessionReport["rejoins"] = [];
  private readonly executed = new IntRanges();
  private duplicateExecutions = 0;
  private readonly ticksAccepted = new IntRanges();
  private readonly ticksRefused = new IntRanges();
  private readonly work = new Outcomes();
  private workMismatches = 0;

  constructor(
    readonly sessionId: string,
    readonly client: number,
    readonly generation: number,
  ) {}

  event(n: number): void {
    this.events.receive(n);
  }

  rejoin(data: string): void {
    const previous = data.slice(REJOIN_PREFIX.length);
    this.rejoins.push({ previous, afterSeq: this.events.got.size > 0 });
  }

  execute(n: number): void {
    if (!this.executed.add(n)) this.duplicateExecutions++;
  }

  tick(n: number, accepted: boolean): void {
    (accepted ? this.ticksAccepted : this.ticksRefused).add(n);
  }

  /** `work` request `n` ended: answered with `answer`, or failed with `code`. */
  workSettled(n: number, code: string, answer?: number): void {
    if (code === OK && answer !== n) this.workMismatches++;
    this.work.add(code, n);
  }

  report(info: DisconnectInfo): SessionReport {
    return {
      sessionId: this.sessionId,
      client: this.client,
      generation: this.generation,
      resumes: this.resumes,
      expired: this.expired,
      close: {
        code: info.code,
        graceful: info.graceful,
        initiator: info.initiator,
        error: info.error?.code,
      },
      events: this.events.toJSON(),
      rejoins: this.rejoins,
      executed: this.executed.toJSON(),
      duplicateExecutions: this.duplicateExecutions,
      ticksAccepted: this.ticksAccepted.toJSON(),
      ticksRefused: this.ticksRefused.toJSON(),
      work: {
        issued: this.nextWork,
        outcomes: this.work.toJSON(),
        mismatches: this.workMismatches,
      },
    };
  }
}
