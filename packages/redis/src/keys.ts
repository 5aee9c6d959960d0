import type { AnyContract } from "@sockwire/protocol";

/**
 * Names of every Redis key and channel the adapter uses. All of them start with the namespace
 * `<prefix>:<contract name>:<contract fingerprint>`, so services (and incompatible versions of
 * one service, which clients could not talk to anyway) sharing a Redis never see each other.
 *
 * | name | type | content |
 * |---|---|---|
 * | `<ns>:instances` | set | ids of instances that announced themselves |
 * | `<ns>:alive:<instance>` | string, expires after `instanceTtlMs` | JSON `{ host, pid, startedAt }` |
 * | `<ns>:conns:<instance>` | set | open connection ids of that instance |
 * | `<ns>:rooms:<instance>` | set | rooms with members on that instance |
 * | `<ns>:room:<instance>:<room>` | set | connection ids of that instance in the room |
 * | `<ns>:all` | channel | broadcasts and room messages, to every instance |
 * | `<ns>:to:<instance>` | channel | messages for one connection of that instance |
 */
export class Keys {
  readonly namespace: string;
  readonly instances: string;
  readonly broadcastChannel: string;

  constructor(prefix: string, contract: AnyContract) {
    this.namespace = `${prefix}:${contract.name}:${contract.fingerprint}`;
    this.instances = `${this.namespace}:instances`;
    this.broadcastChannel = `${this.namespace}:all`;
  }

  alive(instance: string): string {
    return `${this.namespace}:alive:${instance}`;
  }

  conns(instance: string): string {
    return `${this.namespace}:conns:${instance}`;
  }

  rooms(instance: string): string {
    return `${this.namespace}:rooms:${instance}`;
  }

  room(instance: string, room: string): string {
    return `${this.namespace}:room:${instance}:${room}`;
  }

  directChannel(instance: string): string {
    return `${this.namespace}:to:${instance}`;
  }
}

/** The instance that owns a connection id (`<instanceId>.<n>`), or undefined for another shape. */
export function ownerOf(connectionId: string): string | undefined {
  const dot = connectionId.lastIndexOf(".");
  return dot > 0 ? connectionId.slice(0, dot) : undefined;
}

// The scripts build key names from the namespace they are given, the same way Keys does. They
// run atomically, which matters for the sweep: no instance sees half of a dead one's keys.

/** Removes every key of instance ARGV[2] in namespace ARGV[1]. */
const CLEAR_BODY = `
local function clear(ns, id)
  local roomsKey = ns .. ':rooms:' .. id
  for _, room in ipairs(redis.call('SMEMBERS', roomsKey)) do
    redis.call('DEL', ns .. ':room:' .. id .. ':' .. room)
  end
  redis.call('DEL', roomsKey, ns .. ':conns:' .. id)
end
`;

/**
 * Heartbeat. ARGV: namespace, own id, ttl ms, meta JSON. Refreshes our liveness, then removes the
 * keys of every instance whose liveness has expired. Returns { our key existed (0/1), swept }.
 */
export const HEARTBEAT_SCRIPT = `${CLEAR_BODY}
local ns, self = ARGV[1], ARGV[2]
local instances = ns .. ':instances'
local existed = redis.call('EXISTS', ns .. ':alive:' .. self)
redis.call('SET', ns .. ':alive:' .. self, ARGV[4], 'PX', ARGV[3])
redis.call('SADD', instances, self)
local swept = 0
for _, id in ipairs(redis.call('SMEMBERS', instances)) do
  if id ~= self and redis.call('EXISTS', ns .. ':alive:' .. id) == 0 then
    clear(ns, id)
    redis.call('SREM', instances, id)
    swept = swept + 1
  end
end
return { existed, swept }
`;

/** Removes our own keys (before a full re-sync, and on close). ARGV: namespace, own id, "leave". */
export const CLEAR_SCRIPT = `${CLEAR_BODY}
clear(ARGV[1], ARGV[2])
if ARGV[3] == 'leave' then
  redis.call('DEL', ARGV[1] .. ':alive:' .. ARGV[2])
  redis.call('SREM', ARGV[1] .. ':instances', ARGV[2])
end
return 1
`;

/** Leave a room. KEYS: room set, rooms set. ARGV: connection id, room. Drops empty rooms. */
export const LEAVE_SCRIPT = `
if redis.call('SREM', KEYS[1], ARGV[1]) == 1 and redis.call('SCARD', KEYS[1]) == 0 then
  redis.call('SREM', KEYS[2], ARGV[2])
end
return 1
`;

/**
 * Cluster query over the live instances other than ARGV[2]. ARGV: namespace, own id, mode,
 * room. Modes: `roomSize` (number), `members` (ids in the room), `rooms` (room names),
 * `count` (open connections), `instances` (flat list: id, meta JSON, id, meta JSON...; ours
 * included).
 */
export const QUERY_SCRIPT = `
local ns, self, mode, room = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local total = 0
local out = {}
local seen = {}
for _, id in ipairs(redis.call('SMEMBERS', ns .. ':instances')) do
  local meta = redis.call('GET', ns .. ':alive:' .. id)
  if meta then
    if mode == 'instances' then
      table.insert(out, id)
      table.insert(out, meta)
    elseif id ~= self then
      if mode == 'roomSize' then
        total = total + redis.call('SCARD', ns .. ':room:' .. id .. ':' .. room)
      elseif mode == 'count' then
        total = total + redis.call('SCARD', ns .. ':conns:' .. id)
      elseif mode == 'members' then
        for _, c in ipairs(redis.call('SMEMBERS', ns .. ':room:' .. id .. ':' .. room)) do
          table.insert(out, c)
        end
      elseif mode == 'rooms' then
        for _, r in ipairs(redis.call('SMEMBERS', ns .. ':rooms:' .. id)) do
          if not seen[r] then
            seen[r] = true
            table.insert(out, r)
          end
        end
      end
    end
  end
end
if mode == 'roomSize' or mode == 'count' then return total end
return out
`;
