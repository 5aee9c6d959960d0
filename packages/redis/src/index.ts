/**
 * @sockwire/redis: scale-out for sockwire servers through Redis pub/sub. Broadcasts, room
 * messages and direct messages reach the connections of every instance; room membership is
 * known cluster-wide.
 * @packageDocumentation
 */

export { RedisAdapter, redisAdapter } from "./adapter.js";
export {
  CLUSTER_ENVELOPE_VERSION,
  type ClusterMessage,
  decodeClusterMessage,
  encodeClusterMessage,
} from "./envelope.js";
export type { LinkState } from "./link.js";
export {
  REDIS_ADAPTER_DEFAULTS,
  type RedisAdapterOptions,
  type RedisReconnectOptions,
} from "./options.js";
export type { ClusterInstance } from "./queries.js";
export type { RedisAdapterStats } from "./stats.js";
