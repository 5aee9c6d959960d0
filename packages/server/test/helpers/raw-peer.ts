import net from "node:net";
import tls from "node:tls";
import {
  type AnyContract,
  decodeControl,
  type Envelope,
  type EnvelopeHeader,
  encodeControl,
  encodeEnvelope,
  FrameDecoder,
  type Hello,
  Kind,
  PROTOCOL_VERSION,
  parseEnvelope,
  type Reason,
  reasonSchema,
  type Welcome,
  welcomeSchema,
} from "@sockwire/protocol";
import { within } from "./wait.js";

const MiB = 1024 * 1024;

/** A hello for `contract`, with any field overridden. */
export function helloFor(contract: AnyContract, overrides: Partial<Hello> = {}): Hello {
  return {
    protocol: { ...PROTOCOL_VERSION },
    contract: { name: contract.name, fingerprint: contract.fingerprint },
    codec: "json",
    maxFrameBytes: MiB,
    heartbeat: { intervalMs: 0, timeoutMs: 0 },
    ...overrides,
  };
}

export interface RawPeerOptions {
  host?: string;
  /** TLS connect options; absent = plain TCP. */
  tls?: tls.ConnectionOptions;
  /** Answer the server's pings (default true). */
  autoPong?: boolean;
  /** Keep received events and responses in `frames` (default true); false only counts them. */
  keepFrames?: boolean;
}

/**
 * A hostile-capable peer on a raw socket: it writes whatever bytes a test wants and decodes
 * what the server sends, without any of the client library's manners.
 */
export class RawPeer {
  readonly frames: Envelope[] = [];
  framesReceived = 0;
  /** Frames received, by kind (kept even when the frames themselves are not). */
  readonly kindCounts = new Map<number, number>();
  bytesReceived = 0;
  /** The server half-closed (FIN received). */
  ended = false;
  endedAt = 0;
  socketError: (Error & { code?: string }) | undefined;
  decodeError: Error | undefined;
  readonly closed: Promise<void>;
  closedAt = 0;
  readonly openedAt = performance.now();
  private readonly decoder = new FrameDecoder({ maxFrameBytes: 64 * MiB });
  private waiters: Array<() => void> = [];

  private constructor(
    readonly socket: net.Socket,
    private readonly options: RawPeerOptions,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("end", () => {
      this.ended = true;
      this.endedAt = performance.now();
      this.wake();
    });
    socket.on("error", (error) => {
      this.socketError = error;
    });
    this.closed = new Promise((resolve) => {
      socket.once("close", () => {
        this.closedAt = performance.now();
        this.wake();
        resolve();
      });
    });
  }

  /** Connects to `port` on loopback (or TLS); resolves once the socket is writable. */
  static connect(port: number, options: RawPeerOptions = {}): Promise<RawPeer> {
    const host = options.host ?? "127.0.0.1";
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tls.connect({ host, port, ...options.tls }, () => resolve(new RawPeer(socket, options)))
        : net.connect({ host, port }, () => resolve(new RawPeer(socket, options)));
      socket.once("error", reject);
    });
  }

  /** A raw peer on a socket that is already connected, such as one end of a `socketPair()`. */
  static over(socket: net.Socket, options: RawPeerOptions = {}): RawPeer {
    return new RawPeer(socket, options);
  }

  /** Connects and completes a valid handshake; resolves with the welcome. */
  static async open(
    port: number,
    contract: AnyContract,
    hello: Partial<Hello> = {},
    options: RawPeerOptions = {},
  ): Promise<RawPeer> {
    const peer = await RawPeer.connect(port, options);
    await peer.handshake(contract, hello);
    return peer;
  }

  welcome: Welcome | undefined;

  write(bytes: Uint8Array): boolean {
    return this.socket.write(bytes);
  }

  /** Sends one frame; `payload` is JSON-encoded unless it is already bytes. */
  send(header: EnvelopeHeader, payload?: unknown): void {
    const body =
      payload === undefined || payload instanceof Uint8Array ? payload : JSON.stringify(payload);
    this.write(encodeEnvelope(header, body as Uint8Array | string | undefined));
  }

  hello(contract: AnyContract, overrides: Partial<Hello> = {}): void {
    this.write(encodeEnvelope({ kind: Kind.HELLO }, encodeControl(helloFor(contract, overrides))));
  }

  async handshake(contract: AnyContract, overrides: Partial<Hello> = {}): Promise<Welcome> {
    this.hello(contract, overrides);
    const env = await this.waitFor(
      (e) => e.kind === Kind.WELCOME || e.kind === Kind.REJECT,
      "welcome",
    );
    if (env.kind === Kind.REJECT)
      throw new Error(`handshake rejected: ${JSON.stringify(RawPeer.reason(env))}`);
    this.welcome = decodeControl(welcomeSchema, env.payload, "welcome");
    return this.welcome;
  }

  request(id: number, type: string, payload: unknown, deadlineMs?: number): void {
    this.send({ kind: Kind.REQUEST, id, type, ...(deadlineMs ? { deadlineMs } : {}) }, payload);
  }

  event(type: string, payload: unknown): void {
    this.send({ kind: Kind.EVENT, type }, payload);
  }

  /** Resolves with the first received frame matching `predicate` (already received or future). */
  async waitFor(
    predicate: (e: Envelope) => boolean,
    what = "frame",
    timeoutMs = 5000,
  ): Promise<Envelope> {
    let found: Envelope | undefined;
    const check = () => {
      found = this.frames.find(predicate);
      return found !== undefined;
    };
    await this.waitUntil(check, what, timeoutMs);
    return found as Envelope;
  }

  /** Resolves once `condition` holds, re-checked on every frame, FIN and close. */
  waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (condition()) return Promise.resolve();
    const wait = new Promise<void>((resolve) => {
      const check = () => {
        if (condition()) resolve();
        else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
    return within(wait, what, timeoutMs);
  }

  /** Resolves when the socket has fully closed. */
  waitClosed(timeoutMs = 5000): Promise<void> {
    return within(this.closed, "socket close", timeoutMs);
  }

  /** The first error frame with id 0 (a connection-level error), if any. */
  connectionError(): Reason | undefined {
    const env = this.frames.find((e) => e.kind === Kind.ERROR && e.id === 0);
    return env && RawPeer.reason(env);
  }

  /** How many frames of `kind` arrived. */
  count(kind: number): number {
    return this.kindCounts.get(kind) ?? 0;
  }

  /** Frames of `kind`. */
  ofKind(kind: number): Envelope[] {
    return this.frames.filter((e) => e.kind === kind);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  static reason(env: Envelope): Reason {
    return decodeControl(reasonSchema, env.payload, "reason");
  }

  static json(env: Envelope): unknown {
    return env.payload.length === 0 ? undefined : JSON.parse(env.payload.toString("utf8"));
  }

  private onData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    this.decoder.push(chunk);
    for (let body = this.decoder.next(); body; body = this.decoder.next()) {
      let env: Envelope | undefined;
      try {
        env = parseEnvelope(body);
      } catch (error) {
        this.decodeError = error as Error;
        continue;
      }
      if (!env) continue;
      this.framesReceived++;
      this.kindCounts.set(env.kind, (this.kindCounts.get(env.kind) ?? 0) + 1);
      if (env.kind === Kind.PING && this.options.autoPong !== false) {
        this.write(encodeEnvelope({ kind: Kind.PONG, id: env.id }, undefined));
      }
      // Without keepFrames, bulk traffic (events, responses) is only counted; control frames stay.
      const bulk = env.kind === Kind.EVENT || env.kind === Kind.RESPONSE;
      if (this.options.keepFrames !== false || !bulk) this.frames.push(env);
    }
    if (this.decoder.error) this.decodeError = this.decoder.error;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const check of waiters) check();
  }
}
