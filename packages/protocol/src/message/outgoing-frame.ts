import { FRAME_PREFIX_BYTES } from "../constants.js";
import { frameArena, type PendingFrame, pendingBytes } from "./frame-arena.js";

/**
 * An encoded frame on its way out: a frame pending in the frame arena (the usual case, no buffer
 * of its own), or a buffer of its own (a frame shared by a broadcast, a control frame, or one
 * encoded while the arena was busy). Whoever holds one sends it (the outbound writer's `send`)
 * or drops it; these two functions are the only places that tell the two forms apart besides
 * the writer.
 */
export type OutgoingFrame = PendingFrame | Buffer;

/** The frame's size in bytes, length prefix included. */
export function outgoingBytes(frame: OutgoingFrame): number {
  return typeof frame === "number" ? pendingBytes(frame) : frame.length;
}

/** The frame's body size (what the peer's receive limit applies to). */
export function outgoingBodyBytes(frame: OutgoingFrame): number {
  return outgoingBytes(frame) - FRAME_PREFIX_BYTES;
}

/** Gives up a frame that will not be sent (refused by a limit, or the connection closed). */
export function dropOutgoing(frame: OutgoingFrame): void {
  if (typeof frame === "number") frameArena.release(frame);
}
