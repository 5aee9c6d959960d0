import type { ResumeFailure } from "@sockwire/client";
import { OK, Outcomes } from "../outcomes.js";
import { IntRanges } from "../ranges.js";
import { SeqLog } from "../seq-log.js";

/** One `open` status of a client, as it was published. */
export interface OpenRecord {
  sessionId: string;
  resumed: boolean;
  failure: ResumeFailure | undefined;
}

/** What one client knows of one of its sessions, over all of that session's links. */
export class SessionLog {
  /** Event numbers whose `emit` resolved while this session was the client's. */
  readonly accepted = new IntRanges();
  /** Ticks received (server to client). */
  readonly ticks = new SeqLog();
  /** `work` requests whose handler ran, in the order they ran. */
  readonly work = new SeqLog();
  /** `open` statuses with `resumed: true` for this session. */
  resumes = 0;
}

/**
 * Everything the driver knows about one soak client: each `open` status (resumed or not, and
 * the resume failure it reported), and per session id what it had accepted, what it received
 * and which server requests it ran; what it refused and why; how each of its requests ended.
 * The server's side of the story arrives as session reports; `verify` compares the two.
 */
export class ClientLedger {
  /** Every `open` status, in order. */
  readonly opens: OpenRecord[] = [];
  /** Per session id, in the order they first opened. */
  readonly sessions = new Map<string, SessionLog>();
  /** `onResumeFailed` calls: the session each one named. */
  readonly resumeFailedCalls: string[] = [];

  eventsIssued = 0;
  readonly accepted = new IntRanges();
  readonly refused = new IntRanges();
  readonly refusedByCode: Record<string, number> = {};

  requestsIssued = 0;
  /** How each request ended, by number: `OK` or an error code. */
  readonly requests = new Outcomes();
  /** Answers whose value did not match the request. */
  requestMismatches = 0;
  /** Requests that settled twice (must stay 0). */
  requestsSettledTwice = 0;
  /** Ticks naming a session this client never opened (must stay 0). */
  strayTicks = 0;
  /** How the client's final close ended. */
  closed: { graceful: boolean; error: string | undefined } | undefined;

  private current: SessionLog | undefined;

  constructor(readonly client: number) {}

  /** The session id that opened last (the one sends are handed to). */
  get lastSession(): string | undefined {
    return this.opens.at(-1)?.sessionId;
  }

  get requestsSettled(): number {
    return this.requests.size;
  }

  opened(open: OpenRecord): void {
    this.opens.push(open);
    let log = this.sessions.get(open.sessionId);
    if (!log) {
      log = new SessionLog();
      this.sessions.set(open.sessionId, log);
    }
    if (open.resumed) log.resumes++;
    this.current = log;
  }

  accept(n: number): void {
    this.current?.accepted.add(n);
    this.accepted.add(n);
  }

  refuse(n: number, code: string): void {
    this.refused.add(n);
    this.refusedByCode[code] = (this.refusedByCode[code] ?? 0) + 1;
  }

  tick(session: string, n: number): void {
    // A tick names its session itself; one for a session this client never opened is a stray.
    const log = this.sessions.get(session);
    if (log) log.ticks.receive(n);
    else this.strayTicks++;
  }

  /** The `work` handler ran for request `n` of the current session. */
  worked(n: number): void {
    this.current?.work.receive(n);
  }

  requestSettled(n: number, code: string, answer?: number): void {
    if (code === OK && answer !== n) this.requestMismatches++;
    if (!this.requests.add(code, n)) this.requestsSettledTwice++;
  }
}
