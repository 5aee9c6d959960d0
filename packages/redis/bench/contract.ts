import { defineContract } from "@sockwire/protocol";
import { z } from "zod";

/** The bench's message: the same `chat` payload as the repository's fan-out benchmark. */
export const benchContract = defineContract({
  name: "redis-bench",
  server: {
    events: { chat: z.object({ text: z.string().max(4096), seq: z.number().int().nonnegative() }) },
  },
});

/** The seed article's client line, fixed so every run moves the same bytes. */
export const CHAT_TEXT = "Client send Message on 2017/4/19 23:15:24";

/** Milliseconds on a clock every process on this machine shares. */
export function sharedClock(): number {
  return performance.timeOrigin + performance.now();
}
