/**
 * @sockwire/server: a typed TCP/TLS message server. One zod contract gives handlers their types
 * and every inbound message its validation; the server adds the handshake, heartbeats,
 * backpressure, limits, rooms and a graceful close.
 * @packageDocumentation
 */

/*
 * Module layers, bottom to top. A file imports only files of lower layers, never one of its own
 * layer or above; type-only imports count too. So the files can be read from L0 up, each one
 * using only what has been read already.
 *
 *   L0  adapter.ts, resumption.ts, rooms.ts, tls-failure.ts, types.ts  (nothing from the package)
 *   L1  listeners.ts, options.ts, stats.ts, validate.ts
 *   L2  connection-host.ts, handshake.ts, listener.ts, resume-terms.ts
 *   L3  contract-exchange.ts
 *   L4  connection-handshake.ts the server side of the handshake, up to its decision
 *   L5  connection-core.ts      a connection's private half: its session, open, resumes and rooms
 *   L6  connection.ts           ServerConnection, the public face of a core
 *   L7  broadcast.ts, router.ts
 *   L8  registry.ts             the host of every connection: accept, open, close, counters
 *   L9  cluster.ts
 *   L10 lifecycle.ts            the listener, the raw sockets, listen() and close()
 *   L11 server.ts
 *   L12 index.ts                the public API
 *
 * connection-core.ts exports CORE, the key of a connection's core (`conn[CORE]`). Only
 * connection.ts, broadcast.ts and registry.ts use it, and this index never exports it.
 */

export {
  AppError,
  ErrorCode,
  isAppError,
  isSockwireError,
  SockwireError,
  WireCode,
} from "@sockwire/protocol";
export {
  type AdapterConnection,
  type AdapterHost,
  type AdapterTarget,
  INSTANCE_ID_PATTERN,
  type ServerAdapter,
} from "./adapter.js";
export type { BroadcastOptions, RoomTarget } from "./broadcast.js";
export { ServerConnection } from "./connection.js";
export { REJECT_LINGER_MS } from "./handshake.js";
export { SERVER_DEFAULTS, type ServerOptions } from "./options.js";
export { MAX_ROOM_NAME_LENGTH } from "./rooms.js";
export type { EventHandler, RequestHandler } from "./router.js";
export { createServer, SockwireServer } from "./server.js";
export type { StreamHandler } from "./stream-handler.js";
export type {
  AuthenticateInfo,
  CloseOptions,
  ConnectionState,
  ConnectionStats,
  DisconnectInfo,
  ListenOptions,
  RequestContext,
  ServerAddress,
  ServerState,
  ServerStats,
} from "./types.js";
