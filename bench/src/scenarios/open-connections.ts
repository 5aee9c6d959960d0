import type { BenchClient, Contender, ServerAddress } from "../contenders/types.js";
import { type ClientOutcome, closeAll, type Measures, type Params } from "./types.js";

/**
 * The client side of the connect and idle scenarios, so both time the same loop: opens
 * `params.connections` clients, at most `params.concurrency` handshakes in flight at once, each
 * awaited until its library calls the connection ready. Reports how many opened and how long that
 * took; the clients are closed in the cleanup, after the server has measured.
 */
export async function openConnectionsTask(
  contender: Contender,
  address: ServerAddress,
  params: Params,
): Promise<ClientOutcome> {
  const connections = params.connections as number;
  const clients: BenchClient[] = [];
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < connections) {
      next++;
      clients.push(await contender.connect(address));
    }
  };
  const workers = Math.min(params.concurrency as number, connections);
  await Promise.all(Array.from({ length: workers }, worker));
  const seconds = (performance.now() - start) / 1000;
  return { measures: { connected: clients.length, seconds }, cleanup: () => closeAll(clients) };
}

/** Connections per second of what {@link openConnectionsTask} reported; throws if any failed to open. */
export function connectRate(client: Measures, params: Params): number {
  if (client.connected !== params.connections)
    throw new Error(`connected ${client.connected} of ${params.connections}`);
  return (client.connected as number) / (client.seconds as number);
}
