import { once } from "node:events";
import type { Socket } from "node:net";

/**
 * Resolves once `condition()` holds, checking every millisecond. Used only where a library
 * exposes a queue size but no event for it shrinking (socket.io's packet buffers); the 1 ms
 * granularity is negligible next to the time a 1 MiB queue takes to drain.
 */
export async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the outbound queue to drain");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Resolves on the socket's next `drain` (or its close, so a dead peer cannot hang a producer). */
export async function drained(socket: Socket | undefined): Promise<void> {
  if (!socket || socket.destroyed || socket.writableLength === 0) return;
  await Promise.race([once(socket, "drain"), once(socket, "close")]);
}

/** The TCP socket under a `ws` WebSocket (ws keeps it as `_socket`; it has no public accessor). */
export function socketOf(ws: unknown): Socket | undefined {
  return (ws as { _socket?: Socket } | undefined)?._socket;
}
