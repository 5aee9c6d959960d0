import net from "node:net";
import { decodeAscii, encodeAscii } from "demo-contract";
import { type ClientTransport, TransportError } from "./transport.js";

/** Options of {@link RawTransport}. */
export interface RawTransportOptions {
  host: string;
  port: number;
  /** Give up connecting after this long (default 10000 ms, as the framed client). */
  connectTimeoutMs?: number;
  /** After sending our FIN, wait this long for the server's before dropping the socket (default 1000 ms). */
  closeTimeoutMs?: number;
}

/**
 * The article's wire format, spoken faithfully: no framing, ASCII bytes, the first chunk the
 * server sends is its greeting, and each message is written as its plain bytes. Unlike the
 * original client it notices a server that closes or resets the connection, and it ends its own
 * side (FIN) when done instead of leaving that to process exit.
 *
 * TCP is a byte stream, so without framing the receiver may see two messages as one chunk or one
 * message as two; the one-second pause between messages is what makes the article's demo work.
 * That is the point of this mode: it exists to talk to the original programs.
 */
export class RawTransport implements ClientTransport {
  readonly greeting: Promise<string>;
  readonly lost: Promise<string | undefined>;
  private readonly socket: net.Socket;
  private resolveGreeting: (text: string) => void = () => {};
  private resolveLost: (reason: string | undefined) => void = () => {};
  private state: "idle" | "connecting" | "open" | "closing" | "closed" = "idle";
  private failure: TransportError | undefined;

  constructor(private readonly options: RawTransportOptions) {
    this.greeting = new Promise((resolve) => {
      this.resolveGreeting = resolve;
    });
    this.lost = new Promise((resolve) => {
      this.resolveLost = resolve;
    });
    this.socket = new net.Socket();
    this.socket.setNoDelay(true);
    let greeted = false;
    this.socket.on("data", (chunk: Buffer) => {
      // Like the original, only the first chunk is read as the greeting; anything later is
      // drained (so the server's FIN is still seen) and ignored.
      if (!greeted) {
        greeted = true;
        this.resolveGreeting(decodeAscii(chunk));
      }
    });
    this.socket.on("end", () => this.connectionEnded(undefined));
    this.socket.on("error", (err: NodeJS.ErrnoException) => {
      this.failure = new TransportError(err.code ?? "ERR_SOCKET", err.message, { cause: err });
      this.connectionEnded(this.failure.reason);
    });
    this.socket.on("close", () => {
      this.connectionEnded(this.failure?.reason);
      this.state = "closed";
    });
  }

  connect(): Promise<void> {
    if (this.state !== "idle") return Promise.reject(new Error("connect() called twice"));
    this.state = "connecting";
    const { host, port, connectTimeoutMs = 10_000 } = this.options;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        reject(
          new TransportError(
            "ETIMEDOUT",
            `no connection to ${host}:${port} within ${connectTimeoutMs} ms`,
          ),
        );
      }, connectTimeoutMs);
      const onError = (err: NodeJS.ErrnoException): void => {
        clearTimeout(timer);
        reject(new TransportError(err.code ?? "ERR_SOCKET", err.message, { cause: err }));
      };
      this.socket.once("error", onError);
      this.socket.connect({ host, port }, () => {
        clearTimeout(timer);
        this.socket.off("error", onError);
        if (this.state === "connecting") this.state = "open";
        resolve();
      });
    });
  }

  send(text: string): Promise<void> {
    if (this.state !== "open") {
      return Promise.reject(
        this.failure ?? new TransportError("ERR_NOT_CONNECTED", "the connection is closed"),
      );
    }
    return new Promise((resolve, reject) => {
      this.socket.write(encodeAscii(text), (err) => {
        if (err)
          reject(
            new TransportError((err as NodeJS.ErrnoException).code ?? "ERR_SOCKET", err.message),
          );
        else resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    if (this.state !== "open") {
      // Never connected, or already failing: nothing to say goodbye to.
      this.state = "closing";
      this.socket.destroy();
      return;
    }
    this.state = "closing";
    const closed = new Promise<void>((resolve) => this.socket.once("close", () => resolve()));
    // FIN first: the server reads everything we wrote, then sees the end of the stream (the
    // original client left this to process exit). Then wait for the server's FIN; the article's
    // server never sends one, so the wait is bounded.
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), this.options.closeTimeoutMs ?? 1000);
    await closed;
    clearTimeout(timer);
  }

  private connectionEnded(reason: string | undefined): void {
    // Only an end we did not ask for is a lost connection.
    if (this.state === "open") {
      this.state = "closing";
      this.resolveLost(reason);
      this.socket.destroy();
    }
  }
}
