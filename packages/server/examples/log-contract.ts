import { defineContract } from "@sockwire/protocol";
import { z } from "zod";

/** A log a client can tail: a stream of its lines from `from` on, for as long as it reads. */
export const logs = defineContract({
  name: "logs",
  client: {
    streams: {
      tail: {
        input: z.object({ from: z.number().int().min(0) }),
        item: z.object({ n: z.number().int(), line: z.string() }),
      },
    },
  },
});
