/**
 * The shared empty table that the session's request and ping tables start as. An empty Map costs
 * about 190 bytes of heap, and idle connections are what a server holds most of, so each table is
 * created on its first `set`. Only `set` allocates: every other call (get, has, delete, clear,
 * size, values) is a read or a no-op on the empty map, which is never written to.
 */
export const NO_ENTRIES: Map<unknown, unknown> = new Map();
