import { defineContract } from "@sockwire/protocol";
import { z } from "zod";

/** What the cluster tests speak: clients join rooms and learn their id; servers push `news`. */
export const clusterContract = defineContract({
  name: "redis-cluster-test",
  client: {
    requests: {
      join: { input: z.object({ room: z.string() }), output: z.object({ ok: z.boolean() }) },
      whoami: { input: z.object({}), output: z.object({ id: z.string() }) },
    },
  },
  server: {
    events: {
      news: z.object({ id: z.string(), text: z.string() }),
    },
  },
});
export type ClusterContract = typeof clusterContract;
