import {
  type AnyContract,
  ENVELOPE_FIXED_BYTES,
  ErrorCode,
  type EventInput,
  type EventName,
  FRAME_PREFIX_BYTES,
  type NameArg,
  type NameKey,
  SockwireError,
} from "@sockwire/protocol";
import type { ServerConnection } from "./connection.js";
import { CORE } from "./connection-core.js";

/**
 * Which connections a broadcast reaches.
 *
 * @example
 * ```ts
 * server.broadcast("notice", { text: "hi" }, { filter: (c) => c.context.admin, except: sender });
 * ```
 */
export interface BroadcastOptions<C extends AnyContract = AnyContract, Ctx = unknown> {
  /** Only connections for which this returns true. */
  filter?: ((conn: ServerConnection<C, Ctx>) => boolean) | undefined;
  /** A connection (usually the sender) to leave out. */
  except?: ServerConnection<C, Ctx> | undefined;
  /**
   * With a scale-out adapter: deliver on this instance only. Required with `filter`, which can
   * only see local connections. Without an adapter every broadcast is local. Default false.
   */
  local?: boolean | undefined;
}

/**
 * Queues one already-encoded event frame on every open target connection and returns how many
 * accepted it. The same buffer is shared by all recipients, so a message for 10,000 clients is
 * validated and encoded once. A client whose receive limit is smaller than the frame is skipped
 * and reported; a client whose queue would pass the hard cap is closed as a slow consumer by its
 * session and not counted. A client built from another version of the contract that cannot read
 * this event (the handshake disabled it) is skipped silently: it never receives it.
 */
export function deliver<C extends AnyContract, Ctx>(
  frame: Buffer,
  targets: Iterable<ServerConnection<C, Ctx>>,
  options: BroadcastOptions<C, Ctx> | undefined,
  report: (error: SockwireError, conn: ServerConnection<C, Ctx>) => void,
): number {
  const bodyBytes = frame.length - FRAME_PREFIX_BYTES;
  const filter = options?.filter;
  const except = options?.except;
  let delivered = 0;
  /** The event's name, read from the frame only if some connection has terms to check. */
  let name: string | undefined;
  // A session closed by a full queue leaves its room/map during this loop; deleting the current
  // element while iterating a Set or Map is safe in JavaScript.
  for (const conn of targets) {
    if (conn === except) continue;
    const session = conn[CORE].session;
    const state = session.state;
    // A detached session keeps the frame for replay: its client gets it when it resumes.
    if (state !== "open" && state !== "detached") continue;
    if (session.terms !== undefined) {
      name ??= eventNameOf(frame);
      if (!session.canSend("events", name)) continue;
    }
    if (filter && !filter(conn)) continue;
    if (bodyBytes > session.peerFrameLimit) {
      report(
        new SockwireError(
          ErrorCode.PEER_FRAME_LIMIT,
          `broadcast of ${bodyBytes} bytes exceeds the client's receive limit of ${session.peerFrameLimit} bytes; skipped`,
          { details: { bytes: bodyBytes, limit: session.peerFrameLimit } },
        ),
        conn,
      );
      continue;
    }
    // No catch per recipient: the promises a session returns never report unhandled rejections.
    void session.sendFrame(frame);
    const after = session.state;
    if (after === "open" || after === "detached") delivered++;
  }
  return delivered;
}

/**
 * A room as a broadcast target, from `server.to(room)`.
 *
 * @example
 * ```ts
 * server.handle("say", ({ room, text }, conn) => {
 *   const reached = server.to(room).emit("said", { text }, { except: conn });
 *   return { reached };
 * });
 * ```
 */
export interface RoomTarget<C extends AnyContract, Ctx = unknown> {
  /** The room's name. */
  readonly name: string;
  /** Open connections currently in the room. */
  readonly size: number;
  /**
   * Sends a server event to every connection in the room, encoding it once. Returns the number
   * of connections it was queued for.
   *
   * @throws `ERR_VALIDATION_FAILED` when `data` does not match the contract (nothing is sent),
   * `ERR_UNKNOWN_MESSAGE_TYPE` for an undeclared event.
   */
  emit<K extends string>(
    name: NameArg<K, EventName<C, "server">>,
    data: EventInput<C, "server", NameKey<K, EventName<C, "server">>>,
    options?: BroadcastOptions<C, Ctx>,
  ): number;
}

/** The message type of an encoded frame: its name, right after the fixed header (PROTOCOL.md 3). */
function eventNameOf(frame: Buffer): string {
  const at = FRAME_PREFIX_BYTES + ENVELOPE_FIXED_BYTES;
  return frame.toString("latin1", at, at + (frame[at - 1] as number));
}
