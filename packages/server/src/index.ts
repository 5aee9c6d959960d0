/**
 * @sockwire/server: a typed TCP/TLS message server. One zod contract gives handlers their types
 * and every inbound message its validation; the server adds the handshake, heartbeats,
 * backpressure, limits, rooms and a graceful close.
 * @packageDocumentation
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
