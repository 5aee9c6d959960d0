import type { LinkState } from "./link.js";

/**
 * Counters of a {@link RedisAdapter}, from `adapter.stats()`.
 *
 * @example
 * ```ts
 * const { dropped, state } = adapter.stats();
 * if (dropped > 0) log.warn({ dropped, state }, "cluster messages lost");
 * ```
 */
export interface RedisAdapterStats {
  state: LinkState;
  instanceId: string;
  /** Messages Redis accepted from this instance. */
  published: number;
  /** Bytes of those messages (envelope included). */
  publishedBytes: number;
  /** Messages not sent to the other instances: Redis unavailable, backlog full, or the publish failed. */
  dropped: number;
  /** Messages for one connection whose instance was not listening (gone) or whose id was not a cluster id. */
  unroutable: number;
  /** Bytes handed to Redis and not yet acknowledged. */
  pendingBytes: number;
  /** Messages received from other instances. */
  received: number;
  /** Local deliveries of those messages (one message to 10 connections counts 10). */
  delivered: number;
  /** Received messages dropped because they were malformed. */
  malformed: number;
  /** Times the link to Redis came back after being lost. */
  reconnects: number;
  /** Full membership syncs written (one per (re)connection, more after failed writes). */
  membershipSyncs: number;
  /** Dead instances whose keys this instance removed. */
  sweptInstances: number;
}
