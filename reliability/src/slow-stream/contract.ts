import { defineContract } from "@sockwire/protocol";
import { z } from "zod";

/** A feed the client reads far slower than the server could produce it. */
export const feed = defineContract({
  name: "slow-stream",
  client: {
    streams: {
      feed: {
        input: z.object({ bytes: z.number().int().min(0).max(65_536), tag: z.string() }),
        item: z.object({ n: z.number().int(), pad: z.string() }),
        result: z.object({ produced: z.number().int() }),
      },
    },
    requests: {
      ping: { input: z.undefined(), output: z.undefined() },
      memory: {
        /** `produced` counts the items of the streams opened with this tag. */
        input: z.object({ tag: z.string() }),
        output: z.object({ heap: z.number(), rss: z.number(), produced: z.number() }),
      },
    },
  },
});
