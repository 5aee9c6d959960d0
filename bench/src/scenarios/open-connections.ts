import type { BenchClient, Contender, ServerAddress } from "../contenders/types.js";

/** What {@link openConnections} reports: the clients it opened and how long that took. */
export interface Opened {
  clients: BenchClient[];
  seconds: number;
}

/**
 * Opens `connections` clients to the server, at most `concurrency` handshakes in flight at once,
 * each awaited until its library calls the connection ready. Shared by the idle and connect
 * scenarios so both time the same loop.
 */
export async function openConnections(
  contender: Contender,
  address: ServerAddress,
  connections: number,
  concurrency: number,
): Promise<Opened> {
  const clients: BenchClient[] = [];
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < connections) {
      next++;
      clients.push(await contender.connect(address));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, connections) }, worker));
  return { clients, seconds: (performance.now() - start) / 1000 };
}
