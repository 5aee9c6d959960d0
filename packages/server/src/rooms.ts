import { ErrorCode, SockwireError } from "@sockwire/protocol";

/**
 * Longest room name, in UTF-16 code units; `conn.join()` throws `ERR_INVALID_ARGUMENT` past it.
 *
 * @example
 * ```ts
 * if (room.length <= MAX_ROOM_NAME_LENGTH) conn.join(room);
 * ```
 */
export const MAX_ROOM_NAME_LENGTH = 256;

/**
 * Named groups of members (connections). A room exists while it has members: the last `leave`
 * deletes it, so rooms created per user or per document never accumulate.
 */
export class Rooms<T> {
  private readonly rooms = new Map<string, Set<T>>();

  /** Adds `member` to `room`; returns false if it was already there. */
  join(room: string, member: T): boolean {
    checkRoomName(room);
    let members = this.rooms.get(room);
    if (!members) {
      members = new Set();
      this.rooms.set(room, members);
    }
    if (members.has(member)) return false;
    members.add(member);
    return true;
  }

  /** Removes `member` from `room`; returns false if it was not there. */
  leave(room: string, member: T): boolean {
    const members = this.rooms.get(room);
    if (!members?.delete(member)) return false;
    if (members.size === 0) this.rooms.delete(room);
    return true;
  }

  /** Current members of `room` (empty when the room does not exist). */
  members(room: string): ReadonlySet<T> {
    return this.rooms.get(room) ?? EMPTY;
  }

  /** Rooms with at least one member. */
  get size(): number {
    return this.rooms.size;
  }

  /** Names of the rooms with members. */
  names(): IterableIterator<string> {
    return this.rooms.keys();
  }
}

const EMPTY: ReadonlySet<never> = new Set<never>();

/** Throws `ERR_INVALID_ARGUMENT` unless `room` is a non-empty string of at most 256 characters. */
export function checkRoomName(room: unknown): asserts room is string {
  if (typeof room !== "string" || room.length === 0 || room.length > MAX_ROOM_NAME_LENGTH) {
    throw new SockwireError(
      ErrorCode.INVALID_ARGUMENT,
      `a room name must be a string of 1 to ${MAX_ROOM_NAME_LENGTH} characters`,
    );
  }
}
