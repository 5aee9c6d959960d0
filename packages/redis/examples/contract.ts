import { defineContract } from "@sockwire/protocol";
import { z } from "zod";

/** The chat contract shared by the example servers and clients. */
export const chat = defineContract({
  name: "cluster-chat",
  credentials: z.object({ user: z.string().min(1).max(32) }),
  client: {
    events: {
      say: z.object({ room: z.string(), text: z.string().max(1000) }),
      whisper: z.object({ to: z.string(), text: z.string().max(1000) }),
    },
    requests: {
      join: {
        input: z.object({ room: z.string().min(1) }),
        output: z.object({ id: z.string(), members: z.number() }),
      },
    },
  },
  server: {
    events: {
      said: z.object({ room: z.string(), user: z.string(), via: z.string(), text: z.string() }),
    },
  },
});
