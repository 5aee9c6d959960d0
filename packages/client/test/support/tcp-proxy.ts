import { createServer, connect as netConnect, type Server, type Socket } from "node:net";

/** How the proxy treats traffic. */
export type ProxyMode = "forward" | "paused" | "blackhole";

interface Link {
  client: Socket;
  upstream: Socket;
  /** Bytes held while paused, per direction. */
  held: { toUpstream: Buffer[]; toClient: Buffer[]; bytes: number };
}

/** Most bytes the proxy holds per link while paused; beyond it input is discarded. */
const MAX_HELD_BYTES = 16 * 1024 * 1024;

/**
 * Test-only TCP proxy between a client and a server, for fault injection over real loopback
 * sockets:
 * - `pause()`: stop forwarding both ways but keep reading (held in memory, bounded), so neither
 *   end sees backpressure; `resume()` delivers what was held, in order.
 * - `blackhole()`: stop forwarding and discard, keeping both sockets open: the cable-pull model,
 *   where TCP itself reports nothing and only an application heartbeat notices.
 * - `cut()`: destroy both sides of every link (an RST-style failure).
 * - `refusing = true`: new connections are closed at once, as if the server were down.
 * `close()` destroys everything and stops listening.
 */
export class TcpProxy {
  mode: ProxyMode = "forward";
  /** When true, new connections are accepted and closed at once (a server that is down). */
  refusing = false;
  private readonly links = new Set<Link>();
  private readonly server: Server;
  /** Connections accepted so far. */
  accepted = 0;
  /** Every chunk forwarded, per direction, in order (all links together). */
  readonly recorded: { toUpstream: Buffer[]; toClient: Buffer[] } = {
    toUpstream: [],
    toClient: [],
  };

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
    server: Server,
  ) {
    this.server = server;
  }

  /** Starts a proxy on 127.0.0.1, port 0, forwarding to `target`. */
  static async start(target: { host?: string; port: number }): Promise<TcpProxy> {
    const server = createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("proxy has no port");
    const proxy = new TcpProxy(
      { host: target.host ?? "127.0.0.1", port: target.port },
      address.port,
      server,
    );
    server.on("connection", (socket) => proxy.accept(socket));
    return proxy;
  }

  /** Points new connections at another target (a restarted server). */
  retarget(port: number): void {
    this.target.port = port;
  }

  /** Open links. */
  get size(): number {
    return this.links.size;
  }

  pause(): void {
    this.mode = "paused";
  }

  blackhole(): void {
    this.mode = "blackhole";
    for (const link of this.links) {
      link.held = { toUpstream: [], toClient: [], bytes: 0 };
    }
  }

  resume(): void {
    this.mode = "forward";
    for (const link of this.links) {
      for (const chunk of link.held.toUpstream) this.relay(link, chunk, "toUpstream");
      for (const chunk of link.held.toClient) this.relay(link, chunk, "toClient");
      link.held = { toUpstream: [], toClient: [], bytes: 0 };
    }
  }

  /** Destroys both sides of every open link. */
  cut(): void {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    this.links.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    if (this.refusing) {
      client.on("error", () => {});
      client.destroy();
      return;
    }
    const upstream = netConnect({
      host: this.target.host,
      port: this.target.port,
      allowHalfOpen: true,
      noDelay: true,
    });
    client.setNoDelay(true);
    const link: Link = { client, upstream, held: { toUpstream: [], toClient: [], bytes: 0 } };
    this.links.add(link);
    const drop = () => {
      if (!this.links.delete(link)) return;
      client.destroy();
      upstream.destroy();
    };
    // One side closed: let the other flush what it was given, send its FIN, then go.
    const settle = (other: Socket) => () => {
      this.links.delete(link);
      if (other.destroyed) return;
      other.end();
      setTimeout(() => other.destroy(), 1000).unref();
    };
    client.on("data", (chunk: Buffer) => this.relay(link, chunk, "toUpstream"));
    upstream.on("data", (chunk: Buffer) => this.relay(link, chunk, "toClient"));
    // Half-closes pass through only while forwarding; a blackholed link swallows them too.
    client.on("end", () => {
      if (this.mode === "forward") upstream.end();
    });
    upstream.on("end", () => {
      if (this.mode === "forward") client.end();
    });
    client.on("error", drop);
    upstream.on("error", drop);
    client.on("close", settle(upstream));
    upstream.on("close", settle(client));
  }

  private relay(link: Link, chunk: Buffer, direction: "toUpstream" | "toClient"): void {
    if (this.mode === "forward") {
      this.recorded[direction].push(chunk);
      (direction === "toUpstream" ? link.upstream : link.client).write(chunk);
      return;
    }
    if (this.mode === "blackhole") return;
    if (link.held.bytes + chunk.length > MAX_HELD_BYTES) return;
    link.held[direction].push(chunk);
    link.held.bytes += chunk.length;
  }
}
