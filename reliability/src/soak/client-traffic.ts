import { answerDelay } from "../server/server-traffic.js";
import type { SoakOptions } from "./options.js";
import type { SoakClient } from "./soak-client.js";

/**
 * Drives the clients' traffic: every 10 ms each client emits and requests with the probability
 * that gives its per-second rates, so 200 clients cost one timer. Returns the stop function.
 */
export function startClientTraffic(
  clients: readonly SoakClient[],
  options: SoakOptions,
  random: () => number,
): () => void {
  const stepMs = 10;
  const eventChance = (options.eventsPerSecond * stepMs) / 1000;
  const requestChance = (options.requestsPerSecond * stepMs) / 1000;
  const timer = setInterval(() => {
    for (const client of clients) {
      if (random() < eventChance) client.sendEvent();
      if (random() < requestChance) client.sendRequest(answerDelay(random));
    }
  }, stepMs);
  return () => clearInterval(timer);
}
