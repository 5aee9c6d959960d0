import { defineContract } from "@sockwire/protocol";
import { z } from "zod";

/** A feed the client reads far slower than the server could produce it. */
export const feed = defineContract({
  name: "slow-stream",
  client: {
    streams: {
      feed: {
        input: z.object({ bytes: z.number().int().min(0).max(65_536) }),
        item: z.object({ n: z.number().int(), pad: z.string() }),
        result: z.object({ produced: z.number().int() }),
      },
    },
    requests: {
      memory: {
        input: z.undefined(),
        output: z.object({ heap: z.number(), rss: z.number(), produced: z.number() }),
      },
    },
  },
});
