import { createClient, type SockwireClient } from "@sockwire/client";
import { type ReliabilityContract, reliabilityContract } from "../contract.js";
import { codeOf, OK } from "../outcomes.js";
import { REJOIN_PREFIX } from "../server/records.js";
import { abortableSleep } from "../wait.js";
import { ClientLedger } from "./ledger.js";

/** Client settings shared by every soak client. */
export interface SoakClientSettings {
  port: number;
  heartbeatMs: number;
  requestTimeoutMs: number;
  closeTimeoutMs: number;
}

/**
 * One real `@sockwire/client` under soak, with resumption on (the default): it emits numbered
 * events and numbered requests when the driver tells it to, answers the server's numbered
 * `work` requests, and writes down in its {@link ClientLedger} every outcome and every `open`
 * status. When a session cannot be resumed, its `onResumeFailed` listener does what an
 * application re-joining its rooms does: it sends a rejoin event and waits until the server has
 * it; the server checks that it came before anything queued meanwhile.
 */
export class SoakClient {
  readonly ledger: ClientLedger;
  readonly client: SockwireClient<ReliabilityContract>;
  /** `onResumeFailed` listeners whose rejoin failed (the new session was lost in turn). */
  rejoinsFailed = 0;
  private nextEvent = 0;
  private nextRequest = 0;

  constructor(
    readonly id: number,
    settings: SoakClientSettings,
  ) {
    this.ledger = new ClientLedger(id);
    this.client = createClient(reliabilityContract, {
      port: settings.port,
      credentials: { client: id },
      heartbeatIntervalMs: settings.heartbeatMs,
      heartbeatTimeoutMs: settings.heartbeatMs,
      requestTimeoutMs: settings.requestTimeoutMs,
      closeTimeoutMs: settings.closeTimeoutMs,
      connectTimeoutMs: 10_000,
      reconnect: { initialDelayMs: 50, factor: 1.6, maxDelayMs: 500, jitter: 0.2 },
    });
    this.client.onStatus((status) => {
      if (status.state === "open") {
        const { sessionId, resumed, resumeFailure: failure } = status;
        this.ledger.opened({ sessionId, resumed, failure });
      } else if (status.state === "closed")
        this.ledger.closed = {
          graceful: status.graceful,
          error: status.error ? codeOf(status.error) : undefined,
        };
    });
    this.client.onResumeFailed(async (failure) => {
      this.ledger.resumeFailedCalls.push(failure.previousSessionId);
      try {
        const data = `${REJOIN_PREFIX}${failure.previousSessionId}`;
        await this.client.emit("blob", { n: 0, data });
        await this.client.delivered();
      } catch {
        this.rejoinsFailed++;
      }
    });
    this.client.on("tick", ({ s, n }) => this.ledger.tick(s, n));
    this.client.handle("work", async ({ n, delayMs }, { signal }) => {
      this.ledger.worked(n);
      if (delayMs > 0) await abortableSleep(delayMs, signal);
      return { n };
    });
  }

  get isOpen(): boolean {
    return this.client.state === "open";
  }

  connect(): Promise<void> {
    return this.client.connect();
  }

  /** Emits the next numbered event. */
  sendEvent(): void {
    const n = ++this.nextEvent;
    this.ledger.eventsIssued++;
    this.client.emit("seq", { n }).then(
      () => this.ledger.accept(n),
      (error: unknown) => this.ledger.refuse(n, codeOf(error)),
    );
  }

  /** Sends the next numbered request; the server answers after `delayMs`. */
  sendRequest(delayMs: number): void {
    const n = ++this.nextRequest;
    this.ledger.requestsIssued++;
    this.client.request("echo", { n, delayMs }).then(
      (answer) => this.ledger.requestSettled(n, OK, answer.n),
      (error: unknown) => this.ledger.requestSettled(n, codeOf(error)),
    );
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
