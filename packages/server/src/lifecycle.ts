import type net from "node:net";
import { type AnyContract, ErrorCode, SockwireError, WireCode } from "@sockwire/protocol";
import { noop, rejected } from "@sockwire/protocol/internal";
import type { Cluster } from "./cluster.js";
import { createListener, type Listener } from "./listener.js";
import type { ResolvedOptions } from "./options.js";
import type { ConnectionRegistry } from "./registry.js";
import type { CloseOptions, ListenOptions, ServerAddress, ServerState } from "./types.js";
import { checkCloseOptions, checkListenOptions } from "./validate.js";

/**
 * A server's lifecycle (see {@link ServerState}): `idle` until `listen()`, `listening` while it
 * accepts, `closing` during `close()`, then `closed` for good. It owns the listening socket and
 * tracks every raw socket, so that a close that runs out of time can destroy them; the
 * connections themselves are the registry's. `SockwireServer.listen` and `close` are its
 * public face, with their documentation.
 */
export class ServerLifecycle<C extends AnyContract, Ctx> {
  readonly #options: ResolvedOptions;
  readonly #registry: ConnectionRegistry<C, Ctx>;
  /** The scale-out adapter's link, when the `adapter` option is set. */
  readonly #cluster: Cluster<C, Ctx> | undefined;
  /** Every raw socket, including TLS sockets still in their TLS handshake. */
  readonly #sockets = new Set<net.Socket>();
  #state: ServerState = "idle";
  #listener: Listener | undefined;
  #listening: Promise<ServerAddress> | undefined;
  #address: ServerAddress | undefined;
  #closing: Promise<void> | undefined;

  constructor(
    options: ResolvedOptions,
    registry: ConnectionRegistry<C, Ctx>,
    cluster: Cluster<C, Ctx> | undefined,
  ) {
    this.#options = options;
    this.#registry = registry;
    this.#cluster = cluster;
  }

  /** Where the server is in its lifecycle. */
  get state(): ServerState {
    return this.#state;
  }

  /** The bound address once listening, else `undefined`. */
  get address(): ServerAddress | undefined {
    return this.#address;
  }

  /** Starts accepting connections (see `SockwireServer.listen`). */
  listen(options: ListenOptions): Promise<ServerAddress> {
    let args: { host: string; port: number; backlog: number };
    try {
      args = checkListenOptions(options);
    } catch (error) {
      return rejected(error);
    }
    if (this.#state === "closing" || this.#state === "closed") {
      return rejected(new SockwireError(ErrorCode.SERVER_CLOSED, "the server has been closed"));
    }
    if (this.#listening)
      return rejected(new SockwireError(ErrorCode.INVALID_ARGUMENT, "listen() was already called"));
    const listener = this.#listenerOrCreate();
    this.#listening = new Promise<ServerAddress>((resolve, reject) => {
      const onError = (error: Error) => {
        this.#listening = undefined;
        reject(
          new SockwireError(
            ErrorCode.SOCKET_ERROR,
            `cannot listen on ${args.host}:${args.port}: ${error.message}`,
            { cause: error },
          ),
        );
      };
      listener.once("error", onError);
      listener.listen(args, () => {
        listener.off("error", onError);
        const bound = listener.address() as net.AddressInfo;
        this.#address = { address: bound.address, port: bound.port, family: bound.family };
        if (this.#state === "idle") this.#state = "listening";
        this.#cluster?.start();
        resolve(this.#address);
      });
    });
    return this.#listening;
  }

  /** Graceful shutdown (see `SockwireServer.close`); a second call returns the same promise. */
  close(options: CloseOptions): Promise<void> {
    if (this.#closing) return this.#closing;
    let args: { timeoutMs: number; reconnectAfterMs: number | undefined };
    try {
      args = checkCloseOptions(options, this.#options.closeTimeoutMs);
    } catch (error) {
      return rejected(error);
    }
    this.#closing = this.#shutdown(args.timeoutMs, args.reconnectAfterMs);
    return this.#closing;
  }

  async #shutdown(timeoutMs: number, reconnectAfterMs: number | undefined): Promise<void> {
    this.#state = "closing";
    await this.#listening?.catch(noop);
    const listener = this.#listener;
    const listenerClosed = new Promise<void>((resolve) => {
      if (listener?.listening) listener.close(() => resolve());
      else resolve();
    });
    this.#registry.shutdownAll(
      WireCode.GOING_AWAY,
      "the server is shutting down",
      reconnectAfterMs,
      timeoutMs,
    );
    const force = setTimeout(() => {
      const message = `server close timed out after ${timeoutMs} ms`;
      this.#registry.destroyAll(new SockwireError(ErrorCode.SERVER_CLOSED, message));
      for (const socket of [...this.#sockets]) socket.destroy();
    }, timeoutMs);
    const drained = this.#registry.drained();
    await Promise.all([listenerClosed, drained]);
    clearTimeout(force);
    // After the connections: their last membership changes go out before the adapter leaves.
    await this.#cluster?.close();
    this.#state = "closed";
  }

  #listenerOrCreate(): Listener {
    if (this.#listener) return this.#listener;
    const registry = this.#registry;
    const listener = createListener(this.#options, {
      accepted: (socket) => registry.accept(socket),
      tlsStarted: () => registry.tlsStarted(),
      tlsSecured: (socket) => registry.tlsSecured(socket),
      tlsFailed: (failure) => registry.tlsFailed(failure),
    });
    // One close listener for all sockets of this server, and `on` rather than `once` ('close' is
    // emitted once anyway): a closure plus once-wrapper per socket cost ~250 bytes per idle
    // connection.
    const sockets = this.#sockets;
    const forget = function (this: net.Socket): void {
      sockets.delete(this);
    };
    listener.on("connection", (socket: net.Socket) => {
      sockets.add(socket);
      socket.on("close", forget);
    });
    // After listen() succeeded, listener failures (EMFILE on accept...) must not crash the process.
    listener.on("error", (error: Error) => {
      if (this.#address === undefined) return; // a failing listen() rejects instead
      this.#registry.reportError(
        new SockwireError(ErrorCode.SOCKET_ERROR, `listener error: ${error.message}`, {
          cause: error,
        }),
      );
    });
    this.#listener = listener;
    return listener;
  }
}
