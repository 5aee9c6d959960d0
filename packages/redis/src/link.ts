import { ErrorCode, SockwireError } from "@sockwire/protocol";
import { createClient, type RedisClientOptions } from "redis";
import { type ResolvedRedisOptions, reconnectDelay } from "./options.js";

/**
 * State of the adapter's link to Redis.
 *
 * ```
 *  idle ──start()──► connecting ──both connections ready──► ready ◄──┐
 *                        │                                    │      │ both ready again
 *                        │                          a connection lost│
 *                        │                                    ▼      │
 *                        │                              reconnecting ┘
 *  any state ──close()──► closing ──connections closed──► closed
 * ```
 *
 * `connecting` and `reconnecting` retry forever with backoff; meanwhile local delivery goes on
 * and publishes are dropped (counted).
 *
 * @example
 * ```ts
 * adapter.onStatus(({ state }) => metrics.gauge("redis.up", state === "ready" ? 1 : 0));
 * ```
 */
export type LinkState = "idle" | "connecting" | "ready" | "reconnecting" | "closing" | "closed";

/** The node-redis client type the adapter uses. */
export type RedisClient = ReturnType<typeof createClient>;

/**
 * Two Redis connections, one for commands and publishes and one for subscriptions (a subscribed
 * connection can run nothing else), seen as one link with one state. It reports one
 * `ERR_ADAPTER` per failure episode, not one per retry.
 *
 * Reconnection is driven here, not inside node-redis: node-redis would sleep between attempts on
 * a timer nobody can cancel, which kept a closed server's process alive for up to a full backoff
 * delay. So each client gives up on its own (`reconnectStrategy: false`) and this class calls
 * `connect()` again from a timer that `close()` clears. node-redis keeps the confirmed
 * subscriptions across that and re-subscribes before it reports `ready`.
 */
export class RedisLink {
  readonly pub: RedisClient;
  readonly sub: RedisClient;
  /** Times the link came back after being lost. */
  reconnects = 0;
  #state: LinkState = "idle";
  /** True once the current connecting/reconnecting episode has been reported. */
  #reported = false;
  /** True once Redis confirmed the first SUBSCRIBE (node-redis confirms re-subscriptions before `ready`). */
  #subscribed = false;
  #subscribe: (() => void) | undefined;
  /** Failed attempts in a row, per client (the backoff exponent). */
  readonly #attempts = new Map<RedisClient, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #settings: ResolvedRedisOptions["reconnect"];

  constructor(
    options: ResolvedRedisOptions,
    private readonly changed: (state: LinkState) => void,
    private readonly report: (error: SockwireError) => void,
  ) {
    this.#settings = options.reconnect;
    const base: RedisClientOptions = {
      ...options.redis,
      url: options.url,
      // A publish while Redis is away fails at once instead of piling up (at-most-once).
      disableOfflineQueue: true,
      socket: {
        ...(options.redis.socket ?? {}),
        connectTimeout: options.connectTimeoutMs,
        reconnectStrategy: false,
      } as RedisClientOptions["socket"],
    };
    this.pub = createClient(base);
    this.sub = createClient(base);
    for (const client of [this.pub, this.sub]) {
      client.on("error", (error: unknown) => this.#failed(error));
      client.on("ready", () => this.#ready(client));
      client.on("end", () => this.#update());
      client.on("terminated", () => this.#retry(client));
    }
  }

  get state(): LinkState {
    return this.#state;
  }

  /** True when commands and publishes can be sent now. */
  get writable(): boolean {
    const state = this.#state;
    return (
      (state === "ready" || state === "connecting" || state === "reconnecting") && this.pub.isReady
    );
  }

  /**
   * Connects both clients and subscribes to `channels` in the background; failures are retried
   * and reported, never thrown. The link is `ready` once the subscription is confirmed.
   */
  start(channels: string[], listener: (message: Buffer) => void): void {
    if (this.#state !== "idle") return;
    this.#set("connecting");
    // Until Redis confirms it once, SUBSCRIBE is sent on every arrival of the subscriber. The
    // listener is the same function each time, and node-redis keeps listeners in a set, so a
    // repeated confirmation never delivers twice.
    this.#subscribe = () => {
      this.sub.subscribe(channels, listener, true).then(
        () => {
          this.#subscribed = true;
          this.#update();
        },
        () => undefined, // the connection dropped first: the next arrival tries again
      );
    };
    // A failed first attempt emits "terminated", which schedules the next one.
    this.pub.connect().catch(() => undefined);
    this.sub.connect().catch(() => undefined);
  }

  /** Closes both clients: waits for pending commands up to `timeoutMs`, then drops them. */
  async close(timeoutMs: number): Promise<void> {
    if (this.#state === "closing" || this.#state === "closed") return;
    const wasOpen = this.#state !== "idle";
    this.#set("closing");
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    if (wasOpen) {
      await Promise.all([this.pub, this.sub].map((client) => closeClient(client, timeoutMs)));
    }
    this.#set("closed");
  }

  #failed(error: unknown): void {
    const before = this.#state;
    this.#update();
    if (this.#reported || (this.#state !== "connecting" && this.#state !== "reconnecting")) return;
    this.#reported = true;
    const lost = before === "ready" || before === "reconnecting";
    const text = error instanceof Error ? error.message : String(error);
    const what = lost ? "connection to Redis lost" : "cannot connect to Redis";
    this.report(
      new SockwireError(ErrorCode.ADAPTER, `${what}: ${text}; retrying`, {
        cause: error,
        details: { operation: lost ? "connection" : "connect" },
      }),
    );
  }

  #ready(client: RedisClient): void {
    this.#attempts.set(client, 0);
    if (client === this.sub && !this.#subscribed) this.#subscribe?.();
    this.#update();
  }

  /** A client gave up on its connection: try again after the backoff delay. */
  #retry(client: RedisClient): void {
    this.#update();
    const state = this.#state;
    if (state !== "connecting" && state !== "reconnecting") return;
    const attempt = this.#attempts.get(client) ?? 0;
    this.#attempts.set(client, attempt + 1);
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        if (this.#state === "connecting" || this.#state === "reconnecting") {
          client.connect().catch(() => undefined);
        }
      },
      reconnectDelay(attempt, this.#settings),
    );
    this.#timers.add(timer);
  }

  #update(): void {
    const state = this.#state;
    if (state === "idle" || state === "closing" || state === "closed") return;
    if (this.pub.isReady && this.sub.isReady && this.#subscribed) {
      if (state === "reconnecting") this.reconnects++;
      this.#reported = false;
      this.#set("ready");
    } else if (state === "ready") {
      this.#set("reconnecting");
    }
  }

  #set(state: LinkState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.changed(state);
  }
}

async function closeClient(client: RedisClient, timeoutMs: number): Promise<void> {
  if (!client.isOpen) {
    client.destroy();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await Promise.race([client.isReady ? client.close() : Promise.resolve(), expired]);
  } catch {
    // Closing a client that is mid-reconnect can fail; destroy() below ends it either way.
  } finally {
    clearTimeout(timer);
    client.destroy();
  }
}
