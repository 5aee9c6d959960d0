import net from "node:net";
import tls from "node:tls";
import {
  type AnyContract,
  decodeControl,
  type Envelope,
  type Hello,
  jsonCodec,
  Kind,
  reasonSchema,
  type SockwireError,
  type Welcome,
  welcomeSchema,
} from "@sockwire/protocol";
import {
  type CloseInfo,
  type RequestContext,
  Session,
  type SessionLimits,
  Ticker,
} from "@sockwire/protocol/internal";
import { helloFor } from "./raw-peer.js";
import { within } from "./wait.js";

/** One ticker for every test client in the process, like a real client library would share. */
const ticker = new Ticker(20);

export interface TestClientOptions {
  host?: string;
  tls?: tls.ConnectionOptions;
  hello?: Partial<Hello>;
  limits?: Partial<SessionLimits>;
  /** Handler for server requests. */
  onRequest?: (name: string, input: unknown, ctx: RequestContext) => unknown;
}

/**
 * A well-behaved peer built straight on the shared Session (the server never depends on the
 * client package, not even in tests). It performs the handshake and records what arrives.
 */
export class TestClient {
  readonly events: Array<{ name: string; data: unknown }> = [];
  readonly errors: SockwireError[] = [];
  readonly closed: Promise<CloseInfo>;
  closeInfo: CloseInfo | undefined;
  welcome!: Welcome;
  readonly session: Session;
  private onWelcome!: (welcome: Welcome) => void;
  private onReject!: (error: Error) => void;

  private constructor(
    readonly socket: net.Socket,
    contract: AnyContract,
    options: TestClientOptions,
  ) {
    let closedResolve!: (info: CloseInfo) => void;
    this.closed = new Promise((resolve) => (closedResolve = resolve));
    this.session = new Session(
      {
        side: "client",
        contract,
        codec: jsonCodec(),
        overflow: "reject",
        validateOutbound: true,
        ticker,
        limits: {
          maxFrameBytes: options.hello?.maxFrameBytes ?? 1024 * 1024,
          maxRetainedChunks: 1024,
          frameTimeoutMs: 30_000,
          sendSoftBytes: 1024 * 1024,
          sendHardBytes: 64 * 1024 * 1024,
          writeDeadlineMs: 10_000,
          maxInFlight: 1000,
          closeTimeoutMs: 5000,
          maxPingStrikes: 2,
          requestTimeoutMs: 10_000,
          ...options.limits,
        },
      },
      socket,
      {
        handshake: (env: Envelope) => this.onHandshake(env),
        event: (name, data) => {
          this.events.push({ name, data });
        },
        request: (name, input, ctx) => {
          if (!options.onRequest) throw new Error(`no handler for ${name}`);
          return options.onRequest(name, input, ctx);
        },
        error: (error) => {
          this.errors.push(error);
        },
        goaway: () => {},
        closed: (info) => {
          this.closeInfo = info;
          this.onReject?.(new Error(`closed during handshake: ${info.code}`));
          closedResolve(info);
        },
      },
    );
  }

  /** Connects, sends the hello and resolves after the welcome. Rejects with the reject's code. */
  static async connect(
    port: number,
    contract: AnyContract,
    options: TestClientOptions = {},
  ): Promise<TestClient> {
    const host = options.host ?? "127.0.0.1";
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = options.tls
        ? tls.connect(
            { host, port, allowHalfOpen: true, ...options.tls } as tls.ConnectionOptions,
            () => resolve(s),
          )
        : net.connect({ host, port, allowHalfOpen: true }, () => resolve(s));
      s.once("error", reject);
    });
    const client = new TestClient(socket, contract, options);
    const welcomed = new Promise<Welcome>((resolve, reject) => {
      client.onWelcome = resolve;
      client.onReject = reject;
    });
    client.session.sendControl(Kind.HELLO, helloFor(contract, options.hello));
    client.welcome = await within(welcomed, "welcome");
    return client;
  }

  request(
    name: string,
    input: unknown,
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<unknown> {
    return this.session.request(name, input, options);
  }

  emit(name: string, data: unknown): Promise<void> {
    return this.session.emit(name, data);
  }

  /** Graceful close; resolves with how it ended. */
  close(): Promise<CloseInfo> {
    this.session.close();
    return within(this.closed, "client close");
  }

  destroy(): void {
    this.session.destroy();
  }

  private onHandshake(env: Envelope): void {
    if (env.kind === Kind.WELCOME) {
      const welcome = decodeControl(welcomeSchema, env.payload, "welcome");
      this.session.open(welcome.maxFrameBytes, welcome.heartbeat, {
        streams: welcome.protocol.minor >= 2,
      });
      this.onWelcome(welcome);
    } else if (env.kind === Kind.REJECT) {
      const reason = decodeControl(reasonSchema, env.payload, "reject");
      this.onReject(
        Object.assign(new Error(`rejected: ${reason.code}`), { code: reason.code, reason }),
      );
    }
  }
}
