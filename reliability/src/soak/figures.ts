/** The figures of a soak run, for the summary table and docs/RELIABILITY.md. */
export interface Figures {
  /** Sessions the clients opened (a resumed session counts once). */
  sessions: number;
  /** Of them, resumed at least once; and the resumes the clients saw, the server counted. */
  resumedSessions: number;
  resumes: number;
  serverResumes: number;
  /** Sessions that ended gracefully (nothing may be lost), and how many of those were resumed. */
  intactSessions: number;
  intactResumed: number;
  /** Sessions that ended without being resumed and without a graceful close (reported). */
  lostSessions: number;
  /** Resume failures the clients reported, by reason (`ended`, `unknown`, ...). */
  failuresByReason: Record<string, number>;
  /** How the server ended the lost sessions (`GOING_AWAY`, `SESSION_EXPIRED/expired`, ...). */
  lostByServerEnd: Record<string, number>;
  /** Sessions whose welcome never reached the client, and those still detached at the end. */
  orphanSessions: number;
  detachedAtEnd: number;
  /** Every session's close on the server, by wire code. */
  closesByCode: Record<string, number>;

  eventsIssued: number;
  eventsAccepted: number;
  eventsRefused: number;
  eventsReceived: number;
  /** Accepted, never received, in sessions that were lost and reported (allowed, tail only). */
  eventsLostReported: number;
  /** Accepted, never received, in sessions that ended gracefully (must be 0). */
  eventsLostIntact: number;
  /** What the resume failures said may be lost: frames the server had not acknowledged. */
  unacknowledgedReported: number;
  ticksAccepted: number;
  ticksReceived: number;
  ticksLostReported: number;
  ticksLostIntact: number;

  requestsIssued: number;
  requestsOk: number;
  requestFailures: Record<string, number>;
  workIssued: number;
  workOk: number;
  workFailures: Record<string, number>;
  /** Request handlers (server `echo`, client `work`) run more than once for one request. */
  handlersRunTwice: number;
}

/** Figures of a run before anything is counted. */
export function emptyFigures(): Figures {
  return {
    sessions: 0,
    resumedSessions: 0,
    resumes: 0,
    serverResumes: 0,
    intactSessions: 0,
    intactResumed: 0,
    lostSessions: 0,
    failuresByReason: {},
    lostByServerEnd: {},
    orphanSessions: 0,
    detachedAtEnd: 0,
    closesByCode: {},
    eventsIssued: 0,
    eventsAccepted: 0,
    eventsRefused: 0,
    eventsReceived: 0,
    eventsLostReported: 0,
    eventsLostIntact: 0,
    unacknowledgedReported: 0,
    ticksAccepted: 0,
    ticksReceived: 0,
    ticksLostReported: 0,
    ticksLostIntact: 0,
    requestsIssued: 0,
    requestsOk: 0,
    requestFailures: {},
    workIssued: 0,
    workOk: 0,
    workFailures: {},
    handlersRunTwice: 0,
  };
}

/** Adds `n` to `into[key]`. */
export function add(into: Record<string, number>, key: string, n = 1): void {
  into[key] = (into[key] ?? 0) + n;
}

/** The sum of a record's counts. */
export function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

/** `A 3, B 1`, or `none`. */
export function entries(record: Record<string, number>): string {
  const list = Object.entries(record).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`);
  return list.length > 0 ? list.join(", ") : "none";
}
