import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Marks the work of `onResumeFailed` listeners, through their awaits: while they run after a
 * reconnect that started a new session, their sends (re-joining rooms, re-subscribing) go out
 * before what was queued while disconnected, and everyone else's still queue behind it.
 *
 * @example
 * ```ts
 * await rejoining.run(true, () => listener(failure));
 * if (rejoining.getStore() === true) sendNow(); // inside the listener
 * ```
 */
export const rejoining = new AsyncLocalStorage<true>();
