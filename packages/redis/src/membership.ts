import { ErrorCode, SockwireError } from "@sockwire/protocol";
import type { AdapterHost } from "@sockwire/server";
import { CLEAR_SCRIPT, HEARTBEAT_SCRIPT, type Keys, LEAVE_SCRIPT } from "./keys.js";
import type { RedisLink } from "./link.js";

/**
 * Mirrors this instance's connections and rooms into Redis, and keeps the instance alive there.
 *
 * The server's own bookkeeping is the truth; Redis holds a copy that may lag. Each change is
 * written as it happens. A change that cannot be written (Redis away, a command failing) is not
 * retried one by one: it marks the copy stale, and the next full sync (on every (re)connection,
 * or at the next heartbeat) replaces the whole copy from the server's current state. A sync is a
 * single MULTI on the command connection, so changes made after it are applied after it.
 *
 * The heartbeat refreshes a liveness key that expires after `instanceTtlMs` and sweeps the keys
 * of instances whose liveness has expired (crashed ones), atomically, in one script.
 */
export class Membership {
  /** Full syncs completed. */
  syncs = 0;
  /** Dead instances whose keys this instance removed. */
  swept = 0;
  /** Bumped whenever a write may be missing from Redis. */
  #stale = 0;
  /** The value of #stale the last completed sync covered; -1 before the first. */
  #covered = -1;
  #syncing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reported = false;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: Keys,
    private readonly self: string,
    private readonly host: AdapterHost,
    private readonly ttlMs: number,
    private readonly meta: string,
    private readonly report: (error: SockwireError) => void,
  ) {}

  opened(id: string): void {
    this.#write(() => this.link.pub.sAdd(this.keys.conns(this.self), id));
  }

  closed(id: string): void {
    this.#write(() => this.link.pub.sRem(this.keys.conns(this.self), id));
  }

  joined(id: string, room: string): void {
    this.#write(() =>
      Promise.all([
        this.link.pub.sAdd(this.keys.room(this.self, room), id),
        this.link.pub.sAdd(this.keys.rooms(this.self), room),
      ]),
    );
  }

  left(id: string, room: string): void {
    this.#write(() =>
      this.link.pub.eval(LEAVE_SCRIPT, {
        keys: [this.keys.room(this.self, room), this.keys.rooms(this.self)],
        arguments: [id, room],
      }),
    );
  }

  /** Starts the heartbeat timer. */
  start(intervalMs: number): void {
    this.#timer ??= setInterval(() => void this.beat(), intervalMs);
    // The server's listener keeps the process alive; this timer alone must not.
    this.#timer.unref();
  }

  /** Stops the heartbeat and, when Redis is reachable, removes this instance's keys. */
  leave(): Promise<unknown> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (!this.link.writable) return Promise.resolve();
    return this.link.pub
      .eval(CLEAR_SCRIPT, { arguments: [this.keys.namespace, this.self, "leave"] })
      .catch(() => undefined);
  }

  /** Refreshes liveness, sweeps dead instances, and re-syncs if the copy is stale. */
  async beat(): Promise<void> {
    if (!this.link.writable) return;
    try {
      const reply = (await this.link.pub.eval(HEARTBEAT_SCRIPT, {
        arguments: [this.keys.namespace, this.self, String(this.ttlMs), this.meta],
      })) as [number, number];
      this.swept += reply[1];
      // Our liveness had expired (a stall longer than the TTL): others may have swept our keys.
      if (reply[0] === 0 && this.#covered >= 0) this.#stale++;
    } catch (error) {
      this.#failed(error);
      return;
    }
    if (this.#covered < this.#stale) await this.sync();
  }

  /** Replaces Redis's copy of this instance's membership with the server's current state. */
  sync(): Promise<void> {
    if (this.#syncing) return this.#syncing;
    if (!this.link.writable) return Promise.resolve();
    const covers = this.#stale;
    const { keys, self, host } = this;
    const multi = this.link.pub
      .multi()
      .eval(CLEAR_SCRIPT, { arguments: [keys.namespace, self, "keep"] });
    const ids = Array.from(host.connections(), (conn) => conn.id);
    if (ids.length > 0) multi.sAdd(keys.conns(self), ids);
    const rooms = host.roomNames();
    for (const room of rooms) multi.sAdd(keys.room(self, room), host.roomMembers(room));
    if (rooms.length > 0) multi.sAdd(keys.rooms(self), rooms);
    multi.eval(HEARTBEAT_SCRIPT, {
      arguments: [keys.namespace, self, String(this.ttlMs), this.meta],
    });
    this.#syncing = multi
      .exec()
      .then(
        () => {
          this.#covered = Math.max(this.#covered, covers);
          this.#reported = false;
          this.syncs++;
        },
        (error: unknown) => this.#failed(error),
      )
      .finally(() => {
        this.#syncing = undefined;
      });
    return this.#syncing;
  }

  #write(send: () => Promise<unknown>): void {
    if (!this.link.writable) {
      this.#stale++;
      return;
    }
    send().catch((error: unknown) => this.#failed(error));
  }

  /** A write or sync failed: the copy is stale. Disconnections are reported by the link. */
  #failed(error: unknown): void {
    this.#stale++;
    if (!this.link.writable || this.#reported) return;
    this.#reported = true;
    const text = error instanceof Error ? error.message : String(error);
    this.report(
      new SockwireError(ErrorCode.ADAPTER, `cannot write membership to Redis: ${text}`, {
        cause: error,
        details: { operation: "membership" },
      }),
    );
  }
}
