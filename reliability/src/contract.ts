import { defineContract } from "@sockwire/protocol";
import { z } from "zod";

/**
 * The contract every reliability check speaks. Every message carries a sequence number so that
 * loss, duplication and reordering can be counted exactly; credentials name the client so the
 * server can attribute what it receives without trusting payloads.
 *
 * @example
 * ```ts
 * const client = createClient(reliabilityContract, { port, credentials: { client: 7 } });
 * await client.emit("seq", { n: 1 });
 * ```
 */
export const reliabilityContract = defineContract({
  name: "sockwire-reliability",
  credentials: z.object({ client: z.number().int().min(0) }),
  client: {
    events: {
      /** Client-to-server event with the client's own sequence number (1, 2, 3, ...). */
      seq: z.object({ n: z.number().int().min(1) }),
      /** Bulk data, for backpressure and close-with-data-in-flight checks. */
      blob: z.object({ n: z.number().int().min(0), data: z.string() }),
    },
    requests: {
      /** Answered with `{ n }` after `delayMs`; `n` is the client's request sequence number. */
      echo: {
        input: z.object({
          n: z.number().int().min(1),
          delayMs: z.number().int().min(0).max(60_000),
        }),
        output: z.object({ n: z.number().int() }),
      },
    },
  },
  server: {
    events: {
      /** Server-to-client event: `n` counts per connection, `s` names the connection's session. */
      tick: z.object({ s: z.string(), n: z.number().int().min(1) }),
      blob: z.object({ n: z.number().int().min(0), data: z.string() }),
    },
    requests: {
      /** Answered by the client's handler after `delayMs`. */
      work: {
        input: z.object({
          n: z.number().int().min(1),
          delayMs: z.number().int().min(0).max(60_000),
        }),
        output: z.object({ n: z.number().int() }),
      },
    },
  },
});

/** Type of {@link reliabilityContract}. */
export type ReliabilityContract = typeof reliabilityContract;
