import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { type EndpointRecord, endpointRecord, Pipe, type PipeMode } from "./pipe.js";

/** Closes a socket with an RST when it is connected, else just destroys it. */
export function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/**
 * One proxied connection: the socket accepted from a client and the one opened to the server,
 * with a {@link Pipe} each way. Faults apply to both directions at once, as a network path
 * failure would.
 */
export class ChaosLink {
  /** What the client end did (FIN, RST, bytes), as seen by the proxy. */
  readonly client = endpointRecord();
  /** What the server end did. */
  readonly server = endpointRecord();
  /** True once the connection to the server is up. */
  established = false;
  private readonly toServer: Pipe;
  private readonly toClient: Pipe;
  private closed = false;
  /** Destroys the second socket if it does not close by itself after the first one did. */
  private linger: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number,
    readonly downstream: Socket,
    readonly upstream: Socket,
    private readonly onClosed: (link: ChaosLink) => void,
  ) {
    this.toServer = new Pipe(downstream, upstream, this.client);
    this.toClient = new Pipe(upstream, downstream, this.server);
    upstream.once("connect", () => {
      this.established = true;
    });
    this.watch(downstream, this.client, upstream);
    this.watch(upstream, this.server, downstream);
  }

  /** The mode of the link (both directions share it). */
  get mode(): PipeMode {
    return this.toServer.mode;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Adds latency to both directions (0 removes it). */
  delay(ms: number): void {
    this.toServer.setDelay(ms);
    this.toClient.setDelay(ms);
  }

  /** Stops moving bytes both ways; they wait in the kernels until {@link resume}. */
  pause(): void {
    this.toServer.pause();
    this.toClient.pause();
  }

  resume(): void {
    this.toServer.resume();
    this.toClient.resume();
  }

  /** Discards everything both ways from now on, FIN and RST included; sockets stay open. */
  blackhole(): void {
    this.toServer.blackhole();
    this.toClient.blackhole();
  }

  /** Resets both sides (RST), as a middlebox dropping the connection would. */
  cut(): void {
    reset(this.downstream);
    reset(this.upstream);
  }

  private watch(socket: Socket, record: EndpointRecord, other: Socket): void {
    socket.on("error", (error: NodeJS.ErrnoException) => {
      record.errors.push(error.code ?? error.message);
      // A reset travels on unless the path is a black hole, where nothing travels.
      if (this.mode !== "blackhole") reset(other);
    });
    socket.on("close", () => {
      record.closedAt = performance.now();
      if (other.destroyed) this.finish();
      else if (this.mode !== "blackhole") {
        // Its FIN is already on its way to the other side (queued behind any delayed data) or
        // its reset has been passed on; the other side should follow soon. Make sure it does
        // not linger if it never does.
        this.linger ??= setTimeout(() => other.destroy(), 2000).unref();
      }
    });
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.linger) clearTimeout(this.linger);
    this.toServer.dispose();
    this.toClient.dispose();
    this.onClosed(this);
  }
}

/** Options of {@link ChaosProxy.start}. */
export interface ChaosProxyOptions {
  /** Server to forward to, on 127.0.0.1 unless `host` says otherwise. */
  port: number;
  host?: string;
  /** Keep the records of closed links (for FIN/RST checks). Default false. */
  keepHistory?: boolean;
}

/**
 * Test-only TCP proxy on 127.0.0.1 for fault injection between real clients and a real server.
 * Each accepted connection becomes a {@link ChaosLink} whose path can be delayed, paused,
 * black-holed or cut while both endpoints keep running; the links also record whether each
 * endpoint ended with a FIN or an RST.
 *
 * @example
 * ```ts
 * const proxy = await ChaosProxy.start({ port: serverPort });
 * const client = await connect(contract, { port: proxy.port });
 * for (const link of proxy.links) link.blackhole();
 * ```
 */
export class ChaosProxy {
  /** Open links. */
  readonly links = new Set<ChaosLink>();
  /** Closed links, when `keepHistory` is on. */
  readonly history: ChaosLink[] = [];
  /** Connections accepted so far. */
  accepted = 0;
  private nextId = 1;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: ChaosProxyOptions,
  ) {}

  static async start(options: ChaosProxyOptions): Promise<ChaosProxy> {
    const server = createServer({ allowHalfOpen: true, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("proxy has no port");
    const proxy = new ChaosProxy(server, address.port, options);
    server.on("connection", (socket) => proxy.accept(socket));
    return proxy;
  }

  /** Open links whose server side is connected: the ones faults make sense on. */
  established(): ChaosLink[] {
    return [...this.links].filter((link) => link.established);
  }

  /** Resets every open link. */
  cutAll(): void {
    for (const link of this.links) link.cut();
  }

  /** Stops listening and resets whatever is still open. */
  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(downstream: Socket): void {
    this.accepted++;
    const upstream = tcpConnect({
      host: this.options.host ?? "127.0.0.1",
      port: this.options.port,
      allowHalfOpen: true,
      noDelay: true,
    });
    const link = new ChaosLink(this.nextId++, downstream, upstream, (closed) => {
      this.links.delete(closed);
      if (this.options.keepHistory) this.history.push(closed);
    });
    this.links.add(link);
  }
}
