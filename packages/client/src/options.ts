import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import {
  type AnyContract,
  type CredentialsInput,
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
import type { BackoffSettings } from "./reconnect-policy.js";

/**
 * Reconnect backoff settings (gRPC's connection backoff); omitted fields keep their defaults.
 *
 * @example
 * ```ts
 * createClient(chat, { port: 7000, reconnect: { initialDelayMs: 250, maxDelayMs: 5000, maxAttempts: 20 } });
 * ```
 */
export interface ReconnectOptions {
  /** Delay before the first reconnect attempt after a loss. Default 1000 ms. */
  initialDelayMs?: number | undefined;
  /** Growth of the delay per failed attempt. Default 1.6. */
  factor?: number | undefined;
  /** Cap of the delay before jitter. Default 30000 ms. */
  maxDelayMs?: number | undefined;
  /** Relative random spread of each delay, 0 to 1. Default 0.2 (±20 %). */
  jitter?: number | undefined;
  /** Failed attempts in a row before the client gives up and closes. Default `Infinity`. */
  maxAttempts?: number | undefined;
}

/**
 * Bounds of the queue that holds messages while the connection is down, counted as whole frames.
 *
 * @example
 * ```ts
 * createClient(chat, { port: 7000, offlineQueue: { maxBytes: 256 * 1024, maxMessages: 500 } });
 * ```
 */
export interface OfflineQueueOptions {
  /** Most bytes held, counted as whole encoded frames. Default 8 MiB. */
  maxBytes?: number | undefined;
  /** Most messages held. Default 10000. */
  maxMessages?: number | undefined;
}

/**
 * Credentials for the server's authenticate hook: a value, or a function called before every
 * attempt (so a reconnect can present a fresh token).
 *
 * @example
 * ```ts
 * createClient(chat, { port: 7000, credentials: async () => ({ token: await tokens.current() }) });
 * ```
 */
export type CredentialsOption<C extends AnyContract> =
  | CredentialsInput<C>
  | (() => CredentialsInput<C> | Promise<CredentialsInput<C>>);

/**
 * Options of `createClient`. Only `port` is required; every default is listed here and in the
 * README. Unknown options and out-of-range values throw `ERR_INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * const options: ClientOptions<typeof chat> = { host: "chat.example.com", port: 7000, tls: true, requestTimeoutMs: 5000 };
 * ```
 */
export interface ClientOptions<C extends AnyContract = AnyContract> {
  /** Server host name or address. Default `"127.0.0.1"`. */
  host?: string | undefined;
  /** Server port (1-65535). Required. */
  port: number;
  /**
   * Connect over TLS: `true` for system defaults, or `node:tls` connect options (ca, cert, key,
   * servername...). Default plain TCP. A server that speaks the other one fails `connect()` with
   * `ERR_TLS_MISMATCH`.
   */
  tls?: boolean | TlsConnectionOptions | undefined;
  /** Credentials sent in the hello, validated against the contract's credentials schema first. */
  credentials?: CredentialsOption<C> | undefined;
  /** Limit for one attempt: TCP connect, TLS and handshake. Default 10000 ms. */
  connectTimeoutMs?: number | undefined;
  /** Aborting it cancels `connect()` and closes the client. */
  signal?: AbortSignal | undefined;
  /** Reconnect after losing an open connection (`false` turns it off). Default on, see {@link ReconnectOptions}. */
  reconnect?: boolean | ReconnectOptions | undefined;
  /** Bounds of the offline queue. Default 8 MiB and 10000 messages. */
  offlineQueue?: OfflineQueueOptions | undefined;
  /** Default timeout of `request()`; 0 disables it. Default 30000 ms. */
  requestTimeoutMs?: number | undefined;
  /** Ping when nothing was received for this long; 0 disables. Default 25000 ms. */
  heartbeatIntervalMs?: number | undefined;
  /** Declare the server dead after interval + this much silence; 0 disables. Default 20000 ms. */
  heartbeatTimeoutMs?: number | undefined;
  /** Largest frame body this client accepts (announced to the server). Default 1 MiB, at most 64 MiB. */
  maxFrameBytes?: number | undefined;
  /** JSON nesting limit of the default codec. Default 64. Ignored when `codec` is given. */
  maxDepth?: number | undefined;
  /** Payload codec; the server must know it. Default JSON. */
  codec?: PayloadCodec | undefined;
  /** Outbound bytes above which `bufferedAmount` signals backpressure. Default 1 MiB. */
  sendSoftBytes?: number | undefined;
  /** Outbound bytes above which sends are rejected with `ERR_OUTBOUND_BUFFER_FULL`. Default 8 MiB. */
  sendHardBytes?: number | undefined;
  /** A socket that stays unwritable this long is treated as dead; 0 disables. Default 10000 ms. */
  writeDeadlineMs?: number | undefined;
  /** Server requests handled at once; above it the client stops reading. Default 1000. */
  maxInFlight?: number | undefined;
  /**
   * Items a stream's reader here lets its producer send ahead (the credit window, PROTOCOL.md
   * 8.7): the items of streams the client opens, and those a server-opened stream sends here.
   * Default 16384; with `streamBufferBytes`, the whole window is granted at the start and topped
   * up whenever half of it has been read.
   */
  streamWindow?: number | undefined;
  /**
   * Payload bytes of stream items a reader here lets its producer send ahead (the byte credit):
   * what it holds per stream is at most this plus one item. Default 1 MiB.
   */
  streamBufferBytes?: number | undefined;
  /** Streams the server may have open on this client at once. Default 100. */
  maxStreams?: number | undefined;
  /** Graceful close gives up and destroys the socket after this long. Default 30000 ms. */
  closeTimeoutMs?: number | undefined;
  /** A partially received frame must complete within this long; 0 disables. Default 30000 ms. */
  frameTimeoutMs?: number | undefined;
  /** Chunks kept for one partial frame before they are merged into one buffer. Default 1024. */
  maxRetainedChunks?: number | undefined;
  /** Too-frequent pings from the server tolerated in a row before closing (TOO_MANY_PINGS). Default 2. */
  maxPingStrikes?: number | undefined;
  /** Validate outgoing payloads against the contract. Default true. */
  validateOutbound?: boolean | undefined;
  /**
   * Resume the session after a lost link, when the server offers it (PROTOCOL.md 8.6): same
   * session id, rooms and context on the server, every message in both directions delivered
   * once and in order, requests in flight answered. Default true; a client with `reconnect:
   * false` never asks (it could not come back).
   */
  resume?: boolean | undefined;
  /** Unacknowledged bytes kept for replay; past it the session cannot resume until the server catches up. Default 4 MiB. */
  resumeBufferBytes?: number | undefined;
  /** Unacknowledged frames kept for replay (same rule). Default 100000. */
  resumeBufferFrames?: number | undefined;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  host: string;
  port: number;
  tls: TlsConnectionOptions | undefined;
  credentials: unknown;
  connectTimeoutMs: number;
  signal: AbortSignal | undefined;
  reconnect: (BackoffSettings & { maxAttempts: number }) | false;
  offlineQueue: { maxBytes: number; maxMessages: number };
  resume: boolean;
  resumeBufferBytes: number;
  resumeBufferFrames: number;
  requestTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  maxFrameBytes: number;
  codec: PayloadCodec;
  sendSoftBytes: number;
  sendHardBytes: number;
  writeDeadlineMs: number;
  maxInFlight: number;
  streamWindow: number;
  streamBufferBytes: number;
  maxStreams: number;
  closeTimeoutMs: number;
  frameTimeoutMs: number;
  maxRetainedChunks: number;
  maxPingStrikes: number;
  validateOutbound: boolean;
}

/** Largest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;
const MiB = 1024 * 1024;

const ms = (fallback: number, min = 0) =>
  z.number().int().min(min).max(MAX_TIMER_MS).default(fallback);
const bytes = (fallback: number, min = 0) =>
  z
    .number()
    .int()
    .min(min)
    .max(2 ** 40)
    .default(fallback);

const reconnectSchema = z.strictObject({
  initialDelayMs: ms(1000),
  factor: z.number().min(1).max(100).default(1.6),
  maxDelayMs: ms(30_000),
  jitter: z.number().min(0).max(1).default(0.2),
  maxAttempts: z
    .union([z.number().int().min(0), z.literal(Number.POSITIVE_INFINITY)])
    .default(Number.POSITIVE_INFINITY),
});

const optionsSchema = z
  .strictObject({
    host: z.string().min(1).max(255).default("127.0.0.1"),
    port: z.number().int().min(1).max(65_535),
    tls: z
      .union([
        z.boolean(),
        z.custom<TlsConnectionOptions>(
          (v) => typeof v === "object" && v !== null,
          "expected tls options",
        ),
      ])
      .optional(),
    credentials: z.unknown().optional(),
    connectTimeoutMs: ms(10_000, 1),
    signal: z
      .custom<AbortSignal>((v) => v instanceof AbortSignal, "expected an AbortSignal")
      .optional(),
    reconnect: z.union([z.boolean(), reconnectSchema]).default(true),
    offlineQueue: z
      .strictObject({
        maxBytes: bytes(8 * MiB),
        maxMessages: z.number().int().min(0).max(1e9).default(10_000),
      })
      .default({ maxBytes: 8 * MiB, maxMessages: 10_000 }),
    requestTimeoutMs: ms(30_000),
    heartbeatIntervalMs: z.number().int().min(0).max(3_600_000).default(25_000),
    heartbeatTimeoutMs: z.number().int().min(0).max(3_600_000).default(20_000),
    maxFrameBytes: z
      .number()
      .int()
      .min(MIN_FRAME_BYTES_LIMIT)
      .max(MAX_FRAME_BYTES_LIMIT)
      .default(DEFAULT_MAX_FRAME_BYTES),
    maxDepth: z.number().int().min(1).max(10_000).default(DEFAULT_MAX_DEPTH),
    codec: z
      .custom<PayloadCodec>(isPayloadCodec, "expected a codec with name, encode and decode")
      .optional(),
    sendSoftBytes: bytes(MiB, 1),
    sendHardBytes: bytes(8 * MiB, 1),
    writeDeadlineMs: ms(10_000),
    maxInFlight: z.number().int().min(1).max(1_000_000).default(1000),
    streamWindow: z.number().int().min(1).max(1_000_000).default(16_384),
    streamBufferBytes: bytes(MiB, 1024),
    maxStreams: z.number().int().min(1).max(1_000_000).default(100),
    closeTimeoutMs: ms(30_000, 1),
    frameTimeoutMs: ms(30_000),
    maxRetainedChunks: z
      .number()
      .int()
      .min(2)
      .max(1 << 20)
      .default(DEFAULT_MAX_RETAINED_CHUNKS),
    maxPingStrikes: z.number().int().min(0).max(1000).default(2),
    validateOutbound: z.boolean().default(true),
    resume: z.boolean().default(true),
    resumeBufferBytes: bytes(4 * MiB, 1024),
    resumeBufferFrames: z.number().int().min(16).max(100_000_000).default(100_000),
  })
  .refine((o) => o.sendSoftBytes <= o.sendHardBytes, {
    message: "sendSoftBytes must not exceed sendHardBytes",
    path: ["sendSoftBytes"],
  })
  .refine(
    (o) => typeof o.reconnect === "boolean" || o.reconnect.initialDelayMs <= o.reconnect.maxDelayMs,
    {
      message: "reconnect.initialDelayMs must not exceed reconnect.maxDelayMs",
      path: ["reconnect", "initialDelayMs"],
    },
  );

/**
 * Applies defaults and checks every option, throwing `ERR_INVALID_ARGUMENT` (with the offending
 * paths in `details.issues`) for anything out of range, of the wrong type, or unknown: a typo such
 * as `timeout` instead of `requestTimeoutMs` fails loudly instead of being ignored.
 */
export function resolveOptions(contract: AnyContract, options: ClientOptions): ResolvedOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = summarizeIssues(parsed.error.issues);
    throw new SockwireError(
      ErrorCode.INVALID_ARGUMENT,
      `invalid client options: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`,
      { cause: parsed.error, details: { issues } },
    );
  }
  const o = parsed.data;
  if (o.credentials !== undefined && contract.schema.credentials === undefined) {
    throw new SockwireError(
      ErrorCode.INVALID_ARGUMENT,
      `contract ${contract.name} declares no credentials schema`,
    );
  }
  const backoff = o.reconnect === true ? reconnectSchema.parse({}) : o.reconnect;
  return {
    host: o.host,
    port: o.port,
    tls: o.tls === true ? {} : o.tls === false || o.tls === undefined ? undefined : o.tls,
    credentials: o.credentials,
    connectTimeoutMs: o.connectTimeoutMs,
    signal: o.signal,
    reconnect: backoff,
    offlineQueue: o.offlineQueue,
    requestTimeoutMs: o.requestTimeoutMs,
    heartbeatIntervalMs: o.heartbeatIntervalMs,
    heartbeatTimeoutMs: o.heartbeatTimeoutMs,
    maxFrameBytes: o.maxFrameBytes,
    codec: o.codec ?? jsonCodec({ maxDepth: o.maxDepth }),
    sendSoftBytes: o.sendSoftBytes,
    sendHardBytes: o.sendHardBytes,
    writeDeadlineMs: o.writeDeadlineMs,
    maxInFlight: o.maxInFlight,
    streamWindow: o.streamWindow,
    streamBufferBytes: o.streamBufferBytes,
    maxStreams: o.maxStreams,
    closeTimeoutMs: o.closeTimeoutMs,
    frameTimeoutMs: o.frameTimeoutMs,
    maxRetainedChunks: o.maxRetainedChunks,
    maxPingStrikes: o.maxPingStrikes,
    validateOutbound: o.validateOutbound,
    resume: o.resume,
    resumeBufferBytes: o.resumeBufferBytes,
    resumeBufferFrames: o.resumeBufferFrames,
  };
}
