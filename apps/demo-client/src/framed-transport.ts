import {
  type ClientStatus,
  createClient,
  isSockwireError,
  type SockwireClient,
} from "@sockwire/client";
import { type DemoContract, demoContract } from "demo-contract";
import { type ClientTransport, TransportError } from "./transport.js";

/** Options of {@link FramedTransport}. */
export interface FramedTransportOptions {
  host: string;
  port: number;
  /** TCP connect plus handshake (default 10000 ms). */
  connectTimeoutMs?: number;
  /** How long a graceful close may take before the socket is dropped (default 5000 ms). */
  closeTimeoutMs?: number;
}

/**
 * The article's session over sockwire: the greeting is the contract's typed `greeting` event and
 * each message a `message` event, framed and validated on both sides.
 *
 * Reconnection is off on purpose. The article's client has one connection and a script of ten
 * messages; quietly reconnecting (and queueing messages meanwhile) would hide a server that went
 * away, and the console would no longer tell the truth. A lost server is reported with one line
 * and a non-zero exit status instead.
 */
export class FramedTransport implements ClientTransport {
  readonly greeting: Promise<string>;
  readonly lost: Promise<string | undefined>;
  private readonly client: SockwireClient<DemoContract>;
  private opened = false;
  private closing = false;

  constructor(private readonly options: FramedTransportOptions) {
    this.client = createClient(demoContract, {
      host: options.host,
      port: options.port,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      reconnect: false,
    });
    // Registered before connect(): the server greets right after its welcome, and an event that
    // arrives before anyone listens is gone.
    this.greeting = new Promise((resolve) => {
      this.client.once("greeting", ({ text }) => resolve(text));
    });
    this.lost = new Promise((resolve) => {
      this.client.onStatus((status) => {
        if (status.state === "closed" && this.opened && !this.closing) resolve(lostReason(status));
      });
    });
  }

  async connect(): Promise<void> {
    try {
      await this.client.connect();
      this.opened = true;
    } catch (err) {
      throw asTransportError(err);
    }
  }

  async send(text: string): Promise<void> {
    try {
      // "fail": with reconnection off there is nothing to queue for.
      await this.client.emit("message", { text }, { offline: "fail" });
    } catch (err) {
      throw asTransportError(err);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.client.close({ timeoutMs: this.options.closeTimeoutMs ?? 5000 }).catch(() => {
      // Closing an already failed client has nothing left to report.
    });
  }
}

/** Short reason for a connection that closed under us: the server's code, else ours. */
function lostReason(status: Extract<ClientStatus, { state: "closed" }>): string | undefined {
  const error = status.error;
  if (error === undefined) return status.graceful ? undefined : "ERR_CONNECTION_LOST";
  return error.remoteCode ?? error.code;
}

function asTransportError(err: unknown): TransportError {
  if (isSockwireError(err)) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : "";
    // The reason is the most specific code: the server's own (a handshake rejection) if it gave
    // one, else ours; the detail names our code too when the two differ.
    const reason = err.remoteCode ?? err.code;
    const detail = reason === err.code ? err.message : `${err.code}: ${err.message}`;
    return new TransportError(reason, `${detail}${cause}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TransportError("ERR_UNKNOWN", message, { cause: err });
}
