import { defineContract } from "@sockwire/protocol";
import { z } from "zod";

/** The chat contract shared by the example server and its clients. */
export const chat = defineContract({
  name: "chat",
  credentials: z.object({ user: z.string().min(1).max(32) }),
  client: {
    events: { say: z.object({ room: z.string(), text: z.string().max(1000) }) },
    requests: {
      join: {
        input: z.object({ room: z.string().min(1) }),
        output: z.object({ members: z.number() }),
      },
    },
  },
  server: {
    events: { said: z.object({ room: z.string(), user: z.string(), text: z.string() }) },
  },
});
