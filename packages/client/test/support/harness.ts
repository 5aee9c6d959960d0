import { createServer as createNetServer, type Server, type Socket } from "node:net";
import type { AnyContract } from "@sockwire/protocol";
import { createServer, type ServerOptions, type SockwireServer } from "@sockwire/server";
import { type ClientOptions, createClient, type SockwireClient } from "../../src/index.js";
import { TcpProxy } from "./tcp-proxy.js";

/** Shrunken timers from the reliability harness rules. */
export const FAST_RECONNECT = {
  initialDelayMs: 20,
  factor: 1.6,
  maxDelayMs: 200,
  jitter: 0.2,
} as const;

/**
 * Everything a test starts, closed in `afterEach` whatever happened: servers, clients, proxies
 * and raw sockets. Destroying is fine here: the tests have made their assertions by then.
 */
export class Harness {
  private readonly servers = new Set<SockwireServer<AnyContract, unknown>>();
  private readonly clients = new Set<SockwireClient<AnyContract>>();
  private readonly proxies = new Set<TcpProxy>();
  private readonly rawServers = new Set<Server>();
  private readonly sockets = new Set<Socket>();

  /** A real @sockwire/server listening on 127.0.0.1, port 0 (or `port`). */
  async server<C extends AnyContract, Ctx = undefined>(
    contract: C,
    options: ServerOptions<C, Ctx> = {},
    setup?: (server: SockwireServer<C, Ctx>) => void,
    port = 0,
  ): Promise<{ server: SockwireServer<C, Ctx>; port: number }> {
    const server = createServer(contract, { closeTimeoutMs: 2000, ...options });
    setup?.(server);
    this.servers.add(server as unknown as SockwireServer<AnyContract, unknown>);
    const address = await server.listen({ host: "127.0.0.1", port });
    return { server, port: address.port };
  }

  /** A client tracked for cleanup (not connected yet). */
  client<C extends AnyContract>(contract: C, options: ClientOptions<C>): SockwireClient<C> {
    const client = createClient(contract, {
      reconnect: FAST_RECONNECT,
      closeTimeoutMs: 2000,
      ...options,
    });
    this.clients.add(client as unknown as SockwireClient<AnyContract>);
    return client;
  }

  async proxy(port: number): Promise<TcpProxy> {
    const proxy = await TcpProxy.start({ port });
    this.proxies.add(proxy);
    return proxy;
  }

  /** A raw TCP server for scripted, misbehaving peers. */
  async raw(onSocket: (socket: Socket) => void): Promise<number> {
    const server = createNetServer({ allowHalfOpen: true }, (socket) => {
      this.sockets.add(socket);
      socket.on("error", () => {});
      onSocket(socket);
    });
    this.rawServers.add(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    return address.port;
  }

  /** Stops tracking a server that the test closed itself. */
  forget(server: { close(): Promise<void> }): void {
    this.servers.delete(server as unknown as SockwireServer<AnyContract, unknown>);
  }

  async cleanup(): Promise<void> {
    for (const client of this.clients) client.destroy();
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([
      ...[...this.servers].map((s) => s.close({ timeoutMs: 200 }).catch(() => {})),
      ...[...this.proxies].map((p) => p.close()),
      ...[...this.rawServers].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    ]);
    this.clients.clear();
    this.servers.clear();
    this.proxies.clear();
    this.rawServers.clear();
    this.sockets.clear();
  }
}

/** Resolves when `predicate` holds, polling every 5 ms; rejects after `timeoutMs`. */
export async function until(
  predicate: () => boolean,
  timeoutMs = 5000,
  what = "condition",
): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
