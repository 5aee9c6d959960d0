import { type AnyContract, ErrorCode, SockwireError } from "@sockwire/protocol";

/**
 * What an instance id may look like: it prefixes every connection id of the server
 * (`<instanceId>.<n>`), so it must not contain the separator.
 *
 * @example
 * ```ts
 * if (!INSTANCE_ID_PATTERN.test(id)) throw new Error("bad instance id");
 * ```
 */
export const INSTANCE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Where a message published through an adapter goes. `except` is a connection id to leave out
 * (usually the sender's); it may belong to any instance.
 *
 * @example
 * ```ts
 * const target: AdapterTarget = { kind: "room", room: "lobby", except: conn.id };
 * ```
 */
export type AdapterTarget =
  | { readonly kind: "all"; readonly except?: string | undefined }
  | { readonly kind: "room"; readonly room: string; readonly except?: string | undefined }
  | { readonly kind: "connection"; readonly id: string };

/**
 * An open connection as an adapter sees it: its cluster-unique id and its rooms.
 *
 * @example
 * ```ts
 * for (const { id, rooms } of host.connections()) mirror(id, [...rooms]);
 * ```
 */
export interface AdapterConnection {
  readonly id: string;
  readonly rooms: ReadonlySet<string>;
}

/**
 * What the server offers the adapter attached to it.
 *
 * @example
 * ```ts
 * // In an adapter, when a message from another instance arrives:
 * host.deliver(frame, { kind: "room", room: "lobby" });
 * ```
 */
export interface AdapterHost {
  /** The server's contract; its name and fingerprint keep services on one backend apart. */
  readonly contract: AnyContract;
  /**
   * Queues an already-encoded event frame (length prefix included) on the local connections
   * matching `target`, without decoding or validating it again: the publishing instance did.
   * Returns how many connections it was queued for.
   */
  deliver(frame: Buffer, target: AdapterTarget): number;
  /** The open connections of this instance (for re-announcing membership after an outage). */
  connections(): Iterable<AdapterConnection>;
  /** Ids of this instance's connections in `room`. */
  roomMembers(room: string): string[];
  /** Rooms with at least one member on this instance. */
  roomNames(): string[];
  /** Reports a problem to the server's `onError` listeners (counted in `errorsByCode`). */
  reportError(error: SockwireError): void;
}

/**
 * The hook a scale-out adapter implements to join several servers into one logical service
 * (`createServer(contract, { adapter })`). The server calls it; applications do not.
 *
 * Rules the server keeps: local delivery always happens first and never waits for the adapter;
 * every call is synchronous and an adapter that throws is reported as `ERR_ADAPTER`, never
 * passed to the caller of `broadcast()`. Rules an adapter must keep: never deliver a message
 * back to the instance that published it, and never block.
 *
 * @example
 * ```ts
 * import { redisAdapter } from "@sockwire/redis";
 * const server = createServer(chat, { adapter: redisAdapter({ url: "redis://127.0.0.1:6379" }) });
 * ```
 */
export interface ServerAdapter {
  /** Cluster-unique id of this instance (matches {@link INSTANCE_ID_PATTERN}). */
  readonly instanceId: string;
  /** Called once, by `createServer`. An adapter serves one server only. */
  attach(host: AdapterHost): void;
  /** Called when `listen()` has succeeded: connect in the background, never throw. */
  start(): void;
  /** Called at the end of `server.close()`, once every connection has closed. */
  close(): Promise<void>;
  /** Sends an encoded event frame to the other instances. */
  publish(frame: Buffer, target: AdapterTarget): void;
  /** A connection completed its handshake on this instance. */
  connectionOpened(id: string): void;
  /** An open connection of this instance closed (it has left its rooms already). */
  connectionClosed(id: string): void;
  /** A connection of this instance joined `room`. */
  roomJoined(id: string, room: string): void;
  /** A connection of this instance left `room`. */
  roomLeft(id: string, room: string): void;
}

const METHODS = [
  "attach",
  "start",
  "close",
  "publish",
  "connectionOpened",
  "connectionClosed",
  "roomJoined",
  "roomLeft",
] as const;

/** True when `value` has the shape of a {@link ServerAdapter}. */
export function isServerAdapter(value: unknown): value is ServerAdapter {
  const adapter = value as Record<string, unknown> | null;
  return (
    typeof adapter === "object" &&
    adapter !== null &&
    typeof adapter.instanceId === "string" &&
    INSTANCE_ID_PATTERN.test(adapter.instanceId) &&
    METHODS.every((name) => typeof adapter[name] === "function")
  );
}

/** Wraps whatever an adapter threw as `ERR_ADAPTER`. */
export function adapterFailed(operation: string, cause: unknown): SockwireError {
  const text = cause instanceof Error ? cause.message : String(cause);
  return new SockwireError(ErrorCode.ADAPTER, `adapter ${operation} failed: ${text}`, {
    cause,
    details: { operation },
  });
}
