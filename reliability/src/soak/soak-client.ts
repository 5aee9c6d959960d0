import { createClient, isSockwireError, type SockwireClient } from "@sockwire/client";
import { type ReliabilityContract, reliabilityContract } from "../contract.js";
import { ClientLedger } from "./ledger.js";

/** Client settings shared by every soak client. */
export interface SoakClientSettings {
  port: number;
  heartbeatMs: number;
  requestTimeoutMs: number;
  closeTimeoutMs: number;
}

/** Error code of a rejection, or a marker for something that is not a coded error. */
function codeOf(error: unknown): string {
  if (isSockwireError(error))
    return error.remoteCode ? `${error.code}/${error.remoteCode}` : error.code;
  return `uncoded:${String(error)}`;
}

/**
 * One real `@sockwire/client` under soak: it emits numbered events and numbered requests when the
 * driver tells it to, and writes down in its {@link ClientLedger} every outcome.
 */
export class SoakClient {
  readonly ledger: ClientLedger;
  readonly client: SockwireClient<ReliabilityContract>;
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
      if (status.state === "open") this.ledger.opened(status.sessionId);
      else if (status.state === "closed")
        this.ledger.closed = {
          graceful: status.graceful,
          error: status.error ? codeOf(status.error) : undefined,
        };
    });
    this.client.on("tick", ({ s, n }) => this.ledger.tick(s, n));
    this.client.handle("work", ({ n }) => ({ n }));
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
      (answer) => this.ledger.requestSettled(true, answer.n === n),
      (error: unknown) => this.ledger.requestSettled(false, codeOf(error)),
    );
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
