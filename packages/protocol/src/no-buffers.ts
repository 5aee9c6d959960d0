/**
 * The shared empty list that the frame decoder's chunk list and the outbound writer's queue
 * return to whenever they drain. An empty array is 32 bytes of heap, and idle connections are
 * what a server holds most of, so a list is made only when something is added: every add checks
 * for this sentinel first. Frozen, so a missed check fails loudly instead of sharing buffers
 * between connections.
 */
export const NO_BUFFERS: Buffer[] = Object.freeze([]) as unknown as Buffer[];
