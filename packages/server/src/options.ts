import type { TlsOptions } from "node:tls";
import {
  type AnyContract,
  type CredentialsData,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_RETAINED_CHUNKS,
  ErrorCode,
  isPayloadCodec,
  jsonCodec,
  MAX_FRAME_BYTES_LIMIT,
  MIN_FRAME_BYTES_LIMIT,
  type PayloadCodec,
  SockwireError,
  summarizeIssues,
} from "@sockwire/protocol";
import { z } from "zod";
import { isServerAdapter, type ServerAdapter } from "./adapter.js";
import type { AuthenticateInfo } from "./types.js";

/**
 * Options of {@link createServer}. Every limit has a default chosen from what NATS, gRPC, ws and
 * socket.io ship; `0` disables a timer where the table in the README says so.
 *
 * @example
 * ```ts
 * const server = createServer(chat, {
 *   maxConnections: 2000,
 *   heartbeatIntervalMs: 10_000,
 *   authenticate: async ({ token }) => ({ user: await users.byToken(token) }),
 * });
 * ```
 */
export interface ServerOptions<C extends AnyContract = AnyContract, Ctx = undefined> {
  /** `node:tls` server options (`key`, `cert`, `ca`, `requestCert`...). Absent: plain TCP. */
  tls?: TlsOptions | undefined;
  /**
   * Turns the hello's credentials (already validated against the contract's `credentials`
   * schema) into the connection's `context`. Throw an `AppError` to refuse with your own code;
   * any other throw refuses with `UNAUTHORIZED`. Runs within the handshake timeout.
   */
  authenticate?:
    | ((credentials: CredentialsData<C>, info: AuthenticateInfo) => Ctx | Promise<Ctx>)
    | undefined;
  /** Open sockets (handshaking, open and closing) at once; more are refused with `SERVER_FULL`. Default 10000. */
  maxConnections?: number | undefined;
  /** Receive limit for one frame body, announced in the welcome. Default 1 MiB, at most 64 MiB. */
  maxFrameBytes?: number | undefined;
  /** Nesting limit of the default JSON codec (ignored when `codec` is given). Default 64. */
  maxDepth?: number | undefined;
  /** Payload codec; clients must name the same one in their hello. Default JSON. */
  codec?: PayloadCodec | undefined;
  /**
   * Time from accept to a completed handshake (hello, authenticate, welcome). With TLS, the TLS
   * handshake before it has a budget of the same length. Default 5000 ms; 0 = none.
   */
  handshakeTimeoutMs?: number | undefined;
  /** Idle time before the server pings; the shorter of client and server wins. Default 25000 ms; 0 = off. */
  heartbeatIntervalMs?: number | undefined;
  /** Silence past the interval after which the peer is dead. Default 20000 ms; 0 = never. */
  heartbeatTimeoutMs?: number | undefined;
  /** Outbound queue size above which `hasRoom` is false and `waitForRoom()` waits. Default 1 MiB. */
  sendSoftBytes?: number | undefined;
  /** Outbound queue size past which the connection is closed as `SLOW_CONSUMER`. Default 8 MiB. */
  sendHardBytes?: number | undefined;
  /** A socket that stays unwritable this long is closed as `SLOW_CONSUMER`. Default 10000 ms; 0 = none. */
  writeDeadlineMs?: number | undefined;
  /** Requests handled at once per connection; above it the server stops reading. Default 1000. */
  maxInFlight?: number | undefined;
  /** Default timeout of requests the server sends to a client. Default 30000 ms; 0 = none. */
  requestTimeoutMs?: number | undefined;
  /**
   * Items a stream's reader here lets its producer send ahead (the credit window, PROTOCOL.md
   * 8.7): for streams a client opens and sends items on, and for streams the server opens.
   * Default 16384; with `streamBufferBytes`, the whole window is granted at the start and topped
   * up whenever half of it has been read.
   */
  streamWindow?: number | undefined;
  /**
   * Payload bytes of stream items a reader here lets its producer send ahead (the byte credit):
   * what it holds per stream is at most this plus one item. Default 1 MiB.
   */
  streamBufferBytes?: number | undefined;
  /** Streams one client may have open at once; more are refused `TOO_MANY_STREAMS`. Default 100. */
  maxStreams?: number | undefined;
  /** A graceful close that has not finished after this long destroys the socket. Default 30000 ms. */
  closeTimeoutMs?: number | undefined;
  /** A partly received frame must complete within this time. Default 30000 ms; 0 = none. */
  frameTimeoutMs?: number | undefined;
  /** Too-frequent pings tolerated before closing with `TOO_MANY_PINGS`. Default 2. */
  maxPingStrikes?: number | undefined;
  /** Validate outbound events, responses and requests against the contract. Default true. */
  validateOutbound?: boolean | undefined;
  /** Chunks kept for one partial frame before they are merged. Default 1024. */
  maxRetainedChunks?: number | undefined;
  /**
   * Scale-out adapter (such as `redisAdapter()` from `@sockwire/redis`) that joins several
   * servers into one logical service. Absent: this server is the whole service.
   */
  adapter?: ServerAdapter | undefined;
  /**
   * How long a session whose link was lost is kept for its client to resume it (same id, rooms,
   * context, nothing lost or repeated; PROTOCOL.md 8.6). Default 120000 ms; 0 turns resumption
   * off (and with it acknowledgements).
   */
  resumeWindowMs?: number | undefined;
  /** Unacknowledged bytes a session keeps for replay; past it, it cannot resume until the client catches up. Default 4 MiB. */
  resumeBufferBytes?: number | undefined;
  /** Unacknowledged frames a session keeps for replay (same rule). Default 100000. */
  resumeBufferFrames?: number | undefined;
  /** Detached sessions kept at once; past it the oldest ends (`ERR_SESSION_EXPIRED`, evicted). Default 1000. */
  maxDetachedSessions?: number | undefined;
  /** Replay bytes all detached sessions may hold together; past it the oldest ends. Default 64 MiB. */
  maxDetachedBytes?: number | undefined;
  /**
   * Describe the contract (every message, direction and schema, as its canonical form) to a
   * client that asks (reflection, PROTOCOL.md 8.1), so that tools such as `sockwire describe`
   * and `sockwire call` work without a copy of the contract. Off by default, as in gRPC: it shows
   * the server's whole surface to anyone who passes the credentials check and `authenticate`
   * (which is told `reflection: true` and may refuse). Default false.
   */
  reflection?: boolean | undefined;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  tls: TlsOptions | undefined;
  authenticate: ((credentials: unknown, info: AuthenticateInfo) => unknown) | undefined;
  maxConnections: number;
  maxFrameBytes: number;
  codec: PayloadCodec;
  handshakeTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  sendSoftBytes: number;
  sendHardBytes: number;
  writeDeadlineMs: number;
  maxInFlight: number;
  requestTimeoutMs: number;
  streamWindow: number;
  streamBufferBytes: number;
  maxStreams: number;
  closeTimeoutMs: number;
  frameTimeoutMs: number;
  maxPingStrikes: number;
  validateOutbound: boolean;
  maxRetainedChunks: number;
  adapter: ServerAdapter | undefined;
  resumeWindowMs: number;
  resumeBufferBytes: number;
  resumeBufferFrames: number;
  maxDetachedSessions: number;
  maxDetachedBytes: number;
  reflection: boolean;
}

const MiB = 1024 * 1024;
/** Longest delay `setTimeout` honours; longer values would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;
/** The handshake schemas cap heartbeat values at one hour. */
const MAX_HEARTBEAT_MS = 3_600_000;

/**
 * The documented defaults, in one place (the README table mirrors this object).
 *
 * @example
 * ```ts
 * // Twice the default queue for a server that pushes large snapshots.
 * createServer(contract, { sendHardBytes: 2 * SERVER_DEFAULTS.sendHardBytes });
 * ```
 */
export const SERVER_DEFAULTS = Object.freeze({
  maxConnections: 10_000,
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxDepth: DEFAULT_MAX_DEPTH,
  handshakeTimeoutMs: 5000,
  heartbeatIntervalMs: 25_000,
  heartbeatTimeoutMs: 20_000,
  sendSoftBytes: MiB,
  sendHardBytes: 8 * MiB,
  writeDeadlineMs: 10_000,
  maxInFlight: 1000,
  requestTimeoutMs: 30_000,
  streamWindow: 16_384,
  streamBufferBytes: MiB,
  maxStreams: 100,
  closeTimeoutMs: 30_000,
  frameTimeoutMs: 30_000,
  maxPingStrikes: 2,
  validateOutbound: true,
  maxRetainedChunks: DEFAULT_MAX_RETAINED_CHUNKS,
  resumeWindowMs: 120_000,
  resumeBufferBytes: 4 * MiB,
  resumeBufferFrames: 100_000,
  maxDetachedSessions: 1000,
  maxDetachedBytes: 64 * MiB,
  reflection: false,
});

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const timer = (max = MAX_TIMER_MS) => int(0, max);

const codecSchema = z.custom<PayloadCodec>(isPayloadCodec, {
  message: "must be a codec: { name matching [a-z0-9-]{1,32}, encode(), decode() }",
});

const optionsSchema = z
  .strictObject({
    tls: z
      .custom<TlsOptions>((v) => typeof v === "object" && v !== null, {
        message: "must be an object",
      })
      .optional(),
    authenticate: z
      .custom<(...args: unknown[]) => unknown>((v) => typeof v === "function", {
        message: "must be a function",
      })
      .optional(),
    maxConnections: int(1, 1_000_000).default(SERVER_DEFAULTS.maxConnections),
    maxFrameBytes: int(MIN_FRAME_BYTES_LIMIT, MAX_FRAME_BYTES_LIMIT).default(
      SERVER_DEFAULTS.maxFrameBytes,
    ),
    maxDepth: int(1, 10_000).default(SERVER_DEFAULTS.maxDepth),
    codec: codecSchema.optional(),
    handshakeTimeoutMs: timer().default(SERVER_DEFAULTS.handshakeTimeoutMs),
    heartbeatIntervalMs: timer(MAX_HEARTBEAT_MS).default(SERVER_DEFAULTS.heartbeatIntervalMs),
    heartbeatTimeoutMs: timer(MAX_HEARTBEAT_MS).default(SERVER_DEFAULTS.heartbeatTimeoutMs),
    sendSoftBytes: int(1, 2 ** 40).default(SERVER_DEFAULTS.sendSoftBytes),
    sendHardBytes: int(1024, 2 ** 40).default(SERVER_DEFAULTS.sendHardBytes),
    writeDeadlineMs: timer().default(SERVER_DEFAULTS.writeDeadlineMs),
    maxInFlight: int(1, 1_000_000).default(SERVER_DEFAULTS.maxInFlight),
    requestTimeoutMs: timer().default(SERVER_DEFAULTS.requestTimeoutMs),
    streamWindow: int(1, 1_000_000).default(SERVER_DEFAULTS.streamWindow),
    streamBufferBytes: int(1024, 2 ** 40).default(SERVER_DEFAULTS.streamBufferBytes),
    maxStreams: int(1, 1_000_000).default(SERVER_DEFAULTS.maxStreams),
    closeTimeoutMs: int(1, MAX_TIMER_MS).default(SERVER_DEFAULTS.closeTimeoutMs),
    frameTimeoutMs: timer().default(SERVER_DEFAULTS.frameTimeoutMs),
    maxPingStrikes: int(0, 1000).default(SERVER_DEFAULTS.maxPingStrikes),
    validateOutbound: z.boolean().default(SERVER_DEFAULTS.validateOutbound),
    maxRetainedChunks: int(2, 1 << 20).default(SERVER_DEFAULTS.maxRetainedChunks),
    resumeWindowMs: int(0, 86_400_000).default(SERVER_DEFAULTS.resumeWindowMs),
    resumeBufferBytes: int(1024, 2 ** 40).default(SERVER_DEFAULTS.resumeBufferBytes),
    resumeBufferFrames: int(16, 100_000_000).default(SERVER_DEFAULTS.resumeBufferFrames),
    maxDetachedSessions: int(0, 1_000_000).default(SERVER_DEFAULTS.maxDetachedSessions),
    maxDetachedBytes: int(0, 2 ** 40).default(SERVER_DEFAULTS.maxDetachedBytes),
    adapter: z
      .custom<ServerAdapter>(isServerAdapter, {
        message: "must be a scale-out adapter (instanceId, attach(), start(), publish()...)",
      })
      .optional(),
    reflection: z.boolean().default(SERVER_DEFAULTS.reflection),
  })
  .refine((o) => o.sendSoftBytes <= o.sendHardBytes, {
    message: "sendSoftBytes must not exceed sendHardBytes",
    path: ["sendSoftBytes"],
  });

/**
 * Validates options and fills in defaults. Throws `ERR_INVALID_ARGUMENT` synchronously, naming
 * the offending option, for an unknown key, a wrong type or an out-of-range value.
 */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (
    options !== undefined &&
    (typeof options !== "object" || options === null || Array.isArray(options))
  ) {
    throw new SockwireError(ErrorCode.INVALID_ARGUMENT, "server options must be an object");
  }
  // `undefined` values mean "use the default", as they do for every other option bag in Node.
  const given = Object.fromEntries(
    Object.entries((options ?? {}) as Record<string, unknown>).filter(([, v]) => v !== undefined),
  );
  const result = optionsSchema.safeParse(given);
  if (!result.success) {
    const issues = summarizeIssues(result.error.issues);
    const text = issues.map((i) => `${i.path || "options"}: ${i.message}`).join("; ");
    throw new SockwireError(ErrorCode.INVALID_ARGUMENT, `invalid server options: ${text}`, {
      cause: result.error,
      details: { issues },
    });
  }
  const { maxDepth, codec, ...rest } = result.data;
  return {
    ...rest,
    tls: rest.tls,
    authenticate: rest.authenticate,
    adapter: rest.adapter,
    codec: codec ?? jsonCodec({ maxDepth }),
  };
}
