import { IntRanges } from "../ranges.js";

/** Server ticks one client received on one session. */
export class TickLog {
  readonly got = new IntRanges();
  private last = 0;
  /** Ticks that arrived with a number not above the previous one. */
  orderViolations = 0;
  duplicates = 0;

  receive(n: number): void {
    if (n <= this.last) this.orderViolations++;
    this.last = Math.max(this.last, n);
    if (!this.got.add(n)) this.duplicates++;
  }
}

/**
 * Everything the driver knows about one soak client: what it tried to send, what was accepted
 * (the promise resolved: handed to the socket) and on which session, what was refused and why,
 * what it received, and how each request ended. The server's side of the story arrives as
 * connection reports; `verify` compares the two.
 */
export class ClientLedger {
  eventsIssued = 0;
  /** Event numbers whose `emit` resolved, per session id that took them. */
  readonly acceptedBySession = new Map<string, IntRanges>();
  readonly accepted = new IntRanges();
  readonly refused = new IntRanges();
  readonly refusedByCode: Record<string, number> = {};
  /** Session ids in the order they opened. */
  readonly sessions: string[] = [];
  readonly ticks = new Map<string, TickLog>();

  requestsIssued = 0;
  requestsSettled = 0;
  requestsOk = 0;
  /** Answers whose value did not match the request. */
  requestMismatches = 0;
  readonly requestFailures: Record<string, number> = {};
  /** How the client's final close ended. */
  closed: { graceful: boolean; error: string | undefined } | undefined;

  constructor(readonly client: number) {}

  /** The session that opened last (the one sends are handed to). */
  get lastSession(): string | undefined {
    return this.sessions.at(-1);
  }

  opened(sessionId: string): void {
    this.sessions.push(sessionId);
  }

  accept(n: number): void {
    const session = this.lastSession ?? "";
    let set = this.acceptedBySession.get(session);
    if (!set) {
      set = new IntRanges();
      this.acceptedBySession.set(session, set);
    }
    set.add(n);
    this.accepted.add(n);
  }

  refuse(n: number, code: string): void {
    this.refused.add(n);
    this.refusedByCode[code] = (this.refusedByCode[code] ?? 0) + 1;
  }

  tick(session: string, n: number): void {
    let log = this.ticks.get(session);
    if (!log) {
      log = new TickLog();
      this.ticks.set(session, log);
    }
    log.receive(n);
  }

  requestSettled(ok: boolean, codeOrMatch: string | boolean): void {
    this.requestsSettled++;
    if (ok) {
      this.requestsOk++;
      if (codeOrMatch !== true) this.requestMismatches++;
    } else {
      const code = String(codeOrMatch);
      this.requestFailures[code] = (this.requestFailures[code] ?? 0) + 1;
    }
  }
}
