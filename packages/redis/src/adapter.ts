import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { ErrorCode, SockwireError } from "@sockwire/protocol";
import type { AdapterHost, AdapterTarget, ServerAdapter } from "@sockwire/server";
import { decodeClusterMessage } from "./envelope.js";
import { Keys } from "./keys.js";
import { type LinkState, RedisLink } from "./link.js";
import { Membership } from "./membership.js";
import {
  type RedisAdapterOptions,
  type ResolvedRedisOptions,
  resolveRedisOptions,
} from "./options.js";
import { Publisher } from "./publisher.js";
import { type ClusterInstance, Queries } from "./queries.js";
import type { RedisAdapterStats } from "./stats.js";

/**
 * Scale-out through Redis pub/sub: plug it into `createServer(contract, { adapter })` and
 * broadcasts, room messages and `server.emitTo()` reach the connections of every instance that
 * uses the same Redis, contract and prefix. Create it with {@link redisAdapter}; one adapter
 * serves one server.
 *
 * Guarantees: local delivery never waits for Redis; delivery to other instances is
 * at-most-once (nothing is queued while Redis is away, nothing is sent twice); every message is
 * validated and encoded once, by the instance that sends it.
 *
 * @example
 * ```ts
 * const adapter = redisAdapter({ url: process.env.REDIS_URL });
 * const server = createServer(chat, { adapter });
 * server.on("say", ({ room, text }) => server.to(room).emit("said", { room, text }));
 * await server.listen({ port: 7000 });
 * console.log(await adapter.roomSize("lobby"));
 * ```
 */
export class RedisAdapter implements ServerAdapter {
  /** This instance's id: random, and the prefix of its connection ids (`<instanceId>.<n>`). */
  readonly instanceId: string = randomBytes(9).toString("base64url");
  readonly #options: ResolvedRedisOptions;
  readonly #listeners = new Set<(state: LinkState) => void>();
  #parts: Parts | undefined;
  #received = 0;
  #delivered = 0;
  #malformed = 0;

  /** Use {@link redisAdapter}. */
  constructor(options?: RedisAdapterOptions) {
    this.#options = resolveRedisOptions(options);
  }

  /** Where the link to Redis is (`idle` until the server listens). */
  get state(): LinkState {
    return this.#parts?.link.state ?? "idle";
  }

  /** Called by `createServer`. @throws `ERR_INVALID_ARGUMENT` when already attached. */
  attach(host: AdapterHost): void {
    if (this.#parts) {
      throw new SockwireError(ErrorCode.INVALID_ARGUMENT, "this adapter already serves a server");
    }
    const o = this.#options;
    const report = (error: SockwireError) => host.reportError(error);
    const keys = new Keys(o.prefix, host.contract);
    const link = new RedisLink(o, (state) => this.#changed(state), report);
    const meta = JSON.stringify({ host: hostname(), pid: process.pid, startedAt: new Date() });
    const id = this.instanceId;
    this.#parts = {
      host,
      keys,
      link,
      membership: new Membership(link, keys, id, host, o.instanceTtlMs, meta, report),
      publisher: new Publisher(link, keys, id, o.maxPendingBytes, report),
      queries: new Queries(link, keys, id, host, o.queryTimeoutMs),
    };
  }

  /** Called when the server listens: connects and subscribes in the background. */
  start(): void {
    const parts = this.#parts;
    if (parts?.link.state !== "idle") return;
    const { link, keys, membership } = parts;
    const channels = [keys.broadcastChannel, keys.directChannel(this.instanceId)];
    link.start(channels, (message) => this.#receive(message));
    membership.start(this.#options.heartbeatIntervalMs);
  }

  /** Called at the end of `server.close()`: removes this instance from Redis and disconnects. */
  async close(): Promise<void> {
    const parts = this.#parts;
    if (!parts) return;
    // Queued before the close, so the graceful close waits for it (up to closeTimeoutMs).
    void parts.membership.leave();
    await parts.link.close(this.#options.closeTimeoutMs);
  }

  /** Called by the server after local delivery. Never throws, never waits. */
  publish(frame: Buffer, target: AdapterTarget): void {
    this.#parts?.publisher.publish(frame, target);
  }

  /** Called by the server. */
  connectionOpened(id: string): void {
    this.#parts?.membership.opened(id);
  }

  /** Called by the server. */
  connectionClosed(id: string): void {
    this.#parts?.membership.closed(id);
  }

  /** Called by the server. */
  roomJoined(id: string, room: string): void {
    this.#parts?.membership.joined(id, room);
  }

  /** Called by the server. */
  roomLeft(id: string, room: string): void {
    this.#parts?.membership.left(id, room);
  }

  /** Members of `room` on every live instance. Rejects `ERR_ADAPTER` while Redis is unavailable. */
  async roomSize(room: string): Promise<number> {
    return this.#queries().roomSize(room);
  }

  /** Connection ids in `room` on every live instance. Rejects `ERR_ADAPTER` while Redis is unavailable. */
  async connectionsIn(room: string): Promise<string[]> {
    return this.#queries().connectionsIn(room);
  }

  /** Rooms with members on any live instance. Rejects `ERR_ADAPTER` while Redis is unavailable. */
  async rooms(): Promise<string[]> {
    return this.#queries().rooms();
  }

  /** Open connections on every live instance. Rejects `ERR_ADAPTER` while Redis is unavailable. */
  async connectionCount(): Promise<number> {
    return this.#queries().connectionCount();
  }

  /** Live instances, sorted by id. Rejects `ERR_ADAPTER` while Redis is unavailable. */
  async instances(): Promise<ClusterInstance[]> {
    return this.#queries().instances();
  }

  /** Calls `listener` on every change of {@link state}. Returns an unsubscribe function. */
  onStatus(listener: (state: LinkState) => void): () => void {
    if (typeof listener !== "function") {
      throw new SockwireError(ErrorCode.INVALID_ARGUMENT, "listener must be a function");
    }
    const entry = (state: LinkState) => listener(state);
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  /**
   * Resolves once the link to Redis is `ready`. Rejects with `ERR_ADAPTER` if the adapter
   * closes first or `timeoutMs` passes (default: wait without limit).
   */
  whenReady(options: { timeoutMs?: number | undefined } = {}): Promise<void> {
    if (this.state === "ready") return Promise.resolve();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (error?: SockwireError) => {
        off();
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const notReady = (why: string) =>
        new SockwireError(ErrorCode.ADAPTER, `Redis link not ready: ${why}`, {
          details: { operation: "ready" },
        });
      const off = this.onStatus((state) => {
        if (state === "ready") settle();
        else if (state === "closing" || state === "closed") settle(notReady("the adapter closed"));
      });
      if (this.state === "closing" || this.state === "closed")
        settle(notReady("the adapter closed"));
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(
          () => settle(notReady(`still ${this.state} after ${options.timeoutMs} ms`)),
          options.timeoutMs,
        );
      }
    });
  }

  /** Counters and gauges of this adapter. */
  stats(): RedisAdapterStats {
    const parts = this.#parts;
    const p = parts?.publisher;
    return {
      state: this.state,
      instanceId: this.instanceId,
      published: p?.published ?? 0,
      publishedBytes: p?.publishedBytes ?? 0,
      dropped: p?.dropped ?? 0,
      unroutable: p?.unroutable ?? 0,
      pendingBytes: p?.pendingBytes ?? 0,
      received: this.#received,
      delivered: this.#delivered,
      malformed: this.#malformed,
      reconnects: parts?.link.reconnects ?? 0,
      membershipSyncs: parts?.membership.syncs ?? 0,
      sweptInstances: parts?.membership.swept ?? 0,
    };
  }

  #receive(message: Buffer): void {
    const parts = this.#parts;
    if (!parts) return;
    try {
      const { origin, target, frame } = decodeClusterMessage(message);
      // Our own broadcasts come back through the subscription: they were delivered locally already.
      if (origin === this.instanceId) return;
      this.#received++;
      this.#delivered += parts.host.deliver(frame, target);
    } catch (error) {
      this.#malformed++;
      if (error instanceof SockwireError) parts.host.reportError(error);
    }
  }

  #changed(state: LinkState): void {
    const parts = this.#parts;
    if (state === "ready" && parts) {
      parts.publisher.rearm();
      void parts.membership.sync();
    }
    for (const listener of [...this.#listeners]) {
      try {
        listener(state);
      } catch (error) {
        parts?.host.reportError(
          new SockwireError(ErrorCode.ADAPTER, "an onStatus listener threw", {
            cause: error,
            details: { operation: "status" },
          }),
        );
      }
    }
  }

  #queries(): Queries {
    if (!this.#parts) {
      throw new SockwireError(ErrorCode.ADAPTER, "the adapter is not attached to a server", {
        details: { operation: "query" },
      });
    }
    return this.#parts.queries;
  }
}

interface Parts {
  host: AdapterHost;
  keys: Keys;
  link: RedisLink;
  membership: Membership;
  publisher: Publisher;
  queries: Queries;
}

/**
 * Creates a Redis adapter for one server. Nothing connects until the server listens; if Redis
 * is unavailable then, the server serves its own clients anyway and the adapter keeps retrying.
 *
 * @throws `ERR_INVALID_ARGUMENT` synchronously for an unknown option or a value out of range.
 *
 * @example
 * ```ts
 * import { createServer } from "@sockwire/server";
 * import { redisAdapter } from "@sockwire/redis";
 *
 * const server = createServer(chat, { adapter: redisAdapter({ url: "redis://10.0.0.5:6379" }) });
 * await server.listen({ host: "0.0.0.0", port: 7000 });
 * ```
 */
export function redisAdapter(options?: RedisAdapterOptions): RedisAdapter {
  return new RedisAdapter(options);
}
